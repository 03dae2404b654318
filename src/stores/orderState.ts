import type { StoreAccess } from './access.js'
import type { Store } from './records.js'
import type { ShopifyAdmin } from './shopify/adminApi.js'
import type { StoreNetwork } from './storeAddress.js'
import { readShopifyOrder } from './shopify/orderBeforeCall.js'
import { readWooOrder } from './woocommerce/orderBeforeCall.js'

/** What the store says about an order just before we call its customer. */
export type StoreOrderState =
  | { state: 'open' }
  | { state: 'cancelled' }
  | { state: 'fulfilled' }
  /** Already carries one of our final call tags (or meta): someone got the answer already. */
  | { state: 'answered' }
  | { state: 'not_found' }
  /** The store refuses our credentials: the app was removed or the keys revoked. */
  | { state: 'access_revoked' }
  | { state: 'unreachable'; reason: string }

export type ReadStoreOrder = (store: Store, platformOrderId: string) => Promise<StoreOrderState>

/** Reads an order from whichever platform its store runs on. */
export function createStoreOrderReader(deps: { access: StoreAccess; shopify: ShopifyAdmin; storeNetwork: StoreNetwork }): ReadStoreOrder {
  return async (store, platformOrderId) => {
    const credentials = await deps.access(store)
    if (!credentials) return { state: 'access_revoked' }
    return credentials.platform === 'shopify'
      ? readShopifyOrder(deps.shopify, store, credentials.accessToken, platformOrderId)
      : readWooOrder({ store, credentials, network: deps.storeNetwork }, platformOrderId)
  }
}
