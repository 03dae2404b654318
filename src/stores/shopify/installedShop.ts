import type { Db } from '../../db/index.js'
import { findStoreByDomain, type Store, type StoreDefaults } from '../records.js'

/** The shop's store, if the app is installed there now: its access held, not uninstalled. */
export async function installedShop(deps: { db: Db; storeDefaults: StoreDefaults }, shop: string): Promise<Store | undefined> {
  const store = await findStoreByDomain(deps.db, 'shopify', shop, deps.storeDefaults)
  return store?.row.credentials && store.disabledReason !== 'app_uninstalled' ? store : undefined
}
