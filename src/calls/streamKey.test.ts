import { describe, expect, it } from 'vitest'
import { createStreamKeys } from './streamKey.js'

const keys = createStreamKeys(new Uint8Array(32).fill(7))

describe("a call's media-stream key", () => {
  it('names the attempt it was made for', () => {
    expect(keys.attemptOf(keys.key('att_AbC-12_x'))).toBe('att_AbC-12_x')
  })

  it('names nothing when any character of it was changed, or it was made with another ENCRYPTION_KEY', () => {
    const key = keys.key('att_one')
    const [id, mac] = key.split('.') as [string, string]
    expect(keys.attemptOf(`att_two.${mac}`)).toBeUndefined()
    expect(keys.attemptOf(`${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()
    expect(keys.attemptOf(id)).toBeUndefined()
    expect(keys.attemptOf(`${key}.`)).toBeUndefined()
    expect(keys.attemptOf('')).toBeUndefined()
    expect(createStreamKeys(new Uint8Array(32).fill(8)).attemptOf(key)).toBeUndefined()
  })
})
