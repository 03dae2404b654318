import { toBase64Url } from './base64.js'

/** A random, URL-safe, prefixed identifier such as `st_4fJx…` (120 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${toBase64Url(crypto.getRandomValues(new Uint8Array(15)))}`
}

/** A random secret for signing webhooks. WooCommerce HTML-decodes its stored secret, so stay alphanumeric. */
export function newAlphanumericSecret(length = 40): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
  let out = ''
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  for (const b of bytes) {
    if (b < 248) out += alphabet[b % 62]
    if (out.length === length) return out
  }
  return out + newAlphanumericSecret(length - out.length)
}
