import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSecretBox } from './secretBox.js'

describe('credentials at rest', () => {
  it('are sealed with AES-GCM: unreadable, fresh each time, and bound to their row', async () => {
    const box = await createSecretBox(new Uint8Array(randomBytes(32)))
    const a = await box.seal('shpat_secret_token', 'st_1:credentials')
    const b = await box.seal('shpat_secret_token', 'st_1:credentials')
    expect(a).not.toContain('shpat')
    expect(a).not.toBe(b)
    expect(await box.open(a, 'st_1:credentials')).toBe('shpat_secret_token')
    await expect(box.open(a, 'st_2:credentials')).rejects.toThrow()
  })

  it('cannot be opened with another key', async () => {
    const sealed = await (await createSecretBox(new Uint8Array(randomBytes(32)))).seal('x', 'c')
    const other = await createSecretBox(new Uint8Array(randomBytes(32)))
    await expect(other.open(sealed, 'c')).rejects.toThrow()
  })
})
