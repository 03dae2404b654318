import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

/** How long a settings link handed to a merchant works. */
export const SETTINGS_LINK_TTL_MS = 7 * 24 * 3600_000

/**
 * Signed settings links: `/settings?t=<token>` lets whoever holds it change one store's settings
 * until it expires. The token is `<storeId>.<expires, base36>.<HMAC-SHA256>`, keyed by a key
 * derived from ENCRYPTION_KEY, so no table of sessions is needed and rotating the key voids them all.
 */
export interface SettingsLinks {
  token(storeId: string, expiresAt: number): string
  /** The link to hand a merchant: their settings page for SETTINGS_LINK_TTL_MS from `now`. */
  link(storeId: string, now: number): { url: string; expiresAt: number }
  /** The store the token opens, or why it does not. */
  verify(token: string, now: number): { ok: true; storeId: string; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' }
}

export function createSettingsLinks(encryptionKey: Uint8Array, publicUrl: string): SettingsLinks {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, new Uint8Array(), 'callconfirm settings links', 32))
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url')
  const token = (storeId: string, expiresAt: number) => {
    const body = `${storeId}.${expiresAt.toString(36)}`
    return `${body}.${mac(body)}`
  }
  return {
    token,
    link(storeId, now) {
      const expiresAt = now + SETTINGS_LINK_TTL_MS
      return { url: `${publicUrl}/settings?t=${token(storeId, expiresAt)}`, expiresAt }
    },
    verify(token, now) {
      const cut = token.lastIndexOf('.')
      const body = token.slice(0, cut)
      const given = Buffer.from(token.slice(cut + 1))
      const expected = Buffer.from(mac(body))
      if (cut < 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' }
      const dot = body.lastIndexOf('.')
      const expiresAt = parseInt(body.slice(dot + 1), 36)
      if (!(expiresAt > now)) return { ok: false, reason: 'expired' }
      return { ok: true, storeId: body.slice(0, dot), expiresAt }
    },
  }
}
