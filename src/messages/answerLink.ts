import { sameSecret } from '../utils/digest.js'
import { purposeMac } from '../utils/hmac.js'

const HOUR_MS = 3600_000

/**
 * How long an answer link works: the SMS goes out after the last unanswered call, and a customer
 * may read it the next evening; COD shops ship within two or three days, after which an answer
 * comes too late to matter.
 */
export const ANSWER_LINK_TTL_MS = 72 * HOUR_MS

/**
 * The signature's length, base64url: 16 characters are 96 bits of HMAC-SHA256, beyond guessing
 * at any rate a server answers, and short enough that the whole link fits an SMS beside its text.
 */
const SIGNATURE_CHARS = 16

/** Hours since 1970 in base36 take four characters from 1975 to 2161, so the token needs no separators. */
const HOURS_CHARS = 4

const TOKEN = new RegExp(`^([0-9a-z]{1,11})([0-9a-z]{${HOURS_CHARS}})([A-Za-z0-9_-]{${SIGNATURE_CHARS}})$`)

export type AnswerLinkCheck = { ok: true; orderId: number; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' }

/**
 * Signed links to the one-page answer for customers without WhatsApp: `/a/<token>` shows one
 * order and its two buttons until it expires. The token is `<order id, base36><expiry in hours
 * since 1970, base36, 4 characters><HMAC-SHA256 of both, truncated to 96 bits, base64url>`, keyed
 * from ENCRYPTION_KEY for this purpose alone: no table, and rotating the key voids them all.
 * Hours, not milliseconds, and no separators keep it short (22 characters for order 1071), so
 * `https://callconfirm.example.com/a/…` stays under 60; the expiry is rounded up to the hour.
 */
export interface AnswerLinks {
  /** The link for an order's SMS, working for ANSWER_LINK_TTL_MS from `now` (to the next full hour). */
  link(orderId: number, now: number): { url: string; expiresAt: number }
  /** The order the token was made for, or why it is not a working link of ours. */
  verify(token: string, now: number): AnswerLinkCheck
}

/**
 * @example
 * const links = createAnswerLinks(config.encryptionKey, config.publicUrl)
 * links.link(1071, Date.now()).url // → 'https://confirm.dyqani.al/a/tragp3Xk9…' (22 characters after /a/)
 */
export function createAnswerLinks(encryptionKey: Uint8Array, publicUrl: string): AnswerLinks {
  const mac = purposeMac(encryptionKey, 'callconfirm answer links')
  const signature = (body: string) => mac(body).slice(0, SIGNATURE_CHARS)
  return {
    link(orderId, now) {
      const hours = Math.ceil((now + ANSWER_LINK_TTL_MS) / HOUR_MS)
      const body = `${orderId.toString(36)}${hours.toString(36).padStart(HOURS_CHARS, '0')}`
      return { url: `${publicUrl}/a/${body}${signature(body)}`, expiresAt: hours * HOUR_MS }
    },
    verify(token, now) {
      const parts = TOKEN.exec(token)
      if (!parts) return { ok: false, reason: 'invalid' }
      const [, order = '', hours = '', given = ''] = parts
      if (!sameSecret(given, signature(`${order}${hours}`))) return { ok: false, reason: 'invalid' }
      const expiresAt = parseInt(hours, 36) * HOUR_MS
      if (!(expiresAt > now)) return { ok: false, reason: 'expired' }
      return { ok: true, orderId: parseInt(order, 36), expiresAt }
    },
  }
}

const ANSWER_PATH = new RegExp(`^(/a/[0-9a-z]*)[A-Za-z0-9_-]{${SIGNATURE_CHARS}}(?=$|[/?])`)

/**
 * A request path as the log may keep it: an answer link's signature cut off (the order and
 * expiry before it stay, to follow one customer's taps), since the whole token opens the order.
 *
 * @example
 * loggablePath('/a/trag2kXk9aZ0bQ1cR2dS3eT4') // → '/a/trag2k…'
 */
export const loggablePath = (path: string): string => path.replace(ANSWER_PATH, '$1…')
