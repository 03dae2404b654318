import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wooOrderPayload } from '../sampleOrders.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from './simulator.js'

// Shapes checked against WooCommerce's REST API v3 (https://woocommerce.github.io/woocommerce-rest-api-docs/), and in
// github.com/woocommerce/woocommerce against its controllers (plugins/woocommerce/includes/rest-api/Controllers/Version3/)
// and its key authentication, HTTP Basic or the query string (plugins/woocommerce/includes/class-wc-rest-authentication.php).
let sim: WooCommerceSimulator
let basic: string

async function rest(method: string, path: string, body?: unknown, auth: 'basic' | 'query' = 'basic') {
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
  return { status: res.status, body: (await res.json()) as any }
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
