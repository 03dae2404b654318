import { Hono } from 'hono'
import type { AppDeps } from '../deps.js'
import { listOrders, orderView } from '../orders/views.js'
import { ApiError } from '../utils/errors.js'

/** `/api/orders`: the orders we received, what we decided, and how their calls went. */
export function orderRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => c.json(await listOrders(deps.db, c.req.query())))
    .get('/:id', async (c) => {
      const id = Number(c.req.param('id'))
      if (!Number.isSafeInteger(id) || id < 1) throw new ApiError(404, 'order_not_found', `no order with id ${c.req.param('id')}`)
      return c.json(await orderView(deps.db, id))
    })
}
