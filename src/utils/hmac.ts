import { fromBase64, toBase64 } from './base64.js'

const encoder = new TextEncoder()
const keyCache = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
    // Few distinct secrets exist (one per store); the cache saves an import per webhook.
    if (keyCache.size > 10_000) keyCache.clear()
    keyCache.set(secret, key)
  }
  return key
}

/**
 * Checks a base64 HMAC-SHA256 signature of `body` — the scheme both Shopify
 * (`X-Shopify-Hmac-Sha256`) and WooCommerce (`X-WC-Webhook-Signature`) use.
 * `crypto.subtle.verify` compares in constant time; a malformed signature is simply invalid.
 *
 * @example
 * if (!(await verifyBase64HmacSha256(secret, rawBody, c.req.header('x-shopify-hmac-sha256')))) return c.json(..., 401)
 */
export async function verifyBase64HmacSha256(
  secret: string,
  body: Uint8Array<ArrayBuffer> | string,
  signature: string | undefined,
): Promise<boolean> {
  if (!signature || !secret) return false
  const mac = fromBase64(signature)
  if (!mac || mac.length !== 32) return false
  const data = typeof body === 'string' ? encoder.encode(body) : body
  return crypto.subtle.verify('HMAC', await hmacKey(secret), mac, data)
}

/** The signature a sender would put on `body`; used by the simulators and tests. */
export async function signBase64HmacSha256(secret: string, body: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const data = typeof body === 'string' ? encoder.encode(body) : body
  return toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), data)))
}
