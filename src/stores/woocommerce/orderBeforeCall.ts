import { OUTCOMES, type Outcome } from '../../domain/order.js'
import type { StoreOrderState } from '../platform.js'
import { CLOSED_STATUSES, type WooOrder } from './order.js'
import { type WooApi, WooError, wooRequest } from './restApi.js'

/** The meta key the write-back keeps callconfirm's state in: `pending`, then the outcome (or `not_called`). */
export const OUTCOME_META_KEY = '_callconfirm_outcome'

/** Reads a WooCommerce order through the REST API just before its customer is called. */
export async function readWooOrder(api: WooApi, platformOrderId: string): Promise<StoreOrderState> {
  let order: WooOrder
  try {
    order = await wooRequest<WooOrder>(api, 'GET', `/orders/${encodeURIComponent(platformOrderId)}`)
  } catch (error) {
    if (error instanceof WooError && error.status === 404) return { state: 'not_found' }
    if (error instanceof WooError && (error.status === 401 || error.status === 403)) return { state: 'access_revoked' }
    return { state: 'unreachable', reason: error instanceof Error ? error.message : String(error) }
  }
  if (CLOSED_STATUSES.has(order.status)) return { state: 'cancelled' }
  if (order.status === 'completed') return { state: 'fulfilled' }
  if (order.meta_data?.some((m) => m.key === OUTCOME_META_KEY && OUTCOMES.includes(m.value as Outcome))) return { state: 'answered' }
  return { state: 'open' }
}
