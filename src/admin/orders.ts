import { Hono } from 'hono'
import type { AppDeps } from '../deps.js'
import { listOrders, orderView } from '../orders/views.js'
import { retryFailedStoreWrites } from '../stores/outbox.js'
import { ApiError } from '../utils/errors.js'

/** `/api/orders`: the orders we received, what we decided, and how their calls went. */
export function orderRoutes(deps: Pick<AppDeps, 'db' | 'now' | 'wakeStoreWriter'>) {
  return new Hono()
    .get('/', async (c) => c.json(await listOrders(deps.db, c.req.query())))
    .get('/:id', async (c) => c.json(await orderView(deps.db, orderId(c.req.param('id')))))
    .post('/:id/store-writes/retry', async (c) => {
      // After the merchant fixed what made the store refuse (a new token, a restored order).
      const id = orderId(c.req.param('id'))
      const order = await orderView(deps.db, id)
      const retried = await retryFailedStoreWrites(deps.db, [id], deps.now())
      if (retried) deps.wakeStoreWriter()
      return c.json({ retried, storeWrites: retried ? (await orderView(deps.db, id)).storeWrites : order.storeWrites })
    })
}

function orderId(param: string): number {
  const id = Number(param)
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError(404, 'order_not_found', `no order with id ${param}`)
  return id
}
