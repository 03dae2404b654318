import type { IncomingMessage } from 'node:http'
import { Hono, type Context } from 'hono'
import { serveOnLoopback } from '../loopback.js'

/** An order as the simulated store holds it: the REST v3 order its webhook carried, kept current. */
export type WooOrder = Record<string, unknown> & { id: number; status: string; meta_data: Array<{ id?: number; key: string; value: unknown }> }

/** An order note as the REST API shows it. */
export interface WooNote {
  id: number
  author: string
  date_created: string
  date_created_gmt: string
  note: string
  customer_note: boolean
}

/** What the next request meets instead of a normal answer. */
export type WooFault =
  /** An HTTP error with the body WordPress or the host sends (429 carries Retry-After). */
  | { status: 429 | 500 | 502 | 503 }
  /** The request is carried out, then the connection drops before the answer. */
  | 'drop'

export interface WooCommerceSimulator {
  /** The store's site URL (register the store with it). */
  siteUrl: string
  consumerKey: string
  consumerSecret: string
  addOrder(order: WooOrder): void
  order(id: number): WooOrder | undefined
  /** Deletes an order for good (not to the bin), as a merchant can. */
  deleteOrder(id: number): void
  /** The order's notes, oldest first, as the merchant sees them in the order screen. */
  notes(id: number): WooNote[]
  /** Deletes the API keys, as a merchant revoking access does. */
  revokeKeys(): void
  /** Behave like a host that strips the Authorization header (keys then work only in the query string). */
  stripAuthorizationHeader(on: boolean): void
  /** What the next requests meet, one fault each, in order. */
  failNext(...faults: WooFault[]): void
  /** The same, for the next requests that match (`{ method: 'POST', path: /notes$/ }`: the next note added). */
  failMatching(match: { method?: string; path?: RegExp }, ...faults: WooFault[]): void
  requests: Array<{ method: string; path: string; status: number }>
  close(): Promise<void>
}

/** Statuses WooCommerce core registers (a plugin can add more; this store has none). */
const STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft']

const wooError = (c: Context, status: 400 | 401 | 404, code: string, message: string, extra: Record<string, unknown> = {}) =>
  c.json({ code, message, data: { status, ...extra } }, status)

/**
 * A WooCommerce store's REST API v3 on loopback (`/wp-json/wc/v3/…`): orders (read, update
 * status and meta as `update_meta_data` does), order notes (list by type, add), authenticated
 * with HTTP Basic or with the keys in the query string, as WooCommerce accepts over https;
 * answering with WooCommerce's and WordPress's own error bodies.
 */
export async function startWooCommerceSimulator(): Promise<WooCommerceSimulator> {
  const orders = new Map<number, WooOrder>()
  const notes = new Map<number, WooNote[]>()
  const keys = { key: `ck_${crypto.randomUUID().replace(/-/g, '')}`, secret: `cs_${crypto.randomUUID().replace(/-/g, '')}` }
  let revoked = false
  let stripAuthorization = false
  const faults: Array<{ fault: WooFault; method?: string; path?: RegExp }> = []
  let nextId = 5000
  const requests: WooCommerceSimulator['requests'] = []
  const app = new Hono<{ Bindings: { incoming: IncomingMessage } }>()

  app.use('/wp-json/wc/v3/*', async (c, next) => {
    const record = { method: c.req.method, path: c.req.path, status: 200 }
    requests.push(record)
    const basic = stripAuthorization ? undefined : c.req.header('authorization')
    const viaHeader = basic === `Basic ${btoa(`${keys.key}:${keys.secret}`)}`
    const viaQuery = c.req.query('consumer_key') === keys.key && c.req.query('consumer_secret') === keys.secret
    if (revoked || !(viaHeader || viaQuery)) {
      record.status = 401
      return wooError(c, 401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.')
    }
    const queued = faults.findIndex((f) => (!f.method || f.method === c.req.method) && (!f.path || f.path.test(c.req.path)))
    const fault = queued < 0 ? undefined : faults.splice(queued, 1)[0]!.fault
    if (fault && typeof fault === 'object') {
      record.status = fault.status
      if (fault.status === 429) {
        c.header('Retry-After', '2')
        return c.json({ code: 'rest_too_many_requests', message: 'Too many requests.', data: { status: 429 } }, 429)
      }
      // What WordPress answers when PHP dies mid-request.
      return c.json({ code: 'internal_server_error', message: '<p>There has been a critical error on this website.</p>', data: { status: fault.status }, additional_errors: [] }, fault.status)
    }
    await next()
    record.status = c.res.status
    if (fault === 'drop') c.env.incoming.socket.destroy()
  })

  const withOrder = (c: Context, code = 'woocommerce_rest_shop_order_invalid_id', message = 'Invalid ID.') => {
    const order = orders.get(Number(c.req.param('id')))
    return order ? { order } : { missing: wooError(c, 404, code, message) }
  }

  app.get('/wp-json/wc/v3/orders/:id', (c) => {
    const { order, missing } = withOrder(c)
    return missing ?? c.json(order)
  })

  app.put('/wp-json/wc/v3/orders/:id', async (c) => {
    const { order, missing } = withOrder(c)
    if (missing) return missing
    const body = (await c.req.json().catch(() => ({}))) as { status?: string; meta_data?: Array<{ id?: number; key: string; value: unknown }> }
    if (body.status !== undefined && !STATUSES.includes(body.status.replace(/^wc-/, '')))
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): status', { params: { status: `status is not one of ${STATUSES.join(', ')}.` } })
    if (body.status) order.status = body.status.replace(/^wc-/, '')
    // `update_meta_data`: a key already there gets the new value; a new key is added.
    for (const m of body.meta_data ?? []) {
      const existing = order.meta_data.find((e) => (m.id !== undefined ? e.id === m.id : e.key === m.key))
      if (existing) existing.value = m.value
      else order.meta_data.push({ id: nextId++, key: m.key, value: m.value })
    }
    return c.json(order)
  })

  app.get('/wp-json/wc/v3/orders/:id/notes', (c) => {
    const { missing } = withOrder(c, 'woocommerce_rest_order_invalid_id', 'Invalid order ID.')
    if (missing) return missing
    const type = c.req.query('type') ?? 'any'
    const list = (notes.get(Number(c.req.param('id'))) ?? []).filter((n) => type === 'any' || (type === 'customer') === n.customer_note)
    // Newest first, as WooCommerce lists them.
    return c.json([...list].reverse())
  })

  app.post('/wp-json/wc/v3/orders/:id/notes', async (c) => {
    const { missing } = withOrder(c, 'woocommerce_rest_order_invalid_id', 'Invalid order ID.')
    if (missing) return missing
    const body = (await c.req.json().catch(() => ({}))) as { note?: string; customer_note?: boolean; added_by_user?: boolean }
    if (!body.note) return wooError(c, 400, 'rest_missing_callback_param', 'Missing parameter(s): note', { params: ['note'] })
    const now = new Date().toISOString().slice(0, 19)
    const note: WooNote = { id: nextId++, author: body.added_by_user ? 'admin' : 'system', date_created: now, date_created_gmt: now, note: body.note, customer_note: !!body.customer_note }
    const id = Number(c.req.param('id'))
    notes.set(id, [...(notes.get(id) ?? []), note])
    return c.json(note, 201)
  })

  const server = await serveOnLoopback(app as unknown as Hono)
  return {
    siteUrl: server.origin,
    consumerKey: keys.key,
    consumerSecret: keys.secret,
    addOrder: (order) => void orders.set(order.id, order),
    order: (id) => orders.get(id),
    deleteOrder(id) {
      orders.delete(id)
      notes.delete(id)
    },
    notes: (id) => notes.get(id) ?? [],
    revokeKeys() {
      revoked = true
    },
    stripAuthorizationHeader(on) {
      stripAuthorization = on
    },
    failNext(...next) {
      faults.push(...next.map((fault) => ({ fault })))
    },
    failMatching(match, ...next) {
      faults.push(...next.map((fault) => ({ fault, ...match })))
    },
    requests,
    close: server.close,
  }
}
