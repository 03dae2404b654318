import { createHmac } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { orders } from '../src/db/schema.js'
import { SAMPLE_CUSTOMERS, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverWooWebhook, pingWooWebhook, type WooDeliveryOptions } from '../src/sandbox/storeWebhooks.js'
import { registerWoo, startTestService, type TestService, WOO_SITE } from './support/service.js'

let svc: TestService
let store: { id: string; secret: string }
let url: string
let nextId = 700

beforeAll(async () => {
  svc = await startTestService()
  store = await registerWoo(svc)
  url = `${svc.url}/webhooks/woocommerce/${store.id}`
})
afterAll(() => svc.close())

const deliver = (o: Partial<WooDeliveryOptions>) => deliverWooWebhook({ url, secret: store.secret, source: WOO_SITE, payload: undefined, ...o })
const rowsFor = (platformOrderId: number) =>
  svc.deps.db
    .select()
    .from(orders)
    .where(eq(orders.platformOrderId, String(platformOrderId)))
    .all()

describe('WooCommerce order.created', () => {
  it('answers the unsigned creation ping with exactly 200, so the merchant can save the webhook', async () => {
    const res = await pingWooWebhook(url, 42)
    expect(res).toMatchObject({ status: 200, body: { status: 'ping' } })
  })

  it('queues a cash-on-delivery order with its billing phone in E.164', async () => {
    const id = nextId++
    const res = await deliver({ payload: wooOrderPayload({ id }) })
    expect(res).toMatchObject({ status: 200, body: { status: 'queued' } })
    const view = await svc.api('GET', `/api/orders/${(res.body as { orderId: number }).orderId}`)
    expect(view.body).toMatchObject({
      platformOrderId: String(id),
      name: String(id),
      phone: '+355692345678',
      customerName: 'Elira Hoxha',
      city: 'Tiranë',
      total: '8100.00',
      currency: 'ALL',
      language: 'sq',
      paymentMethod: 'cod, Pagesë në dorëzim',
    })
  })

  it("uses the shipping phone when the store collects one, in Kosovo's local format", async () => {
    const id = nextId++
    await deliver({ payload: wooOrderPayload({ id, customer: SAMPLE_CUSTOMERS[0], phoneOn: 'shipping' }) })
    expect(rowsFor(id)[0]).toMatchObject({ phone: '+38344123456', phoneCountry: 'XK' })
  })

  it('makes one order of a delivery that WooCommerce repeats', async () => {
    const id = nextId++
    const payload = wooOrderPayload({ id })
    const results = await Promise.all(Array.from({ length: 20 }, () => deliver({ payload })))
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(results.filter((r) => (r.body as { status: string }).status === 'queued')).toHaveLength(1)
    expect(rowsFor(id)).toHaveLength(1)
  })

  it('ignores block-checkout drafts, so the real order that follows is still called', async () => {
    const id = nextId++
    const draft = await deliver({ payload: wooOrderPayload({ id, status: 'checkout-draft' }) })
    expect(draft.body).toMatchObject({ status: 'ignored', reason: 'checkout_draft' })
    expect(rowsFor(id)).toHaveLength(0)
    const placed = await deliver({ payload: wooOrderPayload({ id, status: 'processing' }) })
    expect(placed.body).toMatchObject({ status: 'queued' })
  })

  it('records a bank-transfer order as skipped', async () => {
    const id = nextId++
    const res = await deliver({ payload: wooOrderPayload({ id, paymentMethod: 'bacs', paymentMethodTitle: 'Transfertë bankare' }) })
    expect(res.body).toMatchObject({ status: 'skipped', skipReason: 'not_cash_on_delivery' })
  })

  it('acknowledges and ignores other topics', async () => {
    const res = await deliver({ topic: 'order.updated', payload: wooOrderPayload({ id: nextId++ }) })
    expect(res.body).toMatchObject({ status: 'ignored', reason: 'unhandled_topic' })
  })
})

describe('WooCommerce webhook security and bad input', () => {
  it('rejects a bad signature with 401 and stores nothing', async () => {
    const id = nextId++
    const res = await deliver({ payload: wooOrderPayload({ id }), secret: 'someone-elses-secret-000' })
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } })
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(wooOrderPayload({ id })),
    })
    expect(unsigned.status).toBe(401)
    expect(rowsFor(id)).toHaveLength(0)
  })

  it('answers 404 for a store it does not know', async () => {
    const res = await deliverWooWebhook({
      url: `${svc.url}/webhooks/woocommerce/st_nope`,
      secret: store.secret,
      source: WOO_SITE,
      payload: wooOrderPayload(),
    })
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'store_not_found' } } })
  })

  it('answers a signed body without line items with 400 naming the field', async () => {
    const { line_items: _, ...payload } = wooOrderPayload({ id: nextId++ })
    const res = await deliver({ payload })
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', field: 'line_items' } } })
  })

  it('refuses an oversized body sent without a length, while reading it', async () => {
    const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(1024 * 1024)}`)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } })
  })

  it('works the same through the standard Request path, as on Workers', async () => {
    const id = nextId++
    const body = JSON.stringify(wooOrderPayload({ id }))
    const res = await createApp(svc.deps).request(`/webhooks/woocommerce/${store.id}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': createHmac('sha256', store.secret).update(body).digest('base64'),
      },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'queued' })
    expect(rowsFor(id)).toHaveLength(1)
  })

  it('answers signed malformed JSON with 400', async () => {
    const res = await deliver({ rawBody: '{"id": 5, ' })
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } })
  })
})
