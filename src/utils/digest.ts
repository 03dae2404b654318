import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * SHA-256 of `text`, hex: how one-time tokens and install states are kept, so a copy of the
 * database opens nothing.
 *
 * @example
 * sha256Hex('abc') // → 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * Whether a secret someone gave is the one expected (a signature, a token's hash), compared in
 * constant time. A different length is unequal at once: lengths are not secret.
 *
 * @example
 * if (!sameSecret(given, mac(body))) return { ok: false, reason: 'invalid' }
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
