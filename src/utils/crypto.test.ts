import { createHmac, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signBase64HmacSha256, verifyBase64HmacSha256 } from './hmac.js'
import { createSecretBox } from './secretBox.js'

describe('webhook signatures', () => {
  const body = '{"id":820982911946154508,"name":"#1071"}'
  const secret = 'shpss_0123456789abcdef'
  const reference = createHmac('sha256', secret).update(body).digest('base64')

  it('match what Shopify and WooCommerce compute (base64 HMAC-SHA256 of the raw body)', async () => {
    expect(signBase64HmacSha256(secret, body)).toBe(reference)
    expect(verifyBase64HmacSha256(secret, body, reference)).toBe(true)
  })

  it('reject a changed body, another secret, a truncated or missing signature', async () => {
    expect(verifyBase64HmacSha256(secret, body.replace('1071', '1072'), reference)).toBe(false)
    expect(verifyBase64HmacSha256('other-secret', body, reference)).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, reference.slice(0, 20))).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, undefined)).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, '%%%not base64%%%')).toBe(false)
  })
})

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
