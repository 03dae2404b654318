import type { StoreAccess } from './access.js'
import type { PlatformClients, StoreOrderState } from './platform.js'
import { platformOf } from './platforms.js'
import type { Store } from './records.js'

export type ReadStoreOrder = (store: Store, platformOrderId: string) => Promise<StoreOrderState>

/**
 * Reads an order back from its store just before the call, through the store's platform. A store
 * whose credentials were erased (the app uninstalled) has revoked our access.
 *
 * @example
 * const readStoreOrder = createStoreOrderReader({ access, shopify, storeNetwork })
 * await readStoreOrder(store, '1001') // → { state: 'open' }
 */
export function createStoreOrderReader(deps: { access: StoreAccess } & PlatformClients): ReadStoreOrder {
  return async (store, platformOrderId) => {
    const credentials = await deps.access(store)
    if (!credentials) return { state: 'access_revoked' }
    return platformOf(store).readOrder({ clients: deps, store, credentials }, platformOrderId)
  }
}
