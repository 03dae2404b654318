import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orders, transcriptLines } from '../src/db/schema.js'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import { startTwilioSimulator, type TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { addTranscriptLine, recordAnswer } from '../src/voice/callRecord.js'
import {
  type CallingService,
  customer,
  nextOrderId,
  orderView,
  registerShopifyStore,
  startCallingService,
  startFastRealtime,
  startTestTwilio,
  TWILIO,
} from './support/calling.js'
import { until } from './support/wait.js'

const OPENAI_KEY = 'sk-test-privacy'
const WEBHOOK_SECRET = 'shpss_privacy_secret'

let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let shop: ShopifyAdminSimulator

beforeAll(async () => {
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  shop = await startShopifyAdminSimulator()
})
afterAll(async () => {
  await Promise.all([twilio.close(), realtime.close(), shop.close()])
})

const service = (schedule: boolean, phones = twilio) =>
  startCallingService(phones, { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url }, { schedule })

/** A Shopify store of its own in the simulated Shopify, open for calls now. */
const shopifyStore = (svc: CallingService) => registerShopifyStore(svc, shop, { prefix: 'privacy', webhookSecret: WEBHOOK_SECRET })

const topic = (svc: CallingService, domain: string, name: string, payload: unknown) =>
  deliverShopifyWebhook({ url: `${svc.url}/webhooks/shopify`, secret: WEBHOOK_SECRET, shop: domain, topic: name, payload })

/**
 * A customer of their own orders in the shop; their phone answers and they say "Po" (yes) late in
 * the call, so a redaction can arrive while the agent is still talking.
 */
async function placeOrder(svc: CallingService, domain: string, phones = twilio, ringMs = 100) {
  const id = nextOrderId()
  const customerId = 9_000_000 + id
  const { phone, customer: c } = customer(id)
  phones.script(phone, { kind: 'human', ringMs, script: { speech: [{ atMs: 12_000, audio: speak('Po, e konfirmoj', 40) }] } })
  const payload = shopifyOrderPayload({ id: BigInt(id), customerId: BigInt(customerId), customer: c }) as unknown as ShopOrder
  shop.addOrder(domain, { ...payload })
  const res = await topic(svc, domain, 'orders/create', payload)
  expect(res.status).toBe(200)
  const redactPayload = { shop_domain: domain, customer: { id: customerId, phone: c.phone }, orders_to_redact: [id] }
  return {
    orderId: (res.body as { orderId: number }).orderId,
    platformOrderId: String(id),
    phone,
    customerId,
    name: `${c.firstName} ${c.lastName}`,
    redactPayload,
  }
}

const linesOf = (svc: CallingService, orderId: number) => svc.deps.db.select().from(transcriptLines).where(eq(transcriptLines.orderId, orderId)).all()
const privacyRequests = async (svc: CallingService, storeId: string) =>
  (await svc.api('GET', `/api/stores/${storeId}/privacy-requests`)).body.requests as Array<{ topic: string; report: Record<string, unknown> }>

/** Waits until the agent is talking to the customer (its greeting is on the transcript) and the store shows the call pending. */
async function callInProgress(svc: CallingService, placed: { orderId: number; phone: string }) {
  await until(() => linesOf(svc, placed.orderId).some((l) => l.speaker === 'agent'), 'the agent to be talking', 20_000)
  await until(async () => (await orderView(svc, placed.orderId)).storeWrites[0]?.status === 'done', 'call-pending to reach the store', 5_000)
  const call = twilio.calls.find((c) => c.to === placed.phone)!
  expect(call.status).toBe('in-progress')
  return call
}

/** Waits until the call has ended and the bridge has written down how (after which it writes nothing). */
async function callOver(svc: CallingService, placed: { orderId: number }, call: { endedAt: number | null }) {
  await until(() => call.endedAt !== null, 'the call to be hung up', 5_000)
  await until(async () => (await orderView(svc, placed.orderId)).attempts[0]?.endReason != null, 'the bridge to close', 5_000)
}

describe('a customer whose data is erased while their call is on', () => {
  let svc: CallingService
  beforeAll(async () => {
    svc = await service(true)
  })
  afterAll(() => svc.close())

  it('is hung up on, and nothing of the call is kept: no transcript, no answer, no outcome written to the store', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeOrder(svc, store.domain)
    const call = await callInProgress(svc, placed)
    const res = await topic(svc, store.domain, 'customers/redact', placed.redactPayload)
    expect(res.body).toMatchObject({ status: 'honoured' })
    await callOver(svc, placed, call)
    // Hung up well before the customer would have said yes.
    expect(call.endedAt! - call.answeredAt!).toBeLessThan(12_000)

    const order = await orderView(svc, placed.orderId)
    expect(order).toMatchObject({ status: 'skipped', skipReason: 'data_redacted', outcome: null, evidence: null, transcript: [] })
    expect(linesOf(svc, placed.orderId)).toEqual([])
    // The store keeps the call-pending tag it had; no outcome or note is written about the customer.
    expect(order.storeWrites.map((w: { kind: string }) => w.kind)).toEqual(['pending'])
    expect(shop.tags(store.domain, placed.platformOrderId)).toContain('call-pending')
    expect(String(shop.order(store.domain, placed.platformOrderId)!.note ?? '')).not.toContain('[callconfirm]')
    const [redaction] = await privacyRequests(svc, store.id)
    expect(redaction).toMatchObject({ topic: 'customers/redact', report: { orders: 1, callsEnded: 1 } })
  })

  it('is hung up on when the whole shop is erased (shop/redact)', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeOrder(svc, store.domain)
    const call = await callInProgress(svc, placed)
    const res = await topic(svc, store.domain, 'shop/redact', { shop_domain: store.domain })
    expect(res.body).toMatchObject({ status: 'honoured' })
    await callOver(svc, placed, call)
    expect(await orderView(svc, placed.orderId)).toMatchObject({ status: 'skipped', skipReason: 'data_redacted', outcome: null, transcript: [] })
  })

  it('keeps no line or answer that a call still under way tries to write after the redaction', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeOrder(svc, store.domain)
    const call = await callInProgress(svc, placed)
    const attemptId = (await orderView(svc, placed.orderId)).attempts[0].id
    await topic(svc, store.domain, 'customers/redact', placed.redactPayload)
    // What a bridge in another process, not yet told, would write next.
    expect(await addTranscriptLine(svc.deps.db, { orderId: placed.orderId, attemptId, speaker: 'customer', text: 'Po', at: Date.now() })).toBe(false)
    await recordAnswer(svc.deps.db, placed.orderId, 'confirmed', 'Confirmed on the call: “Po”.', Date.now())
    await callOver(svc, placed, call)
    expect(linesOf(svc, placed.orderId)).toEqual([])
    expect(svc.deps.db.select().from(orders).where(eq(orders.id, placed.orderId)).get()).toMatchObject({ outcome: null, evidence: null })
  })
})

describe('a customer whose data is erased while Twilio is still answering the dial', () => {
  let phones: TwilioSimulator
  let svc: CallingService
  beforeAll(async () => {
    // Twilio at its real pace, so the phone rings as long as a real one does.
    phones = await startTwilioSimulator({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, fromNumbers: [TWILIO.from] })
    svc = await service(true, phones)
  })
  afterAll(async () => {
    await svc.close()
    await phones.close()
  })

  it("is hung up while the phone still rings, as soon as Twilio's late answer names the call", async () => {
    const store = await shopifyStore(svc)
    // Twilio places the call but its answer, and the call's callbacks, take 1.5 s to reach us.
    phones.slowNextCreate(1_500)
    const placed = await placeOrder(svc, store.domain, phones, 20_000)
    await until(() => phones.calls.some((c) => c.to === placed.phone), 'Twilio to place the call', 5_000)
    expect((await orderView(svc, placed.orderId)).attempts[0]?.callSid ?? null).toBeNull()
    const res = await topic(svc, store.domain, 'customers/redact', placed.redactPayload)
    expect(res.body).toMatchObject({ status: 'honoured' })
    const call = phones.calls.find((c) => c.to === placed.phone)!
    await until(() => call.endedAt !== null, 'the call to be ended', 10_000)
    // Cancelled while it rang: the customer never picks up a call about data that was erased.
    expect(call).toMatchObject({ status: 'canceled', answeredAt: null })
    expect(await orderView(svc, placed.orderId)).toMatchObject({ status: 'skipped', skipReason: 'data_redacted', outcome: null, transcript: [] })
  })
})

describe('erasing a customer who is not being called', () => {
  let svc: CallingService
  beforeAll(async () => {
    // No scheduler and no store writer: the orders wait, and so do their writes to the store.
    svc = await service(false)
  })
  afterAll(() => svc.close())

  it('erases the data-request report that told them what was held, keeping the record that it was answered', async () => {
    const store = await shopifyStore(svc)
    const erased = await placeOrder(svc, store.domain)
    const kept = await placeOrder(svc, store.domain)
    for (const who of [erased, kept])
      await topic(svc, store.domain, 'customers/data_request', {
        shop_domain: store.domain,
        customer: { id: who.customerId },
        orders_requested: [Number(who.platformOrderId)],
      })
    expect(JSON.stringify(await privacyRequests(svc, store.id))).toContain(erased.name)

    await topic(svc, store.domain, 'customers/redact', erased.redactPayload)
    const [redaction, keptReport, erasedReport] = await privacyRequests(svc, store.id)
    expect(redaction).toMatchObject({ topic: 'customers/redact', report: { orders: 1, dataReports: 1, callsEnded: 0 } })
    expect(erasedReport).toMatchObject({ topic: 'customers/data_request' })
    expect(erasedReport!.report).toEqual({ ordersReported: 1, erasedAt: expect.any(String), erasedBecause: 'customers/redact' })
    expect(JSON.stringify(erasedReport)).not.toContain(erased.phone)
    // Another customer's answer is untouched.
    expect(keptReport!.report).toMatchObject({ orders: [{ platformOrderId: kept.platformOrderId, phone: kept.phone, customerName: kept.name }] })
  })

  it('erases every data-request report of a shop that is erased', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeOrder(svc, store.domain)
    await topic(svc, store.domain, 'customers/data_request', { shop_domain: store.domain, customer: { id: placed.customerId }, orders_requested: [] })
    await topic(svc, store.domain, 'shop/redact', { shop_domain: store.domain })
    const requests = await privacyRequests(svc, store.id)
    expect(JSON.stringify(requests)).not.toContain(placed.name)
    expect(requests.find((r) => r.topic === 'customers/data_request')!.report).toMatchObject({ erasedBecause: 'shop/redact' })
  })

  it('does not deliver to the store a write queued for the order before the redaction', async () => {
    const store = await shopifyStore(svc)
    const placed = await placeOrder(svc, store.domain)
    await topic(svc, store.domain, 'customers/redact', placed.redactPayload)
    const before = shop.requests.length
    await svc.storeWriter.tick()
    await until(async () => (await orderView(svc, placed.orderId)).storeWrites[0].status === 'failed', 'the write to be given up', 5_000)
    const [write] = (await orderView(svc, placed.orderId)).storeWrites
    expect(write).toMatchObject({ kind: 'pending', status: 'failed', lastError: "Not sent: the customer's data was erased at their request." })
    expect(shop.requests.length).toBe(before)
    expect(shop.tags(store.domain, placed.platformOrderId)).not.toContain('call-pending')
  })
})
