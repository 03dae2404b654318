import { finalCallTags } from '../finalTags.js'
import type { PlatformStore, StoreOrderState } from '../platform.js'
import { adminHttpStatus, type ShopifyAdmin } from './adminApi.js'

const ORDER_BEFORE_CALL = `#graphql
  query OrderBeforeCall($id: ID!) {
    order(id: $id) {
      id
      cancelledAt
      displayFulfillmentStatus
      tags
    }
  }`

interface OrderBeforeCall {
  order: { id: string; cancelledAt: string | null; displayFulfillmentStatus: string; tags: string[] } | null
}

/** Reads a Shopify order through the Admin GraphQL API just before its customer is called. */
export async function readShopifyOrder(
  admin: ShopifyAdmin,
  store: PlatformStore,
  accessToken: string,
  platformOrderId: string,
): Promise<StoreOrderState> {
  let data: OrderBeforeCall
  try {
    data = await admin.graphql<OrderBeforeCall>(store.domain, accessToken, ORDER_BEFORE_CALL, { id: `gid://shopify/Order/${platformOrderId}` })
  } catch (error) {
    const status = adminHttpStatus(error)
    // 401 bad token, 402 shop frozen, 403 blocked, 404 shop gone: nothing we can do for it.
    if (status !== undefined && [401, 402, 403, 404].includes(status)) return { state: 'access_revoked' }
    return { state: 'unreachable', reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) }
  }
  const order = data.order
  if (!order) return { state: 'not_found' }
  if (order.cancelledAt) return { state: 'cancelled' }
  if (order.displayFulfillmentStatus === 'FULFILLED') return { state: 'fulfilled' }
  const final = finalCallTags(store.settings)
  if (order.tags.some((t) => final.has(t.toLowerCase()))) return { state: 'answered' }
  return { state: 'open' }
}
