import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import type { AdminFrame } from '../pages/embedded.js'

/**
 * Who is looking: the operator (every store), or a merchant (their store only); `frame`: the
 * merchant is inside their Shopify admin (embeddedSession.ts), where the admin is the page's frame.
 */
export type Viewer = { kind: 'operator' } | { kind: 'merchant'; storeId: string; linkVersion: number; frame?: AdminFrame }

export type DashboardEnv = { Variables: { viewer: Viewer } }

/** The admin around the page, when a merchant opened it inside their Shopify admin. */
export const frameOf = (viewer: Viewer | undefined): AdminFrame | undefined => (viewer?.kind === 'merchant' ? viewer.frame : undefined)

const COOKIE = 'callconfirm_session'
/** An operator signs in again after half a day; a merchant's session lasts as long as the link that opened it. */
export const OPERATOR_SESSION_MS = 12 * 3600_000

export interface DashboardSessions {
  /** True when `given` is the admin token (compared in constant time). */
  isAdminToken(given: string): boolean
  start(c: Context, viewer: Viewer, expiresAt: number): Promise<void>
  end(c: Context): void
  /** Lets signed-in viewers through with `c.var.viewer`; sends everyone else to the sign-in page. */
  required: MiddlewareHandler<DashboardEnv>
}

export interface SessionOptions {
  adminToken: string
  encryptionKey: Uint8Array
  secure: boolean
  now: () => number
  /** The store's link version now: a merchant session made at an older one was revoked. */
  linkVersion: (storeId: string) => Promise<number | undefined>
}

/**
 * Dashboard sessions in a signed cookie (hono/cookie's HMAC-SHA256, keyed from ENCRYPTION_KEY):
 * `operator.<admin token tag>.<expiry>` or `store.<storeId>.<link version>.<expiry>`. HttpOnly,
 * SameSite=Lax (a form posted from another site carries no session), Secure when the app is
 * served over https. No session table: a new ENCRYPTION_KEY signs everyone out, a new
 * ADMIN_TOKEN signs the operator out (the tag is an HMAC of the token), and revoking a store's
 * links signs its merchants out.
 */
export function createDashboardSessions(options: SessionOptions): DashboardSessions {
  const secret = Buffer.from(hkdfSync('sha256', options.encryptionKey, new Uint8Array(), 'callconfirm dashboard sessions', 32)).toString('base64')
  const digest = (s: string) => createHash('sha256').update(s).digest()
  const adminDigest = digest(options.adminToken)
  const adminTag = createHmac('sha256', secret).update(options.adminToken).digest('base64url').slice(0, 22)

  const read = async (c: Context): Promise<Viewer | undefined> => {
    const value = await getSignedCookie(c, secret, COOKIE)
    if (!value) return undefined
    const parts = value.split('.')
    const expiresAt = parseInt(parts.at(-1) ?? '', 36)
    if (!(expiresAt > options.now())) return undefined
    if (parts[0] === 'operator' && parts.length === 3) return parts[1] === adminTag ? { kind: 'operator' } : undefined
    if (parts[0] === 'store' && parts.length === 4) {
      const storeId = parts[1]!
      const linkVersion = parseInt(parts[2]!, 36)
      return (await options.linkVersion(storeId)) === linkVersion ? { kind: 'merchant', storeId, linkVersion } : undefined
    }
    return undefined
  }

  return {
    isAdminToken: (given) => timingSafeEqual(digest(given), adminDigest),
    async start(c, viewer, expiresAt) {
      const who = viewer.kind === 'operator' ? `operator.${adminTag}` : `store.${viewer.storeId}.${viewer.linkVersion.toString(36)}`
      await setSignedCookie(c, COOKIE, `${who}.${expiresAt.toString(36)}`, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
        secure: options.secure,
        maxAge: Math.max(1, Math.floor((expiresAt - options.now()) / 1000)),
      })
    },
    end(c) {
      deleteCookie(c, COOKIE, { path: '/', secure: options.secure })
    },
    required: async (c, next) => {
      const viewer = await read(c)
      if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303)
      c.set('viewer', viewer)
      await next()
    },
  }
}
