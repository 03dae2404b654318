import type { IncomingMessage } from 'node:http'
import { type Context, Hono } from 'hono'
import { serveOnLoopback } from '../loopback.js'
import { type Delivery, deliverWooWebhook, pingWooWebhook } from '../storeWebhooks.js'

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

/** A webhook as `GET /wp-json/wc/v3/webhooks` shows it (the secret is write-only there). */
export interface WooWebhook {
  id: number
  name: string
  status: 'active' | 'paused' | 'disabled'
  topic: string
  resource: string
  event: string
  hooks: string[]
  delivery_url: string
  date_created: string
  date_created_gmt: string
  date_modified: string
  date_modified_gmt: string
}

export interface WooCommerceSimulator {
  /** The store's site URL (register the store with it). */
  siteUrl: string
  /** The keys the merchant made by hand (WooCommerce → Settings → Advanced → REST API). */
  consumerKey: string
  consumerSecret: string
  /** The next visit to the authorize page: the merchant approves (default) or denies. */
  nextAuthorization(answer: 'approve' | 'deny'): void
  /** Keys created through the authorize page, with what the app's callback answered. */
  authorizations: Array<{ appName: string; userId: string; consumerKey: string; callbackStatus: number; kept: boolean }>
  /** The store's webhooks, with their secrets and delivery failures in a row, as WooCommerce keeps them. */
  webhooks(): StoredWebhook[]
  /**
   * A customer checks out: the order is kept, and `order.created` goes to each active webhook,
   * signed, once (WooCommerce does not retry). A failed delivery counts against its webhook,
   * which WooCommerce switches off (`disabled`) at the seventh failure in a row.
   */
  placeOrder(order: WooOrder): Promise<Delivery[]>
  addOrder(order: WooOrder): void
  order(id: number): WooOrder | undefined
  /** Deletes an order for good (not to the bin), as a merchant can. */
  deleteOrder(id: number): void
  /** The order's notes, oldest first, as the merchant sees them in the order screen. */
  notes(id: number): WooNote[]
  /** Deletes every API key, as a merchant revoking access does. */
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

/** A webhook as WooCommerce keeps it: the REST fields, its secret, and the deliveries that failed in a row. */
export type StoredWebhook = WooWebhook & { secret: string; failure_count: number }

/**
 * `woocommerce_max_webhook_delivery_failures`' default. `WC_Webhook::failed_delivery()`
 * (class-wc-webhook.php) counts a failure while the count is at most this, and disables the webhook
 * at the next one: the seventh in a row. A delivery answered 200–302 sets the count back to 0.
 */
const MAX_DELIVERY_FAILURES = 5

/** Statuses WooCommerce core registers (a plugin can add more; this store has none). */
const STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft']

const wooError = (c: Context, status: 400 | 401 | 404, code: string, message: string, extra: Record<string, unknown> = {}) =>
  c.json({ code, message, data: { status, ...extra } }, status)

/** WordPress's answer to a query parameter its schema refuses (rest_validate_request_arg). */
const invalidParam = (c: Context, param: string, message: string, code = 'rest_invalid_param') =>
  wooError(c, 400, 'rest_invalid_param', `Invalid parameter(s): ${param}`, {
    params: { [param]: message },
    details: { [param]: { code, message, data: null } },
  })

/** `rest_parse_date`'s RFC 3339 pattern: an offset is optional. */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$/

/** The wall-clock time of `ms` in `timeZone`, as MySQL writes it (`2026-11-21 10:15:00`). */
const wallClock = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
    .format(ms)
    .replace(',', '')

/**
 * What WordPress compares a date parameter with (`WP_Date_Query::build_mysql_datetime`): a time
 * without an offset as it is written; one with an offset turned into the site's wall-clock time,
 * whichever column (local, or GMT with `dates_are_gmt`) it is then compared with.
 */
function mysqlDatetime(value: string, timeZone: string): string {
  const [, date, time, offset] = value.match(RFC3339)!
  if (!offset) return `${date} ${time}`
  return wallClock(Date.parse(`${date}T${time}${offset.length === 3 ? `${offset}:00` : offset}`), timeZone)
}

const LIST_PARAMS = { orderby: ['date', 'id', 'include', 'title', 'slug', 'modified'], order: ['asc', 'desc'] }

/**
 * A REST collection's page as WordPress serves one: `per_page` (10 by default, 1 to 100), `page`
 * (from 1), the totals in `X-WP-Total` and `X-WP-TotalPages`, and `_fields` keeping only the
 * fields named. Refused parameters answer 400 `rest_invalid_param`, as WordPress does.
 */
function listPage(c: Context, items: Array<Record<string, unknown>>) {
  const perPage = Number(c.req.query('per_page') ?? 10)
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
    return invalidParam(c, 'per_page', 'per_page must be between 1 (inclusive) and 100 (inclusive)', 'rest_out_of_bounds')
  const page = Number(c.req.query('page') ?? 1)
  if (!Number.isInteger(page) || page < 1) return invalidParam(c, 'page', 'page must be greater than or equal to 1', 'rest_out_of_bounds')
  const fields = c.req
    .query('_fields')
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean)
  c.header('X-WP-Total', String(items.length))
  c.header('X-WP-TotalPages', String(Math.ceil(items.length / perPage)))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  return c.json(fields ? slice.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k)))) : slice)
}

/**
 * A WooCommerce store's REST API v3 on loopback (`/wp-json/wc/v3/…`): orders (read, update
 * status and meta as `update_meta_data` does), order notes (list by type, add), authenticated
 * with HTTP Basic or with the keys in the query string, as WooCommerce accepts over https;
 * answering with WooCommerce's and WordPress's own error bodies. `port`: where to listen if it is
 * free, so the store keeps its address from one sandbox start to the next.
 */
export async function startWooCommerceSimulator(options: { port?: number; timezone?: string } = {}): Promise<WooCommerceSimulator> {
  // The site's time zone (Settings → General): the sample orders are Albanian.
  const timezone = options.timezone ?? 'Europe/Tirane'
  const orders = new Map<number, WooOrder>()
  const notes = new Map<number, WooNote[]>()
  const newKeys = () => ({ key: `ck_${crypto.randomUUID().replace(/-/g, '')}`, secret: `cs_${crypto.randomUUID().replace(/-/g, '')}` })
  const keys = newKeys()
  const validKeys = [keys]
  const webhooks: StoredWebhook[] = []
  const authorizations: WooCommerceSimulator['authorizations'] = []
  let nextAnswer: 'approve' | 'deny' = 'approve'
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
    const valid = validKeys.some(
      (k) =>
        basic === `Basic ${btoa(`${k.key}:${k.secret}`)}` || (c.req.query('consumer_key') === k.key && c.req.query('consumer_secret') === k.secret),
    )
    if (revoked || !valid) {
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
      return c.json(
        {
          code: 'internal_server_error',
          message: '<p>There has been a critical error on this website.</p>',
          data: { status: fault.status },
          additional_errors: [],
        },
        fault.status,
      )
    }
    await next()
    record.status = c.res.status
    if (fault === 'drop') c.env.incoming.socket.destroy()
  })

  const withOrder = (c: Context, code = 'woocommerce_rest_shop_order_invalid_id', message = 'Invalid ID.') => {
    const order = orders.get(Number(c.req.param('id')))
    return order ? { order } : { missing: wooError(c, 404, code, message) }
  }

  // The orders list (WC_REST_Orders_Controller::get_items): `after`/`before` on the creation date,
  // the site's local one, or the GMT one with `dates_are_gmt`; newest first unless `order=asc`.
  app.get('/wp-json/wc/v3/orders', (c) => {
    const q = c.req.query()
    for (const param of ['after', 'before'] as const)
      if (q[param] !== undefined && !RFC3339.test(q[param])) return invalidParam(c, param, 'Invalid date.', 'rest_invalid_date')
    for (const [param, allowed] of Object.entries(LIST_PARAMS))
      if (q[param] !== undefined && !allowed.includes(q[param]))
        return invalidParam(c, param, `${param} is not one of ${allowed.join(', ')}.`, 'rest_not_in_enum')
    const gmt = ['true', '1'].includes(q.dates_are_gmt ?? '')
    // The column compared: date_created_gmt, or the site's wall-clock time of it.
    const column = (o: WooOrder) => {
      const written = String(o.date_created_gmt ?? '').replace('T', ' ')
      return gmt || !written ? written : wallClock(Date.parse(`${written.replace(' ', 'T')}Z`), timezone)
    }
    const after = q.after === undefined ? undefined : mysqlDatetime(q.after, timezone)
    const before = q.before === undefined ? undefined : mysqlDatetime(q.before, timezone)
    const sign = q.order === 'asc' ? 1 : -1
    const key = (o: WooOrder) => (q.orderby === 'id' ? String(o.id).padStart(20, '0') : `${column(o)}|${String(o.id).padStart(20, '0')}`)
    const listed = [...orders.values()]
      .filter((o) => o.status !== 'trash' && (!after || column(o) > after) && (!before || column(o) < before))
      .sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    return listPage(c, listed)
  })

  app.get('/wp-json/wc/v3/orders/:id', (c) => {
    const { order, missing } = withOrder(c)
    return missing ?? c.json(order)
  })

  app.put('/wp-json/wc/v3/orders/:id', async (c) => {
    const { order, missing } = withOrder(c)
    if (missing) return missing
    const body = (await c.req.json().catch(() => ({}))) as { status?: string; meta_data?: Array<{ id?: number; key: string; value: unknown }> }
    if (body.status !== undefined && !STATUSES.includes(body.status.replace(/^wc-/, '')))
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): status', {
        params: { status: `status is not one of ${STATUSES.join(', ')}.` },
      })
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
    const note: WooNote = {
      id: nextId++,
      author: body.added_by_user ? 'admin' : 'system',
      date_created: now,
      date_created_gmt: now,
      note: body.note,
      customer_note: !!body.customer_note,
    }
    const id = Number(c.req.param('id'))
    notes.set(id, [...(notes.get(id) ?? []), note])
    return c.json(note, 201)
  })

  // WC_Auth: the "Connect" screen a merchant sees when an app asks for keys (class-wc-auth.php).
  app.get('/wc-auth/v1/authorize', async (c) => {
    const q = c.req.query()
    const authError = (message: string) => c.html(`<!DOCTYPE html><title>WordPress › Error</title><p>Error: ${message}.</p>`, 401)
    for (const param of ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'])
      if (!q[param]) return authError(`${param} parameter is missing`)
    if (!['read', 'write', 'read_write'].includes(q.scope!)) return authError(`Invalid scope ${q.scope}`)
    for (const param of ['return_url', 'callback_url']) if (!URL.canParse(q[param]!)) return authError(`${param} is not a valid URL`)
    // WooCommerce insists on https for the callback; plain http on loopback stands in for it here.
    if (!/^(https:|http:\/\/(127\.0\.0\.1|localhost)[:/])/.test(q.callback_url!)) return authError('callback_url must be https')
    const returnTo = (success: 0 | 1) =>
      `${q.return_url}${q.return_url!.includes('?') ? '&' : '?'}success=${success}&user_id=${encodeURIComponent(q.user_id!)}`
    const answer = nextAnswer
    nextAnswer = 'approve'
    if (answer === 'deny') return c.redirect(returnTo(0), 302)
    const created = newKeys()
    const record = { appName: q.app_name!, userId: q.user_id!, consumerKey: created.key, callbackStatus: 0, kept: false }
    authorizations.push(record)
    // The keys exist before the POST and are deleted again if the app does not take them.
    validKeys.push(created)
    const res = await fetch(q.callback_url!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=UTF-8', 'User-Agent': `WordPress/6.8.0; ${server.origin}` },
      body: JSON.stringify({
        key_id: nextId++,
        user_id: q.user_id,
        consumer_key: created.key,
        consumer_secret: created.secret,
        key_permissions: q.scope,
      }),
      signal: AbortSignal.timeout(60_000),
    }).catch(() => undefined)
    record.callbackStatus = res?.status ?? 0
    await res?.arrayBuffer()
    // Anything but exactly 200 and WooCommerce deletes the keys it just made.
    if (res?.status !== 200) {
      validKeys.splice(validKeys.indexOf(created), 1)
      return authError('An error occurred in the request and at the time were unable to send the consumer data')
    }
    record.kept = true
    return c.redirect(returnTo(1), 302)
  })

  const webhookView = ({ secret: _, failure_count: __, ...w }: StoredWebhook): WooWebhook => w
  const TOPICS = ['order.created', 'order.updated', 'order.deleted', 'order.restored']

  app.get('/wp-json/wc/v3/webhooks', (c) => listPage(c, [...webhooks].reverse().map(webhookView) as unknown as Array<Record<string, unknown>>))

  app.post('/wp-json/wc/v3/webhooks', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      name?: string
      topic?: string
      delivery_url?: string
      secret?: string
      status?: WooWebhook['status']
    }
    if (!body.topic || !TOPICS.includes(body.topic))
      return wooError(c, 400, 'woocommerce_rest_webhook_invalid_topic', 'Webhook topic is required and must be valid.')
    if (!body.delivery_url || !URL.canParse(body.delivery_url))
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): delivery_url', { params: { delivery_url: 'Invalid URL.' } })
    const now = new Date().toISOString().slice(0, 19)
    const [resource, event] = body.topic.split('.') as [string, string]
    const hook = {
      id: nextId++,
      name: body.name ?? `Webhook created on ${now}`,
      status: body.status ?? 'active',
      topic: body.topic,
      resource,
      event,
      hooks: [`woocommerce_new_${resource}`],
      delivery_url: body.delivery_url,
      // Without a secret WooCommerce makes one (wp_generate_password(50, true, true)).
      secret: body.secret ?? crypto.randomUUID(),
      failure_count: 0,
      date_created: now,
      date_created_gmt: now,
      date_modified: now,
      date_modified_gmt: now,
    }
    webhooks.push(hook)
    // Saving an active webhook pings its URL.
    if (hook.status === 'active') void pingWooWebhook(hook.delivery_url, hook.id).catch(() => undefined)
    return c.json(webhookView(hook), 201)
  })

  app.put('/wp-json/wc/v3/webhooks/:id', async (c) => {
    const hook = webhooks.find((w) => w.id === Number(c.req.param('id')))
    if (!hook) return wooError(c, 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.')
    const body = (await c.req.json().catch(() => ({}))) as Partial<
      Pick<WooWebhook & { secret: string }, 'name' | 'status' | 'secret' | 'delivery_url'>
    >
    Object.assign(hook, Object.fromEntries(Object.entries(body).filter(([k]) => ['name', 'status', 'secret', 'delivery_url'].includes(k))))
    hook.date_modified = hook.date_modified_gmt = new Date().toISOString().slice(0, 19)
    return c.json(webhookView(hook))
  })

  const server = await serveOnLoopback(app as unknown as Hono, options.port)
  return {
    siteUrl: server.origin,
    consumerKey: keys.key,
    consumerSecret: keys.secret,
    nextAuthorization(answer) {
      nextAnswer = answer
    },
    authorizations,
    webhooks: () => webhooks,
    async placeOrder(order) {
      orders.set(order.id, order)
      const targets = webhooks.filter((w) => w.status === 'active' && w.topic === 'order.created')
      return Promise.all(
        targets.map(async (w) => {
          const delivery = await deliverWooWebhook({ url: w.delivery_url, secret: w.secret, source: server.origin, payload: order, webhookId: w.id })
          // WC_Webhook::log_delivery(): 200 to 302 is a success.
          if (delivery.status >= 200 && delivery.status < 303) w.failure_count = 0
          else if (w.failure_count > MAX_DELIVERY_FAILURES) w.status = 'disabled'
          else w.failure_count++
          return delivery
        }),
      )
    },
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
