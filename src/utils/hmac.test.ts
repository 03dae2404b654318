import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signBase64HmacSha256, verifyBase64HmacSha256 } from './hmac.js'

describe('webhook signatures', () => {
  const body = '{"id":820982911946154508,"name":"#1071"}'
  const secret = 'shpss_0123456789abcdef'
  const expected = createHmac('sha256', secret).update(body).digest('base64')

  it('match what Shopify and WooCommerce compute (base64 HMAC-SHA256 of the raw body)', async () => {
    expect(signBase64HmacSha256(secret, body)).toBe(expected)
    expect(verifyBase64HmacSha256(secret, body, expected)).toBe(true)
  })

  it('reject a changed body, another secret, a truncated or missing signature', async () => {
    expect(verifyBase64HmacSha256(secret, body.replace('1071', '1072'), expected)).toBe(false)
    expect(verifyBase64HmacSha256('other-secret', body, expected)).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, expected.slice(0, 20))).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, undefined)).toBe(false)
    expect(verifyBase64HmacSha256(secret, body, '%%%not base64%%%')).toBe(false)
  })
})
