import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { stores } from '../db/schema.js'
import type { Logger } from '../utils/log.js'
import type { SecretBox } from '../utils/secretBox.js'
import { sealCredentials, storeCredentials, type ShopifyCredentials, type Store, type StoreCredentials } from './records.js'
import type { ShopifyAdmin } from './shopify/adminApi.js'
import { adminHttpStatus } from './shopify/adminApi.js'

/** The credentials to reach a store with now: undefined once they were erased. */
export type StoreAccess = (store: Store) => Promise<StoreCredentials | undefined>

/** Refresh an expiring token this long before it runs out, so no call meets it expired. */
const REFRESH_MARGIN_MS = 5 * 60_000

/**
 * Shopify's grant, as the library's session carries it. The library dates expiries by the wall
 * clock when the answer came; they are kept on the clock the rest of the app runs on (`now`).
 */
export function shopifyCredentialsOf(
  session: { accessToken?: string; expires?: Date; refreshToken?: string; refreshTokenExpires?: Date; scope?: string },
  now: number,
): ShopifyCredentials {
  if (!session.accessToken) throw new Error('Shopify granted no access token')
  const skew = now - Date.now()
  return {
    platform: 'shopify',
    accessToken: session.accessToken,
    ...(session.expires && { expiresAt: session.expires.getTime() + skew }),
    ...(session.refreshToken && { refreshToken: session.refreshToken }),
    ...(session.refreshTokenExpires && { refreshTokenExpiresAt: session.refreshTokenExpires.getTime() + skew }),
    ...(session.scope && { scope: session.scope }),
  }
}

/**
 * Opens a store's credentials and, for a Shopify install whose token expires within five minutes,
 * refreshes it first (@shopify/shopify-api's `auth.refreshToken`). One refresh per store at a time
 * in this process; the new pair is saved only over the one it replaced, so when two workers
 * refresh at once, both go on with the pair that was saved.
 */
export function createStoreAccess(deps: { db: Db; box: SecretBox; shopify: ShopifyAdmin; log: Logger; now: () => number }): StoreAccess {
  const refreshing = new Map<string, Promise<StoreCredentials | undefined>>()

  const needsRefresh = (c: StoreCredentials | undefined): c is ShopifyCredentials & { expiresAt: number } =>
    c?.platform === 'shopify' && c.expiresAt !== undefined && c.expiresAt - deps.now() <= REFRESH_MARGIN_MS

  /** The store's credentials as saved now (the store in hand may predate a refresh). */
  async function saved(store: Store) {
    const row = await deps.db.select().from(stores).where(eq(stores.id, store.id)).get()
    return row && { sealed: row.credentials, credentials: await storeCredentials({ ...store, row }, deps.box) }
  }

  async function refresh(store: Store): Promise<StoreCredentials | undefined> {
    const current = await saved(store)
    if (!current) return undefined
    const { sealed, credentials } = current
    if (!needsRefresh(credentials)) return credentials
    if (!credentials.refreshToken || (credentials.refreshTokenExpiresAt ?? Infinity) <= deps.now()) {
      deps.log.warn('Shopify token expired and cannot be refreshed; the merchant must open the app again', { storeId: store.id })
      return credentials
    }
    deps.shopify.route(store.domain)
    let fresh: ShopifyCredentials
    try {
      const { session } = await deps.shopify.library.auth.refreshToken({ shop: store.domain, refreshToken: credentials.refreshToken })
      fresh = shopifyCredentialsOf(session, deps.now())
    } catch (error) {
      // Refused (revoked) or unreachable: go on with the token we have; the call will tell.
      deps.log.warn('Shopify token refresh failed', { storeId: store.id, status: adminHttpStatus(error), error })
      return credentials
    }
    const replaced = await deps.db
      .update(stores)
      .set({ credentials: await sealCredentials(deps.box, store.id, fresh), updatedAt: deps.now() })
      .where(and(eq(stores.id, store.id), eq(stores.credentials, sealed ?? '')))
    if (replaced.changes) return fresh
    // Someone else saved a pair first (another worker, a reinstall): theirs is the one that counts.
    return (await saved(store))?.credentials
  }

  return async (store) => {
    const credentials = await storeCredentials(store, deps.box)
    if (!needsRefresh(credentials)) return credentials
    const running = refreshing.get(store.id)
    if (running) return running
    const started = refresh(store).finally(() => refreshing.delete(store.id))
    refreshing.set(store.id, started)
    return started
  }
}
