import { createHmac } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orders, transcriptLines } from '../src/db/schema.js'
import { SAMPLE_CUSTOMERS, shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverShopifyWebhook, payloadJson, type ShopifyDeliveryOptions } from '../src/sandbox/storeWebhooks.js'
import { registerShopify, SHOPIFY_SECRET, SHOPIFY_SHOP, SHOPIFY_TOKEN, startTestService, type TestService } from './support/service.js'

let svc: TestService
let storeId: string
let nextId = 820982911946154508n

beforeAll(async () => {
  svc = await startTestService()
  storeId = await registerShopify(svc)
})
afterAll(() => svc.close())

const deliver = (o: Partial<ShopifyDeliveryOptions>) =>
  deliverShopifyWebhook({
    url: `${svc.url}/webhooks/shopify`,
    secret: SHOPIFY_SECRET,
    shop: SHOPIFY_SHOP,
    topic: 'orders/create',
    payload: undefined,
    ...o,
  })

const newOrder = (o: Parameters<typeof shopifyOrderPayload>[0] = {}) => shopifyOrderPayload({ id: nextId++, ...o })
const orderByPlatformId = (id: bigint) =>
  svc.deps.db
    .select()
    .from(orders)
    .where(eq(orders.platformOrderId, String(id)))
    .all()

describe('Shopify orders/create', () => {
  it('queues one call for a cash-on-delivery order, with the phone in E.164 and the exact order id', async () => {
    const payload = newOrder()
    const res = await deliver({ payload })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'queued', duplicate: false })

    const view = await svc.api('GET', `/api/orders/${(res.body as { orderId: number }).orderId}`)
    expect(view.body).toMatchObject({
      storeId,
      // 820982911946154508 exceeds 2^53: JSON.parse would have made it …500
      platformOrderId: String(payload.id),
      name: '#1071',
      status: 'queued',
      outcome: null,
      customerName: 'Arben Krasniqi',
      phone: '+38344123456',
      city: 'Prishtinë',
      language: 'sq',
      total: '8100.00',
      currency: 'ALL',
      paymentMethod: 'Cash on Delivery (COD)',
      items: [
        { title: 'Atlete vrapimi - 42 / E zezë', quantity: 1 },
        { title: 'Çantë shpine', quantity: 2 },
      ],
      attempts: [],
      transcript: [],
    })
    expect(view.body.nextCallAt).not.toBeNull()
  })

  it('treats a replayed delivery (same X-Shopify-Webhook-Id) as a no-op', async () => {
    const payload = newOrder()
    const first = await deliver({ payload, webhookId: 'replayed-delivery-1' })
    const again = await deliver({ payload, webhookId: 'replayed-delivery-1' })
    expect([first.status, again.status]).toEqual([200, 200])
    expect(again.body).toMatchObject({ status: 'duplicate' })
    expect(orderByPlatformId(payload.id)).toHaveLength(1)
  })

  it('creates one order and one call when the same order arrives under different delivery ids', async () => {
    const payload = newOrder()
    const results = [await deliver({ payload }), await deliver({ payload })]
    expect(results.map((r) => (r.body as { status: string }).status)).toEqual(['queued', 'duplicate'])
    expect(orderByPlatformId(payload.id)).toHaveLength(1)
  })

  it('creates one call when the same order is delivered 20 times at once', async () => {
    const payload = newOrder()
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver({ payload, webhookId: i % 2 ? 'same-delivery' : undefined })))
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(results.filter((r) => (r.body as { status: string }).status === 'queued')).toHaveLength(1)
    const rows = orderByPlatformId(payload.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.status).toBe('queued')
  })

  it("records an order paid by card as skipped, without the customer's phone or name", async () => {
    const payload = newOrder({ gateway: 'shopify_payments' })
    const res = await deliver({ payload })
    expect(res.body).toMatchObject({ status: 'skipped', skipReason: 'not_cash_on_delivery' })
    const [row] = orderByPlatformId(payload.id)
    expect(row).toMatchObject({ status: 'skipped', phone: null, customerName: null })
  })

  it('closes an order with an undiallable phone as invalid_phone at once', async () => {
    const payload = newOrder({ customer: { ...SAMPLE_CUSTOMERS[1]!, phone: '123' } })
    const res = await deliver({ payload })
    expect(res.body).toMatchObject({ status: 'done', outcome: 'invalid_phone' })
    const list = await svc.api('GET', `/api/orders?storeId=${storeId}&outcome=invalid_phone`)
    expect(list.body.orders.map((o: { platformOrderId: string }) => o.platformOrderId)).toContain(String(payload.id))
  })

  it('reads Albanian and Kosovar numbers written the local way', async () => {
    const cases: Array<[string, string, string]> = [
      ['069 234 5678', 'AL', '+355692345678'],
      ['0682345678', 'AL', '+355682345678'],
      ['049-765-432', 'XK', '+38349765432'],
      ['00383 44 123 456', 'XK', '+38344123456'],
    ]
    for (const [phone, country, e164] of cases) {
      const payload = newOrder({ customer: { ...SAMPLE_CUSTOMERS[0]!, phone, country } })
      const res = await deliver({ payload })
      const view = await svc.api('GET', `/api/orders/${(res.body as { orderId: number }).orderId}`)
      expect(view.body.phone, phone).toBe(e164)
    }
  })

  it('calls in the language the customer shopped in', async () => {
    const res = await deliver({ payload: newOrder({ customerLocale: 'en' }) })
    const view = await svc.api('GET', `/api/orders/${(res.body as { orderId: number }).orderId}`)
    expect(view.body.language).toBe('en')
  })
})

describe('Shopify webhook security and bad input', () => {
  it('rejects a forged or missing HMAC with 401 and stores nothing', async () => {
    const payload = newOrder()
    const forged = await deliver({ payload, hmac: 'bm90IHRoZSByaWdodCBzaWduYXR1cmUgYXQgYWxsIQ==' })
    const wrongSecret = await deliver({ payload, secret: 'shpss_someone_elses_secret' })
    const unsigned = await deliver({ payload, secret: undefined })
    expect([forged.status, wrongSecret.status, unsigned.status]).toEqual([401, 401, 401])
    expect(forged.body).toMatchObject({ error: { code: 'invalid_hmac' } })
    expect(orderByPlatformId(payload.id)).toHaveLength(0)
  })

  it('rejects a body changed after signing', async () => {
    const original = payloadJson(newOrder())
    const hmac = createHmac('sha256', SHOPIFY_SECRET).update(original).digest('base64')
    const tampered = original.replace('"total_price":"8100.00"', '"total_price":"1.00"')
    expect(tampered).not.toBe(original)
    expect((await deliver({ rawBody: original, hmac })).status).toBe(200)
    expect((await deliver({ rawBody: tampered, hmac })).status).toBe(401)
  })

  it('answers a signed but malformed body with 400, and the corrected delivery still lands', async () => {
    const payload = newOrder()
    const broken = await deliver({ rawBody: '{"id": 1, "line_items": [' })
    expect(broken.status).toBe(400)
    expect(broken.body).toMatchObject({ error: { code: 'invalid_json' } })
    const missing = await deliver({ payload: { ...payload, line_items: undefined } })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ error: { code: 'invalid_payload', field: 'line_items' } })
    expect(orderByPlatformId(payload.id)).toHaveLength(0)
    expect((await deliver({ payload })).body).toMatchObject({ status: 'queued' })
  })

  it('refuses a body that is not JSON by content type', async () => {
    const res = await deliver({ payload: newOrder(), contentType: 'text/plain' })
    expect(res.status).toBe(415)
  })

  it('refuses an oversized body without reading it', async () => {
    const res = await fetch(`${svc.url}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-shop-domain': SHOPIFY_SHOP },
      body: `{"pad":"${'x'.repeat(6 * 1024 * 1024)}"}`,
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } })
  })

  it('acknowledges topics it does not handle', async () => {
    const res = await deliver({ topic: 'products/update', payload: { id: 1 } })
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored' } })
  })

  it('cannot be fooled by a shop it does not know, signed with a secret it does not have', async () => {
    const res = await deliver({ shop: 'stranger.myshopify.com', secret: 'anything-at-all', payload: newOrder() })
    expect(res.status).toBe(401)
  })

  it("never writes a customer's phone number or the store token to the logs", async () => {
    await deliver({ payload: newOrder() })
    const logs = svc.logs.join('\n')
    expect(logs).toContain('order accepted')
    expect(logs).not.toMatch(/44 ?123 ?456|38344123456/)
    expect(logs).not.toContain(SHOPIFY_TOKEN)
    expect(logs).not.toContain(SHOPIFY_SECRET)
  })
})

describe('Shopify app lifecycle and privacy topics', () => {
  let privacySvc: TestService
  let id: string
  const privDeliver = (topic: string, payload: unknown) =>
    deliverShopifyWebhook({ url: `${privacySvc.url}/webhooks/shopify`, secret: SHOPIFY_SECRET, shop: SHOPIFY_SHOP, topic, payload })

  beforeAll(async () => {
    privacySvc = await startTestService()
    id = await registerShopify(privacySvc)
  })
  afterAll(() => privacySvc.close())

  const rows = () => privacySvc.deps.db.select().from(orders).where(eq(orders.storeId, id)).all()

  it('answers a data request with everything held on that customer', async () => {
    await privDeliver('orders/create', shopifyOrderPayload({ id: 9001n, customerId: 7001n }))
    await privDeliver('orders/create', shopifyOrderPayload({ id: 9002n, customerId: 7002n, customer: SAMPLE_CUSTOMERS[1] }))
    const res = await privDeliver('customers/data_request', {
      shop_id: 954889,
      shop_domain: SHOPIFY_SHOP,
      orders_requested: [9001],
      customer: { id: 7001, email: 'arben@example.com', phone: '+38344123456' },
      data_request: { id: 9999 },
    })
    expect(res).toMatchObject({ status: 200, body: { status: 'honoured' } })
    const requests = await privacySvc.api('GET', `/api/stores/${id}/privacy-requests`)
    const report = requests.body.requests[0]
    expect(report.topic).toBe('customers/data_request')
    expect(report.report.orders).toHaveLength(1)
    expect(report.report.orders[0]).toMatchObject({ platformOrderId: '9001', phone: '+38344123456', customerName: 'Arben Krasniqi' })
  })

  it("erases one customer's phone, name and transcripts on customers/redact, and nobody else's", async () => {
    const target = rows().find((r) => r.platformOrderId === '9001')!
    privacySvc.deps.db.insert(transcriptLines).values({ orderId: target.id, speaker: 'customer', text: 'Po, e konfirmoj', at: Date.now() }).run()
    const res = await privDeliver('customers/redact', {
      shop_id: 954889,
      shop_domain: SHOPIFY_SHOP,
      customer: { id: 7001, email: 'arben@example.com', phone: '+38344123456' },
      orders_to_redact: [9001],
    })
    expect(res.body).toMatchObject({ status: 'honoured' })
    const after = rows()
    expect(after.find((r) => r.platformOrderId === '9001')).toMatchObject({ phone: null, customerName: null, city: null })
    expect(after.find((r) => r.platformOrderId === '9002')).toMatchObject({ phone: '+355692345678', customerName: 'Elira Hoxha' })
    expect(privacySvc.deps.db.select().from(transcriptLines).where(eq(transcriptLines.orderId, target.id)).all()).toHaveLength(0)
  })

  it('withdraws the call of a customer whose data was erased', () => {
    expect(rows().find((r) => r.platformOrderId === '9001')).toMatchObject({ status: 'skipped', skipReason: 'data_redacted' })
  })

  it('stops calling when the app is uninstalled: store disabled, queued calls withdrawn', async () => {
    expect(rows().find((r) => r.platformOrderId === '9002')!.status).toBe('queued')
    const res = await privDeliver('app/uninstalled', { id: 954889, name: 'Arbeni Shop', domain: SHOPIFY_SHOP })
    expect(res.body).toMatchObject({ status: 'uninstalled', withdrawnCalls: 1 })
    expect(rows().find((r) => r.platformOrderId === '9002')).toMatchObject({ status: 'skipped', skipReason: 'store_uninstalled' })
    const store = await privacySvc.api('GET', `/api/stores/${id}`)
    expect(store.body).toMatchObject({ enabled: false, disabledReason: 'app_uninstalled' })
    const late = await privDeliver('orders/create', shopifyOrderPayload({ id: 9003n }))
    expect(late.body).toMatchObject({ status: 'skipped', skipReason: 'store_disabled' })
  })

  it("erases all of the shop's customer data and its credentials on shop/redact", async () => {
    const res = await privDeliver('shop/redact', { shop_id: 954889, shop_domain: SHOPIFY_SHOP })
    expect(res.body).toMatchObject({ status: 'honoured' })
    expect(rows().every((r) => r.phone === null && r.customerName === null)).toBe(true)
    const store = await privacySvc.api('GET', `/api/stores/${id}`)
    expect(store.body).toMatchObject({ hasCredentials: false, enabled: false })
  })

  it('acknowledges, signed with the app secret, privacy requests for shops it holds nothing on', async () => {
    const appSvc = await startTestService({ SHOPIFY_API_SECRET: 'shpss_public_app_secret' })
    try {
      const res = await deliverShopifyWebhook({
        url: `${appSvc.url}/webhooks/shopify`,
        secret: 'shpss_public_app_secret',
        shop: 'never-installed.myshopify.com',
        topic: 'shop/redact',
        payload: { shop_id: 1, shop_domain: 'never-installed.myshopify.com' },
      })
      expect(res).toMatchObject({ status: 200, body: { status: 'honoured' } })
    } finally {
      await appSvc.close()
    }
  })
})
