import type { WriteBackPlan } from '../../domain/writeBack.js'
import { StoreAddressRefused } from '../storeAddress.js'
import { firstLine, WriteBackError, withStoreWords } from '../writeBackError.js'
import type { WooOrder } from './order.js'
import { OUTCOME_META_KEY } from './orderBeforeCall.js'
import { type WooApi, WooError, wooRequest } from './restApi.js'

/** The meta key holding the line a person reads: what happened, when, in the customer's words. */
export const SUMMARY_META_KEY = '_callconfirm_summary'

/** Statuses an order is in before it ships: the only ones the store's status mapping moves it from. */
const OPEN_STATUSES = new Set(['pending', 'on-hold', 'processing'])

/**
 * Brings a WooCommerce order to what the plan says, through the REST API v3: a private order
 * note (never `customer_note`, which emails the customer), the `_callconfirm_outcome` and
 * `_callconfirm_summary` meta, and the store's optional status mapping, applied only to an order
 * still open (one the merchant already completed or cancelled is left as it is). Safe to run again
 * at any point: the note is looked for among the order's notes first, and meta and status are
 * written only where they differ.
 */
export async function writeWooOrder(api: WooApi, platformOrderId: string, plan: WriteBackPlan): Promise<void> {
  const path = `/orders/${encodeURIComponent(platformOrderId)}`
  try {
    const order = await wooRequest<WooOrder>(api, 'GET', path)
    if (plan.noteLine) {
      const notes = await wooRequest<Array<{ note: string }>>(api, 'GET', `${path}/notes?type=internal`)
      if (!notes.some((n) => n.note === plan.noteLine))
        await wooRequest(api, 'POST', `${path}/notes`, { note: plan.noteLine, customer_note: false, added_by_user: false })
    }
    const meta = new Map((order.meta_data ?? []).map((m) => [m.key, m.value]))
    const wanted = [
      { key: OUTCOME_META_KEY, value: plan.marker },
      { key: SUMMARY_META_KEY, value: plan.summary },
    ]
    const update: { meta_data?: typeof wanted; status?: string } = {}
    if (wanted.some((w) => meta.get(w.key) !== w.value)) update.meta_data = wanted
    if (plan.wooStatus && order.status !== plan.wooStatus && OPEN_STATUSES.has(order.status)) update.status = plan.wooStatus
    if (update.meta_data || update.status) await wooRequest(api, 'PUT', path, update)
  } catch (error) {
    throw asWriteBackError(error, platformOrderId)
  }
}

/** What a failed REST call means for the write. */
function asWriteBackError(error: unknown, platformOrderId: string): WriteBackError {
  // The store's address does not change, so a refused one stays refused (until the operator's setting does).
  if (error instanceof StoreAddressRefused) return new WriteBackError('permanent', `The store's address is refused: ${error.message}.`)
  if (!(error instanceof WooError)) return new WriteBackError('transient', `Could not reach the store: ${firstLine(error)}`)
  if (error.status === 401 || error.status === 403)
    return new WriteBackError(
      'permanent',
      withStoreWords(`WooCommerce refused the API keys (${error.status}): they were revoked or may not write orders.`, error.code),
    )
  if (error.code === 'woocommerce_rest_shop_order_invalid_id' || error.code === 'woocommerce_rest_order_invalid_id')
    return new WriteBackError('permanent', `Order ${platformOrderId} no longer exists in the store.`)
  if (error.status === 429) return new WriteBackError('slow_down', 'The store answered 429 Too Many Requests.', error.retryAfterMs ?? 60_000)
  if (error.status >= 500) return new WriteBackError('transient', withStoreWords(`The store answered ${error.status}.`, error.code))
  return new WriteBackError('permanent', withStoreWords(`WooCommerce refused the write (${error.status}).`, `${error.code}: ${error.message}`))
}
