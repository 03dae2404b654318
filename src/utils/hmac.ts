import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

// node:crypto, not crypto.subtle: on Node 20 a WebCrypto verify costs ~80 µs against ~6 µs here,
// and it runs on every webhook. Workers provide the same API under nodejs_compat, which the
// Workers deployment needs anyway (twilio, @shopify/shopify-api).

/**
 * Checks a base64 HMAC-SHA256 signature of `body` — the scheme both Shopify
 * (`X-Shopify-Hmac-Sha256`) and WooCommerce (`X-WC-Webhook-Signature`) use. Compared in
 * constant time; a malformed signature is simply invalid.
 *
 * @example
 * if (!verifyBase64HmacSha256(secret, rawBody, c.req.header('x-shopify-hmac-sha256'))) throw new ApiError(401, …)
 */
export function verifyBase64HmacSha256(secret: string, body: Uint8Array | string, signature: string | undefined): boolean {
  if (!signature || !secret) return false
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signature)) return false
  const given = Buffer.from(signature, 'base64')
  return timingSafeEqual(createHmac('sha256', secret).update(body).digest(), given)
}

/** The signature a sender would put on `body`; used by the simulators and tests. */
export function signBase64HmacSha256(secret: string, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('base64')
}

/**
 * A base64url HMAC-SHA256 under a key derived from ENCRYPTION_KEY for one purpose (HKDF, the
 * purpose as its info): a token made for one use (a settings link, a connect invitation, a media
 * stream's URL) is worthless for another, and rotating ENCRYPTION_KEY voids them all.
 *
 * @example
 * const mac = purposeMac(config.encryptionKey, 'callconfirm settings links')
 * const token = `${body}.${mac(body)}`
 */
export function purposeMac(encryptionKey: Uint8Array, purpose: string): (body: string) => string {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, new Uint8Array(), purpose, 32))
  return (body) => createHmac('sha256', key).update(body).digest('base64url')
}
