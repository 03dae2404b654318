import { describe, expect, it } from 'vitest'
import { sameSecret, sha256Hex } from './digest.js'

describe('secrets at rest and compared', () => {
  it('are kept as the SHA-256 of the secret, in hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('match only the very same secret, of any length', () => {
    expect(sameSecret('c2lnbmF0dXJl', 'c2lnbmF0dXJl')).toBe(true)
    expect(sameSecret('c2lnbmF0dXJm', 'c2lnbmF0dXJl')).toBe(false)
    expect(sameSecret('c2lnbmF0', 'c2lnbmF0dXJl')).toBe(false)
    expect(sameSecret('', 'c2lnbmF0dXJl')).toBe(false)
    expect(sameSecret('é', 'ab')).toBe(false)
  })
})
