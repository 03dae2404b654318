import { sameSecret } from '../utils/digest.js'
import { purposeMac } from '../utils/hmac.js'

/** How long a settings link handed to a merchant works. */
export const SETTINGS_LINK_TTL_MS = 7 * 24 * 3600_000

/** What a link is made for: a store, at the link version it has now (raising it revokes the link). */
export interface LinkSubject {
  id: string
  linkVersion: number
}

export type LinkCheck = { ok: true; storeId: string; version: number; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' }

/**
 * Signed settings links: `/settings?t=<token>` lets whoever holds it change one store's settings
 * until it expires or the operator revokes the store's links. The token is
 * `<storeId>.<link version, base36>.<expires, base36>.<HMAC-SHA256>`, keyed by a key derived from
 * ENCRYPTION_KEY, so no table of sessions is needed: rotating the key voids them all, and raising a
 * store's link version voids that store's (see `storeForLink`).
 */
export interface SettingsLinks {
  token(store: LinkSubject, expiresAt: number): string
  /** The link to hand a merchant: their settings page for SETTINGS_LINK_TTL_MS from `now`. */
  link(store: LinkSubject, now: number): { url: string; expiresAt: number }
  /** The path that signs the merchant in to their dashboard (a session until `expiresAt`) and opens `next` there. */
  enterPath(store: LinkSubject, next: string, expiresAt: number): string
  /** The store and link version the token was made for, or why it is not a token of ours. */
  verify(token: string, now: number): LinkCheck
}

export function createSettingsLinks(encryptionKey: Uint8Array, publicUrl: string): SettingsLinks {
  const mac = purposeMac(encryptionKey, 'callconfirm settings links')
  const token = (store: LinkSubject, expiresAt: number) => {
    const body = `${store.id}.${store.linkVersion.toString(36)}.${expiresAt.toString(36)}`
    return `${body}.${mac(body)}`
  }
  return {
    token,
    link(store, now) {
      const expiresAt = now + SETTINGS_LINK_TTL_MS
      return { url: `${publicUrl}/settings?t=${token(store, expiresAt)}`, expiresAt }
    },
    enterPath: (store, next, expiresAt) => `/enter?${new URLSearchParams({ t: token(store, expiresAt), next })}`,
    verify(token, now) {
      const cut = token.lastIndexOf('.')
      const body = token.slice(0, cut)
      if (cut < 0 || !sameSecret(token.slice(cut + 1), mac(body))) return { ok: false, reason: 'invalid' }
      const [expires, version, ...id] = body.split('.').reverse()
      const expiresAt = parseInt(expires ?? '', 36)
      if (!(expiresAt > now)) return { ok: false, reason: 'expired' }
      return { ok: true, storeId: id.reverse().join('.'), version: parseInt(version ?? '', 36), expiresAt }
    },
  }
}
