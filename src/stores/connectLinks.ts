import { sameSecret } from '../utils/digest.js'
import { purposeMac } from '../utils/hmac.js'

/** How long a connect link works when the operator does not say. */
export const CONNECT_LINK_DAYS = 7
/** The longest a connect link may work: an invitation is for a merchant about to connect, not a standing door. */
export const CONNECT_LINK_MAX_DAYS = 30

export type ConnectLinkCheck = { ok: true; storeUrl: string | undefined; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' }

/**
 * The operator's invitations to connect a new store (STORE_SIGNUP=invite): `/woocommerce/connect?invite=<token>`.
 * The token is `<store URL, base64url, or empty>.<expires, base36>.<HMAC-SHA256>`, keyed by a key
 * derived from ENCRYPTION_KEY for this purpose alone, so no table is needed and rotating the key
 * voids them all. One bound to a store URL connects that store only; an unbound one, any store
 * until it expires (so bind it when the store is known).
 */
export interface ConnectLinks {
  /** The link to hand a merchant, working until `expiresAt`. */
  link(storeUrl: string | undefined, expiresAt: number): string
  /** The store URL the token was made for (undefined: any), or why it is not a working invitation. */
  verify(token: string, now: number): ConnectLinkCheck
}

/**
 * @example
 * const links = createConnectLinks(config.encryptionKey, config.publicUrl)
 * links.link('https://dyqani.al', Date.now() + 7 * 86_400_000) // → https://…/woocommerce/connect?store_url=…&invite=…
 */
export function createConnectLinks(encryptionKey: Uint8Array, publicUrl: string): ConnectLinks {
  const mac = purposeMac(encryptionKey, 'callconfirm connect links')
  const token = (storeUrl: string | undefined, expiresAt: number) => {
    const body = `${Buffer.from(storeUrl ?? '').toString('base64url')}.${expiresAt.toString(36)}`
    return `${body}.${mac(body)}`
  }
  return {
    link(storeUrl, expiresAt) {
      const query = new URLSearchParams({ ...(storeUrl ? { store_url: storeUrl } : {}), invite: token(storeUrl, expiresAt) })
      return `${publicUrl}/woocommerce/connect?${query}`
    },
    verify(given, now) {
      const parts = given.split('.')
      if (parts.length !== 3) return { ok: false, reason: 'invalid' }
      const [url, expires, signature] = parts as [string, string, string]
      if (!sameSecret(signature, mac(`${url}.${expires}`))) return { ok: false, reason: 'invalid' }
      const expiresAt = parseInt(expires, 36)
      if (!(expiresAt > now)) return { ok: false, reason: 'expired' }
      return { ok: true, storeUrl: Buffer.from(url, 'base64url').toString() || undefined, expiresAt }
    },
  }
}
