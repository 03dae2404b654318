import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { stores } from '../db/schema.js'
import type { Logger } from '../utils/log.js'
import type { SecretBox } from '../utils/secretBox.js'
import type { StoreCredentials } from './platform.js'
import { platformOf } from './platforms.js'
import { type Store, sealCredentials, storeCredentials } from './records.js'
import type { ShopifyAdmin } from './shopify/adminApi.js'

/** The credentials to reach a store with now: undefined once they were erased. */
export type StoreAccess = (store: Store) => Promise<StoreCredentials | undefined>

/**
 * Opens a store's credentials and, when its platform's run out soon (a Shopify install's token,
 * within five minutes: shopify/tokenRefresh.ts), renews them first. One renewal per store at a
 * time in this process; the new credentials are saved only over the ones they replaced, so when
 * two workers renew at once, both go on with the ones that were saved.
 *
 * @example
 * const access = createStoreAccess({ db, box, shopify, log, now })
 * const credentials = await access(store) // undefined: erased (the app was uninstalled)
 */
export function createStoreAccess(deps: { db: Db; box: SecretBox; shopify: ShopifyAdmin; log: Logger; now: () => number }): StoreAccess {
  const renewing = new Map<string, Promise<StoreCredentials | undefined>>()

  const renewalDue = (store: Store, c: StoreCredentials | undefined) => c !== undefined && (platformOf(store).renewal?.due(c, deps.now()) ?? false)

  /** The store's credentials as saved now (the store in hand may predate a refresh). */
  async function saved(store: Store) {
    const row = await deps.db.select().from(stores).where(eq(stores.id, store.id)).get()
    return row && { sealed: row.credentials, credentials: await storeCredentials({ ...store, row }, deps.box) }
  }

  async function renew(store: Store): Promise<StoreCredentials | undefined> {
    const current = await saved(store)
    if (!current) return undefined
    const { sealed, credentials } = current
    const renewal = platformOf(store).renewal
    if (!credentials || !renewal?.due(credentials, deps.now())) return credentials
    const fresh = await renewal.renew({ clients: deps, store, credentials, log: deps.log, now: deps.now })
    if (!fresh) return credentials
    const replaced = await deps.db
      .update(stores)
      .set({ credentials: await sealCredentials(deps.box, store.id, fresh), updatedAt: deps.now() })
      .where(and(eq(stores.id, store.id), eq(stores.credentials, sealed ?? '')))
      .returning({ id: stores.id })
      .all()
    if (replaced.length) return fresh
    // Someone else saved a pair first (another worker, a reinstall): theirs is the one that counts.
    return (await saved(store))?.credentials
  }

  return async (store) => {
    const credentials = await storeCredentials(store, deps.box)
    if (!renewalDue(store, credentials)) return credentials
    const running = renewing.get(store.id)
    if (running) return running
    const started = renew(store).finally(() => renewing.delete(store.id))
    renewing.set(store.id, started)
    return started
  }
}
