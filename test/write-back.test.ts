import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orders, storeWrites } from '../src/db/schema.js'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import type { CustomerScript } from '../src/sandbox/twilio/mediaStream.js'
import type { PhoneBehaviour, TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  customer,
  nextOrderId,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  startFastRealtime,
  startTestTwilio,
} from './support/calling.js'
import { until, zoneWhereItIs } from './support/wait.js'

const OPENAI_KEY = 'sk-test-write-back'
const WEBHOOK_SECRET = 'shpss_write_back_secret'
const BUYER_NOTE = 'Ju lutem telefononi para se të vini. Kati i dytë.'

let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let shop: ShopifyAdminSimulator
let woo: WooCommerceSimulator

beforeAll(async () => {
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  shop = await startShopifyAdminSimulator()
  woo = await startWooCommerceSimulator()
})
afterAll(async () => {
  await Promise.all([twilio.close(), realtime.close(), shop.close(), woo.close()])
})

const service = (env: Record<string, string> = {}, schedule = true) =>
  startCallingService(
    twilio,
    { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url, ...env },
    { schedule },
  )

let shops = 0
/** A Shopify store of its own (so faults and rate limits aimed at it hit nothing else), registered with callconfirm. */
async function shopifyStore(
  svc: CallingService,
  settings: Record<string, unknown> = {},
  rateLimit?: { maximumAvailable: number; restoreRate: number },
) {
  const domain = `write-back-${++shops}-${randomBytes(3).toString('hex')}.myshopify.com`
  const accessToken = `shpat_${randomBytes(16).toString('hex')}`
  shop.addShop(domain, accessToken, rateLimit)
  const res = await svc.api('POST', '/api/stores', {
    platform: 'shopify',
    shopDomain: domain,
    accessToken,
    webhookSecret: WEBHOOK_SECRET,
    settings: { timezone: zoneWhereItIs(12), companyName: 'Dyqani Lule', retryDelaysMinutes: [], ...settings },
  })
  expect(res.status).toBe(201)
  return { domain, accessToken, id: res.body.store.id as string }
}

/** The hours of a store that is closed now: its orders wait in the queue, and only write-back talks to the shop. */
const closedNow = { timezone: zoneWhereItIs(3), callingHours: { start: '09:00', end: '20:00' } }

/** An order placed in the simulated shop (with the merchant's tags and the buyer's note) and its webhook delivered. */
async function placeShopifyOrder(
  svc: CallingService,
  domain: string,
  phone: PhoneBehaviour[] | { invalidPhone: true },
  inShop: (order: ShopOrder) => void = () => undefined,
) {
  const id = nextOrderId()
  const { phone: number, customer: c } = customer(id)
  const who = 'invalidPhone' in phone ? { ...c, phone: '12' } : c
  if (Array.isArray(phone)) twilio.script(number, ...phone)
  const payload = shopifyOrderPayload({ id: BigInt(id), customer: who }) as unknown as ShopOrder
  Object.assign(payload, { tags: 'vip, wholesale', note: BUYER_NOTE })
  const copy = { ...payload }
  inShop(copy) // what the merchant did in Shopify after the webhook left
  shop.addOrder(domain, copy)
  const res = await deliverShopifyWebhook({
    url: `${svc.url}/webhooks/shopify`,
    secret: WEBHOOK_SECRET,
    shop: domain,
    topic: 'orders/create',
    payload,
  })
  expect(res.status).toBe(200)
  return { orderId: (res.body as { orderId: number }).orderId, platformOrderId: String(id), phone: number }
}

/** Waits until every write the order has is delivered or failed for good, and returns the order. */
async function settledWrites(svc: CallingService, orderId: number, count: number) {
  await until(
    async () => {
      const writes = (await orderView(svc, orderId)).storeWrites as Array<{ status: string }>
      return writes.length === count && writes.every((w) => w.status === 'done' || w.status === 'failed')
    },
    `the order's ${count} store writes to settle`,
    20_000,
  )
  return orderView(svc, orderId)
}

const ourLines = (note: unknown) =>
  String(note ?? '')
    .split('\n')
    .filter((l) => l.startsWith('[callconfirm]'))
const says = (text: string, atMs: number): CustomerScript => ({ speech: [{ atMs, audio: speak(text, 40) }] })

describe('the outcome on a Shopify order', () => {
  let svc: CallingService
  beforeAll(async () => {
    svc = await service()
  })
  afterAll(() => svc.close())

  it('carries call-confirmed instead of call-pending, keeps its other tags, and keeps the buyer’s note with one line added', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human', ringMs: 100, script: says('Po, e konfirmoj', 3_000) }])
    const order = await settledWrites(svc, placed.orderId, 2)
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.storeWrites.map((w: { kind: string; status: string }) => [w.kind, w.status])).toEqual([
      ['pending', 'done'],
      ['outcome', 'done'],
    ])
    expect(shop.tags(store.domain, placed.platformOrderId)).toEqual(['vip', 'wholesale', 'call-confirmed'])
    const note = String(shop.order(store.domain, placed.platformOrderId)!.note)
    expect(note.startsWith(`${BUYER_NOTE}\n`)).toBe(true)
    const [line, ...more] = ourLines(note)
    expect(more).toEqual([])
    expect(line).toMatch(/^\[callconfirm\] \d{4}-\d\d-\d\d \d\d:\d\d Konfirmuar \(telefonata \d+ s\): Konfirmoi në telefon: “Po, e konfirmoj”\.$/)
    // Tags went through tagsAdd/tagsRemove only: orderUpdate never carried `tags`, which would overwrite other apps' tags.
    const ours = shop.requests.filter((r) => JSON.stringify(r.variables ?? {}).includes(placed.platformOrderId))
    expect(ours.some((r) => r.query.includes('orderUpdate') && JSON.stringify(r.variables).includes('"tags"'))).toBe(false)
  })

  it('holds fulfillment while the call is pending and releases it once the customer confirms by keypad', async () => {
    const store = await shopifyStore(svc, { actions: { holdUntilConfirmed: true } })
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human', ringMs: 1_500, script: { dtmf: [{ atMs: 2_000, digit: '1' }] } }])
    await until(() => shop.fulfillmentOrders(store.domain, placed.platformOrderId)[0]?.status === 'ON_HOLD', 'the hold while the phone rings')
    expect(shop.fulfillmentOrders(store.domain, placed.platformOrderId)[0]!.holds).toEqual([
      expect.objectContaining({ handle: 'callconfirm', reason: 'OTHER' }),
    ])
    await settledWrites(svc, placed.orderId, 2)
    expect(shop.fulfillmentOrders(store.domain, placed.platformOrderId)[0]).toMatchObject({ status: 'OPEN', holds: [] })
    expect(shop.tags(store.domain, placed.platformOrderId)).toContain('call-confirmed')
  })

  it('cancels the order without a refund when the customer declines and the store asked for it', async () => {
    const store = await shopifyStore(svc, { actions: { cancelOnDecline: true } })
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 3_000, digit: '2' }] } }])
    const order = await settledWrites(svc, placed.orderId, 2)
    expect(order.outcome).toBe('cancelled')
    const inShop = shop.order(store.domain, placed.platformOrderId)!
    expect(inShop).toMatchObject({ cancel_reason: 'customer', staff_note: expect.stringContaining('callconfirm') })
    expect(inShop.cancelled_at).toEqual(expect.any(String))
    const cancel = shop.requests.find((r) => r.query.includes('orderCancel') && JSON.stringify(r.variables).includes(placed.platformOrderId))!
    expect(cancel.query).toContain('originalPaymentMethodsRefund: false')
    expect(shop.tags(store.domain, placed.platformOrderId)).toContain('call-cancelled')
  })

  it('withdraws call-pending when the merchant cancelled the order before we called', async () => {
    const store = await shopifyStore(svc)
    // Cancelled in Shopify right after the webhook left: read again before dialling, it is not called.
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human' }], (o) => (o.cancelled_at = new Date().toISOString()))
    const order = await settledWrites(svc, placed.orderId, 2)
    expect(order).toMatchObject({ status: 'skipped', skipReason: 'cancelled_in_store', attempts: [] })
    expect(order.storeWrites.map((w: { kind: string }) => w.kind)).toEqual(['pending', 'withdrawn'])
    expect(shop.tags(store.domain, placed.platformOrderId)).toEqual(['vip', 'wholesale'])
    expect(ourLines(shop.order(store.domain, placed.platformOrderId)!.note)).toEqual([])
  })
})

describe('the outcome on a WooCommerce order', () => {
  let svc: CallingService
  beforeAll(async () => {
    svc = await service()
  })
  afterAll(() => svc.close())

  it('gets one private note, the outcome meta, and the status the store mapped (on-hold → processing)', async () => {
    const store = await registerWooStore(svc, woo, { retryDelaysMinutes: [], actions: { wooStatusOnConfirmed: 'processing' } })
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human', ringMs: 100, script: says('Po, e konfirmoj', 3_000) }], {
      status: 'on-hold',
    })
    await settledWrites(svc, placed.orderId, 2)
    const inStore = woo.order(placed.platformOrderId)!
    expect(inStore.status).toBe('processing')
    const meta = Object.fromEntries(inStore.meta_data.map((m) => [m.key, m.value]))
    expect(meta._callconfirm_outcome).toBe('confirmed')
    expect(meta._callconfirm_summary).toMatch(/Konfirmuar \(telefonata \d+ s\): Konfirmoi në telefon: “Po, e konfirmoj”\.$/)
    const notes = woo.notes(placed.platformOrderId)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({ customer_note: false, author: 'system' })
    expect(notes[0]!.note.startsWith('[callconfirm]')).toBe(true)
  })

  it('leaves the status alone without a mapping, and records no answer', async () => {
    const store = await registerWooStore(svc, woo, { retryDelaysMinutes: [] })
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'no-answer' }])
    const order = await settledWrites(svc, placed.orderId, 2)
    expect(order.outcome).toBe('no_answer')
    const inStore = woo.order(placed.platformOrderId)!
    expect(inStore.status).toBe('processing')
    expect(inStore.meta_data.find((m) => m.key === '_callconfirm_outcome')!.value).toBe('no_answer')
    expect(woo.notes(placed.platformOrderId).map((n) => n.note)).toEqual([expect.stringMatching(/Pa përgjigje: 1 thirrje: 1 pa përgjigje\.$/)])
  })

  it('reaches a host that strips the Authorization header with the keys in the query string, when the store says so', async () => {
    const store = await registerWooStore(svc, woo, { ...closedNow, wooApiAuth: 'query_string' })
    woo.stripAuthorizationHeader(true)
    try {
      const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human' }])
      const order = await settledWrites(svc, placed.orderId, 1)
      expect(order.storeWrites[0]).toMatchObject({ kind: 'pending', status: 'done' })
      expect(woo.order(placed.platformOrderId)!.meta_data.find((m) => m.key === '_callconfirm_outcome')!.value).toBe('pending')
    } finally {
      woo.stripAuthorizationHeader(false)
    }
  })
})

describe('when the store does not take the write at once', () => {
  let svc: CallingService
  beforeAll(async () => {
    svc = await service()
  })
  afterAll(() => svc.close())

  it('waits out THROTTLED answers by the throttle status, twice, then writes once', async () => {
    const store = await shopifyStore(svc, closedNow)
    shop.failNext(store.domain, 'throttle', 'throttle')
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human' }])
    const order = await settledWrites(svc, placed.orderId, 1)
    expect(order.storeWrites[0]).toMatchObject({ kind: 'pending', status: 'done', tries: 0 })
    const toShop = shop.requests.filter((r) => JSON.stringify(r.variables ?? {}).includes(placed.platformOrderId))
    expect(toShop.filter((r) => r.throttled)).toHaveLength(2)
    expect(shop.tags(store.domain, placed.platformOrderId)).toEqual(['vip', 'wholesale', 'call-pending'])
  })

  it('retries 500s with growing waits, then succeeds', async () => {
    const store = await shopifyStore(svc, closedNow)
    shop.failNext(store.domain, { status: 500 }, { status: 503 })
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human' }])
    await until(async () => (await orderView(svc, placed.orderId)).storeWrites[0]?.tries === 1, 'the first failure')
    const first = (await orderView(svc, placed.orderId)).storeWrites[0]
    expect(first).toMatchObject({ status: 'queued', lastError: 'Shopify answered 500.' })
    // The first wait is ten seconds; the second, longer. The service's clock is moved past each.
    svc.clock.offset += 11_000
    svc.storeWriter.wake()
    await until(async () => (await orderView(svc, placed.orderId)).storeWrites[0]?.tries === 2, 'the second failure')
    const second = (await orderView(svc, placed.orderId)).storeWrites[0]
    expect(Date.parse(second.nextAttemptAt) - svc.clock.now()).toBeGreaterThan(30_000)
    svc.clock.offset += 61_000
    svc.storeWriter.wake()
    const order = await settledWrites(svc, placed.orderId, 1)
    expect(order.storeWrites[0]).toMatchObject({ status: 'done', tries: 2 })
    expect(shop.tags(store.domain, placed.platformOrderId)).toEqual(['vip', 'wholesale', 'call-pending'])
  })

  it('marks a revoked token as a failure a person can see, and delivers once the merchant has fixed it', async () => {
    const store = await shopifyStore(svc, closedNow)
    shop.revoke(store.domain)
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human' }])
    const order = await settledWrites(svc, placed.orderId, 1)
    expect(order.storeWrites[0]).toMatchObject({ status: 'failed', lastError: expect.stringContaining('access token') })
    const failed = await svc.api('GET', `/api/orders?storeWrite=failed&storeId=${store.id}`)
    expect(failed.body.orders.map((o: { id: number }) => o.id)).toEqual([placed.orderId])

    shop.addShop(store.domain, store.accessToken) // the merchant reinstalled; the shop knows the token again
    const retry = await svc.api('POST', `/api/orders/${placed.orderId}/store-writes/retry`)
    expect(retry.body.retried).toBe(1)
    const fixed = await settledWrites(svc, placed.orderId, 1)
    expect(fixed.storeWrites[0]).toMatchObject({ status: 'done', lastError: null })
    expect(shop.tags(store.domain, placed.platformOrderId)).toContain('call-pending')
  })

  it('says so, without retrying, when the order was deleted from the store', async () => {
    // Workers off until the orders are gone, so the deletion comes first.
    const quiet = await service({}, false)
    try {
      const store = await shopifyStore(quiet)
      const placed = await placeShopifyOrder(quiet, store.domain, [{ kind: 'human' }])
      shop.deleteOrder(store.domain, placed.platformOrderId)
      const wooStore = await registerWooStore(quiet, woo)
      const inWoo = await placeWooOrder(quiet, { woo, twilio }, wooStore, [{ kind: 'human' }])
      woo.deleteOrder(inWoo.platformOrderId)
      await quiet.storeWriter.tick()
      const order = await settledWrites(quiet, placed.orderId, 1)
      expect(order.storeWrites[0]).toMatchObject({
        status: 'failed',
        tries: 1,
        lastError: `Order ${placed.platformOrderId} no longer exists in the shop.`,
      })
      const wooOrder = await settledWrites(quiet, inWoo.orderId, 1)
      expect(wooOrder.storeWrites[0]).toMatchObject({ status: 'failed', lastError: `Order ${inWoo.platformOrderId} no longer exists in the store.` })
      // Both show on /metrics as writes given up, by platform.
      const givenUp = async (platform: string) =>
        (await quiet.deps.metrics.registry.getSingleMetric('callconfirm_store_write_failures_total')!.get()).values.find(
          (v) => v.labels.platform === platform && v.labels.final === 'true',
        )?.value
      await until(async () => (await givenUp('shopify')) === 1 && (await givenUp('woocommerce')) === 1, 'both failures to be counted')
    } finally {
      await quiet.close()
    }
  })

  it('gives a missing scope as the reason, without retrying', async () => {
    const store = await shopifyStore(svc, closedNow)
    shop.denyScope(store.domain, 'write_orders')
    const placed = await placeShopifyOrder(svc, store.domain, [{ kind: 'human' }])
    const order = await settledWrites(svc, placed.orderId, 1)
    expect(order.storeWrites[0]).toMatchObject({ status: 'failed', tries: 1, lastError: expect.stringContaining('write_orders') })
  })
})

describe('a write whose answer was lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callconfirm-write-back-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is delivered again after a restart and still leaves exactly one note (Shopify)', async () => {
    const env = { DATABASE_PATH: join(dir, 'shopify.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }
    const first = await service(env)
    const store = await shopifyStore(first, closedNow)
    // The order has no usable phone: its outcome is decided at intake, and is the only write.
    shop.failMatching(store.domain, /^mutation/, 'drop')
    const placed = await placeShopifyOrder(first, store.domain, { invalidPhone: true })
    await until(async () => (await orderView(first, placed.orderId)).storeWrites[0]?.tries === 1, 'the write to lose its answer')
    // Shopify did apply it: the note and tag are there. We could not know.
    expect(ourLines(shop.order(store.domain, placed.platformOrderId)!.note)).toHaveLength(1)
    await first.close()

    const second = await service(env)
    try {
      second.clock.offset += 11_000
      second.storeWriter.wake()
      const order = await settledWrites(second, placed.orderId, 1)
      expect(order.storeWrites[0]).toMatchObject({ kind: 'outcome', status: 'done', tries: 1 })
      const note = String(shop.order(store.domain, placed.platformOrderId)!.note)
      expect(ourLines(note)).toEqual([expect.stringContaining('Numër telefoni i pavlefshëm')])
      expect(note.startsWith(BUYER_NOTE)).toBe(true)
      expect(shop.tags(store.domain, placed.platformOrderId)).toEqual(['vip', 'wholesale', 'call-invalid-phone'])
    } finally {
      await second.close()
    }
  })

  it('is delivered again by another worker once its lease lapses, and adds no second WooCommerce note', async () => {
    const env = { DATABASE_PATH: join(dir, 'woo.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }
    const svc = await service(env)
    try {
      const store = await registerWooStore(svc, woo, { retryDelaysMinutes: [] })
      // The note is added, and the answer lost.
      woo.failMatching({ method: 'POST', path: /\/notes$/ }, 'drop')
      const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'busy', ringMs: 100 }])
      await until(
        async () => (await orderView(svc, placed.orderId)).storeWrites.some((w: { tries: number }) => w.tries === 1),
        'the outcome write to lose its answer',
      )
      expect(woo.notes(placed.platformOrderId)).toHaveLength(1)
      svc.clock.offset += 11_000
      svc.storeWriter.wake()
      await settledWrites(svc, placed.orderId, 2)
      expect(woo.notes(placed.platformOrderId)).toHaveLength(1)
      expect(woo.order(placed.platformOrderId)!.meta_data.find((m) => m.key === '_callconfirm_outcome')!.value).toBe('no_answer')
    } finally {
      await svc.close()
    }
  })

  it('left "sending" by a worker that died is taken over when its lease lapses', async () => {
    const env = { DATABASE_PATH: join(dir, 'lease.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64'), WORKER_ID: 'survivor' }
    const svc = await service(env, false)
    try {
      const store = await shopifyStore(svc, closedNow)
      const placed = await placeShopifyOrder(svc, store.domain, { invalidPhone: true })
      const now = svc.clock.now()
      svc.deps.db
        .update(storeWrites)
        .set({ status: 'sending', leaseOwner: 'dead-worker', leaseExpiresAt: now + 60_000 })
        .run()
      await svc.storeWriter.tick()
      expect((await orderView(svc, placed.orderId)).storeWrites[0].status).toBe('sending')
      svc.clock.offset += 61_000
      await svc.storeWriter.tick()
      const order = await settledWrites(svc, placed.orderId, 1)
      expect(order.storeWrites[0].status).toBe('done')
      expect(ourLines(shop.order(store.domain, placed.platformOrderId)!.note)).toHaveLength(1)
    } finally {
      await svc.close()
    }
  })
})

describe('a thousand outcomes for one shop', () => {
  it('drain within the shop’s rate limit with no write lost or doubled', async () => {
    // A small bucket refilling fast, so the test is quick and the limit still bites.
    const svc = await service({}, false)
    try {
      const store = await shopifyStore(svc, {}, { maximumAvailable: 400, restoreRate: 4_000 })
      const now = svc.clock.now()
      const ids: string[] = []
      svc.deps.db.transaction(() => {
        for (let i = 0; i < 1000; i++) {
          const platformOrderId = String(9_000_000 + i)
          ids.push(platformOrderId)
          shop.addOrder(store.domain, {
            ...(shopifyOrderPayload({ id: BigInt(platformOrderId) }) as unknown as ShopOrder),
            tags: 'vip',
            note: BUYER_NOTE,
          })
          const order = svc.deps.db
            .insert(orders)
            .values({
              storeId: store.id,
              platformOrderId,
              name: `#${i}`,
              language: 'sq',
              items: [],
              total: '10.00',
              currency: 'ALL',
              paymentMethod: 'cod',
              status: 'done',
              outcome: i % 2 ? 'confirmed' : 'cancelled',
              evidence: `Answer ${i}.`,
              updatedAt: now,
            })
            .returning({ id: orders.id })
            .get()
          svc.deps.db
            .insert(storeWrites)
            .values({ orderId: order.id, storeId: store.id, kind: 'outcome', status: 'queued', nextAttemptAt: now, createdAt: now, updatedAt: now })
            .run()
        }
      })
      svc.storeWriter.start()
      await until(
        () =>
          svc.deps.db
            .select()
            .from(storeWrites)
            .all()
            .every((w) => w.status === 'done' || w.status === 'failed'),
        'the outbox to drain',
        60_000,
      )
      const writes = svc.deps.db.select().from(storeWrites).all()
      expect(writes.filter((w) => w.status !== 'done')).toEqual([])
      for (const [i, id] of ids.entries()) {
        expect(shop.tags(store.domain, id)).toEqual(['vip', i % 2 ? 'call-confirmed' : 'call-cancelled'])
        expect(ourLines(shop.order(store.domain, id)!.note)).toHaveLength(1)
      }
      // Requests are paced by the bucket Shopify reports, so almost none is refused for its cost.
      const gids = new Set(ids.map((id) => `gid://shopify/Order/${id}`))
      const toShop = shop.requests.filter((r) => gids.has(String((r.variables as { id?: string } | undefined)?.id)))
      expect(toShop.length).toBeGreaterThanOrEqual(2000)
      expect(toShop.filter((r) => r.throttled).length).toBeLessThan(20)
    } finally {
      await svc.close()
    }
  }, 90_000)
})
