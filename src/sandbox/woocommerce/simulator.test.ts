import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wooOrderPayload } from '../sampleOrders.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from './simulator.js'

// Shapes checked against WooCommerce's REST API v3 (https://woocommerce.github.io/woocommerce-rest-api-docs/), and in
// github.com/woocommerce/woocommerce against its controllers (plugins/woocommerce/includes/rest-api/Controllers/Version3/)
// and its key authentication, HTTP Basic or the query string (plugins/woocommerce/includes/class-wc-rest-authentication.php).
let sim: WooCommerceSimulator
let basic: string

async function rest(method: string, path: string, body?: unknown, auth: 'basic' | 'query' = 'basic') {
  const { status, body: answer } = await restWithHeaders(method, path, body, auth)
  return { status, body: answer }
}

async function restWithHeaders(method: string, path: string, body?: unknown, auth: 'basic' | 'query' = 'basic') {
  const url = new URL(`${sim.siteUrl}/wp-json/wc/v3${path}`)
  if (auth === 'query') {
    url.searchParams.set('consumer_key', sim.consumerKey)
    url.searchParams.set('consumer_secret', sim.consumerSecret)
  }
  const res = await fetch(url, {
    method,
    headers: { ...(auth === 'basic' ? { authorization: basic } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, body: (await res.json()) as any, headers: res.headers }
}

beforeAll(async () => {
  sim = await startWooCommerceSimulator()
  basic = `Basic ${btoa(`${sim.consumerKey}:${sim.consumerSecret}`)}`
  sim.addOrder(wooOrderPayload({ id: 727 }) as unknown as WooOrder)
})
afterAll(() => sim.close())

describe('the simulated WooCommerce REST API', () => {
  it('takes the keys as HTTP Basic or in the query string, and only the query string where the host strips the header', async () => {
    expect((await rest('GET', '/orders/727')).status).toBe(200)
    expect((await rest('GET', '/orders/727', undefined, 'query')).status).toBe(200)
    sim.stripAuthorizationHeader(true)
    expect(await rest('GET', '/orders/727')).toEqual({
      status: 401,
      body: { code: 'woocommerce_rest_authentication_error', message: 'Consumer key is invalid.', data: { status: 401 } },
    })
    expect((await rest('GET', '/orders/727', undefined, 'query')).status).toBe(200)
    sim.stripAuthorizationHeader(false)
  })

  it('updates meta as update_meta_data does: a key already there changes, a new one is added', async () => {
    await rest('PUT', '/orders/727', { meta_data: [{ key: '_callconfirm_outcome', value: 'pending' }] })
    const res = await rest('PUT', '/orders/727', { status: 'processing', meta_data: [{ key: '_callconfirm_outcome', value: 'confirmed' }] })
    expect(res.body.meta_data.filter((m: { key: string }) => m.key === '_callconfirm_outcome')).toEqual([
      { id: expect.any(Number), key: '_callconfirm_outcome', value: 'confirmed' },
    ])
  })

  it('refuses a status WooCommerce does not have, with its error body', async () => {
    const res = await rest('PUT', '/orders/727', { status: 'confirmed' })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 'rest_invalid_param', message: 'Invalid parameter(s): status', data: { status: 400 } })
    expect(sim.order(727)!.status).toBe('processing')
  })

  it('keeps private and customer notes apart, newest first, and knows a missing order', async () => {
    expect((await rest('POST', '/orders/727/notes', { note: 'first', customer_note: false })).status).toBe(201)
    await rest('POST', '/orders/727/notes', { note: 'to the customer', customer_note: true })
    await rest('POST', '/orders/727/notes', { note: 'second', customer_note: false })
    expect((await rest('GET', '/orders/727/notes?type=internal')).body.map((n: { note: string }) => n.note)).toEqual(['second', 'first'])
    expect((await rest('GET', '/orders/727/notes?type=customer')).body.map((n: { note: string }) => n.note)).toEqual(['to the customer'])
    expect((await rest('GET', '/orders/1/notes')).body).toEqual({
      code: 'woocommerce_rest_order_invalid_id',
      message: 'Invalid order ID.',
      data: { status: 404 },
    })
  })
})

describe('the simulated orders list and webhooks', () => {
  const placedAt = (id: number, gmt: string) => ({ ...(wooOrderPayload({ id }) as unknown as WooOrder), date_created_gmt: gmt })

  it('lists orders created after a time, oldest first, by pages, with WordPress’s totals and only the fields asked for', async () => {
    const list = await startWooCommerceSimulator()
    try {
      for (const [id, gmt] of [
        [11, '2026-11-21T08:00:00'],
        [12, '2026-11-21T09:30:00'],
        [13, '2026-11-21T10:00:00'],
        [14, '2026-11-21T11:00:00'],
      ] as const)
        list.addOrder(placedAt(id, gmt))
      const auth = { authorization: `Basic ${btoa(`${list.consumerKey}:${list.consumerSecret}`)}` }
      const get = async (query: string) => {
        const res = await fetch(`${list.siteUrl}/wp-json/wc/v3/orders?${query}`, { headers: auth })
        return {
          status: res.status,
          body: (await res.json()) as any,
          pages: res.headers.get('x-wp-totalpages'),
          total: res.headers.get('x-wp-total'),
        }
      }
      // GMT without an offset, against date_created_gmt: after 09:00 GMT.
      const first = await get('after=2026-11-21T09:00:00&dates_are_gmt=true&orderby=date&order=asc&per_page=2&page=1&_fields=id,status')
      expect(first).toMatchObject({
        status: 200,
        total: '3',
        pages: '2',
        body: [
          { id: 12, status: 'processing' },
          { id: 13, status: 'processing' },
        ],
      })
      expect(Object.keys(first.body[0])).toEqual(['id', 'status'])
      expect((await get('after=2026-11-21T09:00:00&dates_are_gmt=true&order=asc&per_page=2&page=2')).body.map((o: { id: number }) => o.id)).toEqual([
        14,
      ])
      // Without dates_are_gmt the time is the site's own (Tirana, GMT+1 in November): 08:00 GMT is 09:00 there.
      expect((await get('after=2026-11-21T08:30:00&order=asc')).body.map((o: { id: number }) => o.id)).toEqual([11, 12, 13, 14])
      expect((await get('after=2026-11-21T10:00:00&order=asc')).body.map((o: { id: number }) => o.id)).toEqual([12, 13, 14])
      // An offset is turned into the site's time first, so with dates_are_gmt it is an hour off.
      expect((await get('after=2026-11-21T09:00:00Z&dates_are_gmt=true&order=asc')).body.map((o: { id: number }) => o.id)).toEqual([14])
      expect(await get('per_page=101')).toMatchObject({
        status: 400,
        body: {
          code: 'rest_invalid_param',
          message: 'Invalid parameter(s): per_page',
          data: { status: 400, params: { per_page: expect.any(String) } },
        },
      })
      expect((await get('after=yesterday')).status).toBe(400)
    } finally {
      await list.close()
    }
  })

  it('counts failed deliveries and switches the webhook off at the seventh in a row, as class-wc-webhook.php does', async () => {
    const store = await startWooCommerceSimulator()
    try {
      const auth = { authorization: `Basic ${btoa(`${store.consumerKey}:${store.consumerSecret}`)}`, 'content-type': 'application/json' }
      // Nothing listens on port 9 of this machine.
      const hook = { topic: 'order.created', delivery_url: 'http://127.0.0.1:9/webhooks', secret: 'abcdefghijklmnop', status: 'active' }
      await fetch(`${store.siteUrl}/wp-json/wc/v3/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify(hook) })
      for (let i = 1; i <= 6; i++) {
        const [delivery] = await store.placeOrder(placedAt(100 + i, '2026-11-21T09:00:00'))
        expect(delivery!.status).toBe(0)
      }
      expect(store.webhooks()[0]).toMatchObject({ status: 'active', failure_count: 6 })
      await store.placeOrder(placedAt(107, '2026-11-21T09:00:00'))
      expect(store.webhooks()[0]).toMatchObject({ status: 'disabled', failure_count: 6 })
      // Switched off, it delivers nothing; the order is still there to list.
      expect(await store.placeOrder(placedAt(108, '2026-11-21T09:00:00'))).toEqual([])
      const listed = await fetch(`${store.siteUrl}/wp-json/wc/v3/orders?per_page=100`, { headers: auth })
      expect(((await listed.json()) as Array<{ id: number }>).map((o) => o.id)).toContain(108)
      const [view] = (await (await fetch(`${store.siteUrl}/wp-json/wc/v3/webhooks`, { headers: auth })).json()) as Array<Record<string, unknown>>
      expect(view).toMatchObject({ status: 'disabled', delivery_url: hook.delivery_url, topic: 'order.created' })
      expect(view).not.toHaveProperty('secret')
      expect(view).not.toHaveProperty('failure_count')
    } finally {
      await store.close()
    }
  })
})
