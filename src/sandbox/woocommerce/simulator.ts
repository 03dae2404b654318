import { Hono, type Context } from 'hono'
import { serveOnLoopback } from '../loopback.js'

/** An order as the simulated store holds it: the REST v3 order its webhook carried, kept current. */
export type WooOrder = Record<string, unknown> & { id: number; status: string; meta_data: Array<{ id?: number; key: string; value: unknown }> }

export interface WooCommerceSimulator {
  /** The store's site URL (register the store with it). */
  siteUrl: string
  consumerKey: string
  consumerSecret: string
  addOrder(order: WooOrder): void
  order(id: number): WooOrder | undefined
  /** Deletes the API keys, as a merchant revoking access does. */
  revokeKeys(): void
  requests: Array<{ method: string; path: string; status: number }>
  close(): Promise<void>
}

const wooError = (c: Context, status: 401 | 404, code: string, message: string) => c.json({ code, message, data: { status } }, status)

/**
 * A WooCommerce store's REST API v3 on loopback (`/wp-json/wc/v3/…`), authenticated with HTTP
 * Basic as WooCommerce does over https, answering with WooCommerce's error bodies.
 */
export async function startWooCommerceSimulator(): Promise<WooCommerceSimulator> {
  const orders = new Map<number, WooOrder>()
  const keys = { key: `ck_${crypto.randomUUID().replace(/-/g, '')}`, secret: `cs_${crypto.randomUUID().replace(/-/g, '')}` }
  let revoked = false
  const requests: WooCommerceSimulator['requests'] = []
  const app = new Hono()

  app.use('/wp-json/wc/v3/*', async (c, next) => {
    const record = { method: c.req.method, path: c.req.path, status: 200 }
    requests.push(record)
    const expected = `Basic ${btoa(`${keys.key}:${keys.secret}`)}`
    if (revoked || c.req.header('authorization') !== expected) {
      record.status = 401
      return wooError(c, 401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.')
    }
    await next()
    record.status = c.res.status
  })

  app.get('/wp-json/wc/v3/orders/:id', (c) => {
    const order = orders.get(Number(c.req.param('id')))
    if (!order) return wooError(c, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.')
    return c.json(order)
  })

  const server = await serveOnLoopback(app)
  return {
    siteUrl: server.origin,
    consumerKey: keys.key,
    consumerSecret: keys.secret,
    addOrder: (order) => void orders.set(order.id, order),
    order: (id) => orders.get(id),
    revokeKeys() {
      revoked = true
    },
    requests,
    close: server.close,
  }
}
