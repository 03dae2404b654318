import type { Context } from 'hono'
import type { Db } from '../db/index.js'
import { type AdminFrame, adminFrame, frameQuery } from '../pages/embedded.js'
import type { StoreDefaults } from '../stores/records.js'
import type { ShopifyEmbedding } from '../stores/shopify/adminApi.js'
import { installedShop } from '../stores/shopify/installedShop.js'
import type { Viewer } from './session.js'

export interface EmbeddedSessionDeps {
  db: Db
  storeDefaults: StoreDefaults
  shopify: { embedding: ShopifyEmbedding }
}

/** What a request to the dashboard is, as far as the Shopify admin goes. */
export type AdminOpening =
  /** Not from inside the admin: the dashboard's own sign-in decides. */
  | { kind: 'outside' }
  /** A merchant in their Shopify admin, signed in by App Bridge's session token. */
  | { kind: 'merchant'; viewer: Viewer & { kind: 'merchant' }; frame: AdminFrame }
  /** A page load inside the admin with no valid token: App Bridge's bounce page gets one and opens `location` again. */
  | { kind: 'bounce'; location: string }
  /** A token that is not (or no longer) good, or a shop with no installed store, on a request that cannot bounce. */
  | { kind: 'refused'; why: 'token' | 'store' }

/** The session token a request carries: App Bridge's `Authorization: Bearer` on fetches, `id_token` on a page load or a form sent. */
function sessionToken(c: Context): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
  return bearer ?? c.req.query('id_token') ?? undefined
}

/**
 * Who is looking, when the page is inside the Shopify admin. A cookie set by a page the admin
 * frames is a third-party one, which browsers drop, so there the session token is the only proof:
 * signed with the app's secret, for our client ID, unexpired (a minute), naming the shop. The shop
 * must have the app installed. A page load without a good token (a link followed, a redirect, a
 * reload after the token ran out) goes through App Bridge's bounce page, as Shopify's own
 * libraries do; anything else is refused.
 */
export async function openedInAdmin(c: Context, deps: EmbeddedSessionDeps): Promise<AdminOpening> {
  const token = sessionToken(c)
  const launched = c.req.query('embedded') === '1'
  if (!token && !launched) return { kind: 'outside' }
  const shop = token ? await deps.shopify.embedding.shopOfSessionToken(token) : undefined
  if (!shop) {
    const document = c.req.method === 'GET' && !c.req.header('authorization')
    return document && launched ? { kind: 'bounce', location: bouncePage(c) } : { kind: 'refused', why: 'token' }
  }
  const store = await installedShop(deps, shop)
  if (!store) return { kind: 'refused', why: 'store' }
  const frame = adminFrame(deps.shopify.embedding, shop, c.req.query('host') ?? '')
  return { kind: 'merchant', viewer: { kind: 'merchant', storeId: store.id, linkVersion: store.linkVersion }, frame }
}

/** Shopify's bounce page for this request: `shopify-reload` is where App Bridge goes back with a fresh `id_token`. */
function bouncePage(c: Context): string {
  const url = new URL(c.req.url)
  url.searchParams.delete('id_token')
  const query = new URLSearchParams(url.searchParams)
  query.set('shopify-reload', `${url.pathname}${url.search}`)
  return `/shopify/session-token?${query}`
}

/** A redirect from an embedded page stays in the admin: a local `Location` keeps the frame's query (its page then bounces for a token). */
export function keepFrame(res: Response, frame: AdminFrame, publicUrl: string): void {
  const location = res.headers.get('location')
  if (!location || res.status < 300 || res.status >= 400) return
  const to = new URL(location, publicUrl)
  if (to.origin !== new URL(publicUrl).origin) return
  for (const [name, value] of frameQuery(frame)) to.searchParams.set(name, value)
  res.headers.set('location', `${to.pathname}${to.search}`)
}
