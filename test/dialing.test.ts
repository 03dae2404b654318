import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { recordAttempt } from '../src/calls/attempts.js'
import { checkQuietCalls } from '../src/calls/recovery.js'
import { createScheduler } from '../src/calls/scheduler.js'
import { placeCall } from '../src/calls/twilio.js'
import { callAttempts, orders } from '../src/db/schema.js'
import { SAMPLE_CUSTOMERS, shopifyOrderPayload, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { deliverShopifyWebhook, deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { type PhoneBehaviour, startTwilioSimulator, type TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { parseTwiml } from '../src/sandbox/twilio/twiml.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  customer,
  nextCustomerPhone,
  nextOrderId,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  TWILIO,
  type WooStore,
} from './support/calling.js'
import { freePort, until, zoneWhereItIs } from './support/wait.js'

const MINUTE = 60_000

let twilioSim: TwilioSimulator
let woo: WooCommerceSimulator
let shop: ShopifyAdminSimulator

beforeAll(async () => {
  // Twilio's geo permissions here allow the UK too: our own allow-list must be what stops it.
  twilioSim = await startTwilioSimulator({
    accountSid: TWILIO.accountSid,
    authToken: TWILIO.authToken,
    fromNumbers: [TWILIO.from],
    allowedCallingCodes: ['355', '383', '44'],
    timeScale: 0.005,
  })
  woo = await startWooCommerceSimulator()
  shop = await startShopifyAdminSimulator()
})
afterAll(async () => {
  await twilioSim.close()
  await woo.close()
  await shop.close()
})

const dialingService = (env: Record<string, string> = {}, schedule = true) =>
  startCallingService(twilioSim, { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, ...env }, { schedule })
type DialingService = CallingService
const wooStore = (svc: CallingService, settings: Record<string, unknown> = {}) => registerWooStore(svc, woo, settings)
const placeWooOrderHere = (svc: CallingService, store: WooStore, behaviours: PhoneBehaviour[], change: Partial<WooOrder> = {}) =>
  placeWooOrder(svc, { woo, twilio: twilioSim }, store, behaviours, change)
const view = orderView
const callsTo = (phone: string) => twilioSim.calls.filter((c) => c.to === phone)

describe('dialling an order', () => {
  let svc: DialingService
  let store: { id: string; secret: string }
  beforeAll(async () => {
    svc = await dialingService()
    store = await wooStore(svc)
  })
  afterAll(() => svc.close())

  it('places the call with the right TwiML, retries a busy line on the ladder, and calls again when the rung comes', async () => {
    const { orderId, phone } = await placeWooOrderHere(svc, store, [
      { kind: 'busy', ringMs: 100 },
      { kind: 'human', ringMs: 100, hangUpAfterMs: 300 },
    ])
    await until(async () => (await view(svc, orderId)).attempts[0]?.status === 'busy', 'the first call to be busy')
    const afterBusy = await view(svc, orderId)
    expect(afterBusy.status).toBe('queued')
    const attempt = afterBusy.attempts[0]
    expect(Date.parse(afterBusy.nextCallAt) - Date.parse(attempt.endedAt)).toBe(15 * MINUTE)

    const [call] = callsTo(phone)
    expect(call!.params).toMatchObject({
      To: phone,
      From: TWILIO.from,
      StatusCallback: `${svc.publicUrl}/twilio/status/${attempt.id}`,
      StatusCallbackMethod: 'POST',
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      Timeout: '25',
      TimeLimit: '300',
      MachineDetection: 'Enable',
      AsyncAmd: 'true',
      AsyncAmdStatusCallback: `${svc.publicUrl}/twilio/amd/${attempt.id}`,
    })
    const [connect] = parseTwiml(String(call!.params.Twiml))
    expect(connect).toMatchObject({
      verb: 'Connect',
      stream: { url: `ws://127.0.0.1:${svc.port}/twilio/media-stream/${svc.deps.streamKeys.key(attempt.id)}`, parameters: { attemptId: attempt.id } },
    })
    // The stream's one-time token is stored only as a hash, bound to this attempt.
    const token = connect!.verb === 'Connect' ? connect!.stream.parameters.token! : ''
    const stored = svc.deps.db.select().from(callAttempts).where(eq(callAttempts.id, attempt.id)).get()!
    expect(stored.streamTokenHash).toBe(createHash('sha256').update(token).digest('hex'))
    expect(callsTo(phone)).toHaveLength(1)

    svc.clock.offset += 15 * MINUTE
    svc.scheduler.wake()
    await until(async () => (await view(svc, orderId)).attempts[1]?.endReason === 'customer_hung_up', 'the second call to end')
    const after = await view(svc, orderId)
    expect(callsTo(phone)).toHaveLength(2)
    expect(after.attempts[1]).toMatchObject({ number: 2, status: 'completed', callSid: callsTo(phone)[1]!.sid })
    expect(after.attempts[1].answeredAt).not.toBeNull()
    // Answered, then hung up before saying yes or no: the ladder calls again.
    await until(async () => (await view(svc, orderId)).status === 'queued', 'the next rung')
    expect((await view(svc, orderId)).outcome).toBeNull()
  })

  it('shows every attempt with its times, Twilio status and who answered', async () => {
    const { orderId } = await placeWooOrderHere(svc, store, [{ kind: 'machine', ringMs: 100 }])
    await until(async () => {
      const [a] = (await view(svc, orderId)).attempts
      return a?.answeredBy === 'machine_start' && a.endedAt !== null
    }, 'the machine verdict and the hang-up')
    const [attempt] = (await view(svc, orderId)).attempts
    expect(attempt).toMatchObject({ number: 1, callSid: expect.stringMatching(/^CA/), answeredBy: 'machine_start' })
    for (const field of ['startedAt', 'answeredAt', 'endedAt']) expect(Date.parse(attempt[field]), field).not.toBeNaN()
  })

  it('hangs up on an answering machine, calls again later, and closes as voicemail when the ladder runs out', async () => {
    const short = await wooStore(svc, { retryDelaysMinutes: [1] })
    const { orderId, phone } = await placeWooOrderHere(svc, short, [
      { kind: 'machine', ringMs: 100 },
      { kind: 'machine', ringMs: 100 },
    ])
    await until(
      async () => (await view(svc, orderId)).status === 'queued' && (await view(svc, orderId)).attempts.length === 1,
      'the first machine call',
    )
    expect(callsTo(phone)[0]!.callbacks.some((c) => c.params.CallStatus === 'completed')).toBe(true)
    svc.clock.offset += MINUTE
    svc.scheduler.wake()
    await until(async () => (await view(svc, orderId)).status === 'done', 'the second machine call')
    const done = await view(svc, orderId)
    expect(done).toMatchObject({ outcome: 'voicemail', evidence: '2 calls: 2 reached voicemail.' })
    // We hung up on the machine ourselves; the calls did not run to the time limit.
    expect(callsTo(phone).every((c) => c.endedAt! - c.answeredAt! < 5_000)).toBe(true)
  })

  it('an answering machine whose call Twilio has just ended (21220 on hang-up) is still answered 204', async () => {
    // One call only, so the later tests' clock moves call nobody again.
    const once = await wooStore(svc, { retryDelaysMinutes: [] })
    const { orderId, phone } = await placeWooOrderHere(svc, once, [{ kind: 'machine', ringMs: 100 }])
    twilioSim.failNextUpdate(21220, { to: phone })
    await until(async () => (await view(svc, orderId)).status === 'done', 'the machine call to be settled')
    await twilioSim.settled()
    const amd = callsTo(phone)[0]!.callbacks.find((c) => c.url.includes('/twilio/amd/'))
    expect(amd?.status).toBe(204)
    expect((await view(svc, orderId)).outcome).toBe('voicemail')
  })

  it('closes as no_answer when nobody picks up on any rung', async () => {
    const short = await wooStore(svc, { retryDelaysMinutes: [1] })
    const { orderId } = await placeWooOrderHere(svc, short, [{ kind: 'no-answer' }, { kind: 'busy', ringMs: 100 }])
    await until(async () => (await view(svc, orderId)).attempts[0]?.status === 'no-answer', 'the first call to ring out')
    svc.clock.offset += MINUTE
    svc.scheduler.wake()
    await until(async () => (await view(svc, orderId)).status === 'done', 'the ladder to run out')
    expect(await view(svc, orderId)).toMatchObject({ outcome: 'no_answer', evidence: '2 calls: 1 not answered, 1 busy.' })
  })

  it('settles a call whose last status callback never arrived, by asking Twilio once it has gone quiet', async () => {
    const once = await wooStore(svc, { retryDelaysMinutes: [] })
    const phone = nextCustomerPhone()
    // Twilio's `no-answer` callback meets a load balancer's 503: Twilio does not send it again.
    twilioSim.loseNextCallback({ to: phone, callStatus: 'no-answer' })
    const { orderId } = await placeWooOrderHere(svc, once, [{ kind: 'no-answer' }])
    await until(() => callsTo(phone)[0]?.status === 'no-answer', 'the call to ring out at Twilio')
    await svc.scheduler.tick()
    expect((await view(svc, orderId)).status).toBe('calling')
    svc.clock.offset += MINUTE
    await svc.scheduler.tick()
    expect(await view(svc, orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
    expect(callsTo(phone)).toHaveLength(1)
  })

  it('settles a call whose end was written but whose order was not (the process died in between)', async () => {
    const once = await wooStore(svc, { retryDelaysMinutes: [] })
    const phone = nextCustomerPhone()
    twilioSim.loseNextCallback({ to: phone, callStatus: 'no-answer' })
    const { orderId } = await placeWooOrderHere(svc, once, [{ kind: 'no-answer' }])
    await until(() => callsTo(phone)[0]?.status === 'no-answer', 'the call to ring out at Twilio')
    // What a worker killed between writing the callback's status and settling the order leaves behind.
    svc.deps.db.update(callAttempts).set({ status: 'no-answer', endedAt: svc.clock.now() }).where(eq(callAttempts.orderId, orderId)).run()
    svc.clock.offset += MINUTE
    await svc.scheduler.tick()
    expect(await view(svc, orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
  })

  it("never dials a number outside the store's allowed countries", async () => {
    const id = nextOrderId()
    const uk = { ...SAMPLE_CUSTOMERS[1]!, phone: '+44 7400 123456', country: 'GB' }
    const payload = wooOrderPayload({ id, customer: uk }) as unknown as WooOrder
    woo.addOrder(payload)
    const res = await deliverWooWebhook({ url: `${svc.url}/webhooks/woocommerce/${store.id}`, secret: store.secret, source: woo.siteUrl, payload })
    const orderId = (res.body as { orderId: number }).orderId
    await until(async () => (await view(svc, orderId)).status === 'done', 'the order to close')
    const done = await view(svc, orderId)
    expect(done).toMatchObject({ outcome: 'failed', attempts: [] })
    expect(done.evidence).toContain('GB')
    expect(callsTo('+447400123456')).toHaveLength(0)
  })

  it('waits for the calling hours: an order at 3 a.m. store time is called at the opening', async () => {
    const night = await wooStore(svc, { timezone: zoneWhereItIs(3, svc.clock.now()) })
    const { orderId, phone } = await placeWooOrderHere(svc, night, [{ kind: 'human' }])
    await until(async () => (await view(svc, orderId)).nextCallAt !== null && (await view(svc, orderId)).status === 'queued', 'the order to wait')
    await svc.scheduler.tick()
    const waiting = await view(svc, orderId)
    expect(waiting.status).toBe('queued')
    const opensIn = Date.parse(waiting.nextCallAt) - svc.clock.now()
    expect(opensIn).toBeGreaterThan(4.9 * 60 * MINUTE)
    expect(opensIn).toBeLessThan(6.1 * 60 * MINUTE)
    expect(callsTo(phone)).toHaveLength(0)
  })

  it("keeps to a store's limit of calls at once", async () => {
    const one = await wooStore(svc, { maxConcurrentCalls: 1 })
    const placed = await Promise.all([1, 2, 3].map(() => placeWooOrderHere(svc, one, [{ kind: 'busy', ringMs: 4000 }])))
    await until(
      async () => (await Promise.all(placed.map((p) => view(svc, p.orderId)))).every((o) => o.attempts.length === 1),
      'all three to be called',
      15_000,
    )
    const spans = placed
      .map((p) => callsTo(p.phone)[0]!)
      .map((c) => [c.createdAt, c.endedAt!] as const)
      .sort((a, b) => a[0] - b[0])
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1])
  })

  it("does not let one store's backlog at its limit hold another store's call back", async () => {
    const busy = await wooStore(svc, { maxConcurrentCalls: 1 })
    const otherSite = await startWooCommerceSimulator()
    try {
      const other = await registerWooStore(svc, otherSite)
      // A hundred orders that each ring a while, one at a time (more than the old scheduler looked at); then one in another store.
      const backlog = await Promise.all(Array.from({ length: 100 }, () => placeWooOrderHere(svc, busy, [{ kind: 'busy', ringMs: 40_000 }])))
      await until(() => backlog.some((p) => callsTo(p.phone).length > 0), "the backlog's first call")
      const next = await placeWooOrder(svc, { woo: otherSite, twilio: twilioSim }, other, [{ kind: 'busy', ringMs: 4000 }])
      await until(() => callsTo(next.phone).length > 0, "the other store's call", 20_000)
      // The other store's customer was called while the backlog still waited, not after it: within a
      // pass or two of the backlog's own calls (each a fraction of a second here), not its hundredth.
      const calledAt = callsTo(next.phone)[0]!.createdAt
      expect(backlog.filter((p) => callsTo(p.phone).some((c) => c.createdAt <= calledAt)).length).toBeLessThanOrEqual(10)
    } finally {
      await otherSite.close()
    }
  })
})

describe('Twilio refusing to place a call', () => {
  // A service of its own: these tests move its clock by hours.
  let svc: DialingService
  let store: { id: string; secret: string }
  beforeAll(async () => {
    svc = await dialingService()
    store = await wooStore(svc)
  })
  afterAll(() => svc.close())

  it('tries a call Twilio keeps refusing after 1, 2, 4, 8 and 16 minutes, then closes it as failed with the code', async () => {
    const next = nextCustomerPhone()
    twilioSim.refuseNextCreates(6, { status: 400, code: 21205, message: 'Url parameter is required.', to: next })
    const { orderId, phone } = await placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 100 }])
    expect(phone).toBe(next)
    const waits: number[] = []
    for (let refused = 1; refused <= 6; refused++) {
      await until(
        async () => (await view(svc, orderId)).attempts.length === refused && (await view(svc, orderId)).status !== 'calling',
        `refusal ${refused}`,
      )
      const order = await view(svc, orderId)
      if (refused < 6) {
        waits.push(Math.round((Date.parse(order.nextCallAt) - svc.clock.now()) / MINUTE))
        svc.clock.offset += Date.parse(order.nextCallAt) - svc.clock.now() + 1_000
      }
    }
    expect(waits).toEqual([1, 2, 4, 8, 16])
    const order = await view(svc, orderId)
    expect(order).toMatchObject({ status: 'done', outcome: 'failed' })
    expect(order.evidence).toBe('Twilio refused to place the call 6 times (21205); check the Twilio account.')
    expect(callsTo(phone)).toHaveLength(0)
  })

  it('never closes an order over a refusal about the Twilio account, and calls it once the account is right', async () => {
    const next = nextCustomerPhone()
    twilioSim.refuseNextCreates(7, { status: 401, code: 20003, message: 'Authenticate', to: next })
    const { orderId, phone } = await placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 100 }])
    expect(phone).toBe(next)
    for (let refused = 1; refused <= 7; refused++) {
      await until(
        async () => (await view(svc, orderId)).attempts.length === refused && (await view(svc, orderId)).status !== 'calling',
        `refusal ${refused}`,
      )
      const order = await view(svc, orderId)
      expect(order.status).toBe('queued')
      expect(Date.parse(order.nextCallAt) - svc.clock.now()).toBeLessThanOrEqual(60 * MINUTE)
      svc.clock.offset += Date.parse(order.nextCallAt) - svc.clock.now() + 1_000
    }
    await until(() => callsTo(phone).length === 1, 'the call, once Twilio takes it')
  })
})

describe('reading the order again before dialling', () => {
  let svc: DialingService
  beforeAll(async () => {
    svc = await dialingService()
  })
  afterAll(() => svc.close())

  async function shopifyStore(domain: string) {
    const accessToken = `shpat_${domain.split('.')[0]}`
    shop.addShop(domain, accessToken)
    const res = await svc.api('POST', '/api/stores', {
      platform: 'shopify',
      shopDomain: domain,
      accessToken,
      webhookSecret: 'shpss_dialing_secret',
      settings: { timezone: zoneWhereItIs(12) },
    })
    return res.body.store.id as string
  }

  async function shopifyOrder(domain: string, change: (order: Record<string, unknown>) => void) {
    const id = BigInt(nextOrderId())
    const { phone, customer: c } = customer(Number(id))
    twilioSim.script(phone, { kind: 'human' })
    const payload = shopifyOrderPayload({ id, customer: c }) as unknown as Record<string, unknown> & { id: bigint; admin_graphql_api_id: string }
    const inShop = { ...payload }
    change(inShop) // what the merchant did in Shopify after the webhook left
    shop.addOrder(domain, inShop)
    const res = await deliverShopifyWebhook({
      url: `${svc.url}/webhooks/shopify`,
      secret: 'shpss_dialing_secret',
      shop: domain,
      topic: 'orders/create',
      payload,
    })
    return { orderId: (res.body as { orderId: number }).orderId, phone, platformOrderId: String(id) }
  }

  it.each([
    ['cancelled in Shopify', (o: Record<string, unknown>) => (o.cancelled_at = '2026-11-21T10:20:00+01:00'), 'cancelled_in_store'],
    ['fulfilled in Shopify', (o: Record<string, unknown>) => (o.fulfillment_status = 'fulfilled'), 'fulfilled_in_store'],
    ['already tagged call-confirmed', (o: Record<string, unknown>) => (o.tags = 'vip, call-confirmed'), 'already_answered'],
  ])('does not call an order %s', async (_, change, reason) => {
    const domain = `reread-${reason.replace(/_/g, '-')}.myshopify.com`
    await shopifyStore(domain)
    const { orderId, phone, platformOrderId } = await shopifyOrder(domain, change)
    await until(async () => (await view(svc, orderId)).status === 'skipped', 'the order to be skipped')
    expect(await view(svc, orderId)).toMatchObject({ skipReason: reason, attempts: [] })
    expect(callsTo(phone)).toHaveLength(0)
    expect(shop.requests.some((r) => r.query.includes('OrderBeforeCall') && (r.variables as { id: string }).id.endsWith(`/${platformOrderId}`))).toBe(
      true,
    )
  })

  it('stops when the store has revoked our access', async () => {
    const domain = 'revoked-shop.myshopify.com'
    await shopifyStore(domain)
    shop.revoke(domain)
    const { orderId, phone } = await shopifyOrder(domain, () => undefined)
    await until(async () => (await view(svc, orderId)).status === 'skipped', 'the order to be skipped')
    expect((await view(svc, orderId)).skipReason).toBe('store_access_revoked')
    expect(callsTo(phone)).toHaveLength(0)
  })

  it('calls an open WooCommerce order, and not one completed in the store', async () => {
    const store = await wooStore(svc)
    const open = await placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 50 }])
    const shipped = await placeWooOrderHere(svc, store, [{ kind: 'human' }], { status: 'completed' })
    await until(
      async () => (await view(svc, open.orderId)).attempts.length === 1 && (await view(svc, shipped.orderId)).status === 'skipped',
      'both to be decided',
    )
    expect((await view(svc, shipped.orderId)).skipReason).toBe('fulfilled_in_store')
    expect(callsTo(shipped.phone)).toHaveLength(0)
    expect(woo.requests).toContainEqual({ method: 'GET', path: `/wp-json/wc/v3/orders/${open.platformOrderId}`, status: 200 })
  })
})

describe('Twilio callbacks', () => {
  let svc: DialingService
  let attemptId: string
  beforeAll(async () => {
    svc = await dialingService()
    const store = await wooStore(svc)
    const { orderId } = await placeWooOrderHere(svc, store, [{ kind: 'no-answer' }])
    await until(
      async () => (await view(svc, orderId)).attempts[0]?.callSid !== undefined && (await view(svc, orderId)).attempts[0]?.callSid !== null,
      'the call',
    )
    attemptId = (await view(svc, orderId)).attempts[0].id
  })
  afterAll(() => svc.close())

  const post = (signature: string | undefined, params: Record<string, string>, path = `/twilio/status/${attemptId}`) =>
    fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      body: new URLSearchParams(params),
    })

  it('refuses an unsigned or wrongly signed callback with 403, and it changes nothing', async () => {
    const before = svc.deps.db.select().from(callAttempts).where(eq(callAttempts.id, attemptId)).get()!
    const params = { CallSid: before.callSid!, CallStatus: 'completed', AnsweredBy: 'human', SequenceNumber: '9', AccountSid: TWILIO.accountSid }
    const url = `${svc.publicUrl}/twilio/status/${attemptId}`
    const forged = twilio.getExpectedTwilioSignature('someone-elses-token', url, params)
    const elsewhere = twilio.getExpectedTwilioSignature(TWILIO.authToken, `https://attacker.example/twilio/status/${attemptId}`, params)
    const tampered = twilio.getExpectedTwilioSignature(TWILIO.authToken, url, { ...params, CallStatus: 'busy' })
    for (const signature of [undefined, forged, elsewhere, tampered, 'not-a-signature']) expect((await post(signature, params)).status).toBe(403)
    expect((await post(undefined, params, `/twilio/amd/${attemptId}`)).status).toBe(403)
    // Nothing the forgeries said landed. The real call may have moved on meanwhile (its phone stops
    // ringing at Twilio's timeout, a fraction of a second on the simulator's clock): only to no-answer.
    const after = svc.deps.db.select().from(callAttempts).where(eq(callAttempts.id, attemptId)).get()!
    expect(after.answeredBy).toBeNull()
    expect(after.lastSequence).toBeLessThan(9)
    expect([before.status, 'no-answer']).toContain(after.status)
    expect(after.callSid).toBe(before.callSid)
  })

  it("accepts the same callback signed with the account's token against PUBLIC_URL", async () => {
    const params = { CallSid: `CA${'9'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: '1', AccountSid: TWILIO.accountSid }
    const signature = twilio.getExpectedTwilioSignature(TWILIO.authToken, `${svc.publicUrl}/twilio/status/${attemptId}`, params)
    // Signed right, but for another call than this attempt's: acknowledged and ignored.
    expect((await post(signature, params)).status).toBe(204)
    expect(svc.deps.db.select().from(callAttempts).where(eq(callAttempts.id, attemptId)).get()!.callSid).not.toBe(params.CallSid)
  })
})

describe('the media stream', () => {
  let svc: DialingService
  beforeAll(async () => {
    svc = await dialingService()
  })
  afterAll(() => svc.close())

  /** Plays Twilio's first two messages on a new socket; resolves with the close code. */
  function connectAs(customParameters: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${svc.port}/twilio/media-stream`, { headers })
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!))
      ws.on('error', reject)
      ws.on('open', () => {
        ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }))
        ws.send(
          JSON.stringify({
            event: 'start',
            sequenceNumber: '1',
            start: { callSid: `CA${'3'.repeat(32)}`, customParameters },
            streamSid: `MZ${'3'.repeat(32)}`,
          }),
        )
        // A stream that is let in stays open: give up waiting after a moment.
        setTimeout(() => {
          ws.close()
          resolve(0)
        }, 500)
      })
      ws.on('close', (code) => resolve(code))
    })
  }

  it("closes at once a stream that cannot show an attempt's one-time token", async () => {
    expect(await connectAs({})).toBe(1008)
    expect(await connectAs({ attemptId: 'att_nobody', token: 'guess' })).toBe(1008)
  })

  it("lets a call's own stream in, once: a replayed start is refused", async () => {
    const store = await wooStore(svc)
    const { orderId, phone } = await placeWooOrderHere(svc, store, [{ kind: 'human', ringMs: 50, hangUpAfterMs: 2000 }])
    await until(() => svc.logs.some((l) => l.includes('media stream connected') && l.includes(`"orderId":${orderId}`)), 'the stream to be let in')
    const call = callsTo(phone)[0]!
    const [connect] = parseTwiml(String(call.params.Twiml))
    const parameters = connect!.verb === 'Connect' ? connect!.stream.parameters : {}
    expect(await connectAs(parameters)).toBe(1008)
    // Twilio's own stream was not cut: it is still open.
    expect(call.stream!.closedBy).toBeUndefined()
  })

  it('refuses an upgrade whose X-Twilio-Signature is wrong', async () => {
    expect(await connectAs({}, { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' })).toBe(403)
  })
})

describe('recovery after a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callconfirm-crash-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds the call Twilio placed for an attempt whose Call SID was never stored, and does not call again', async () => {
    const env = { WORKER_ID: 'worker-1', DATABASE_PATH: join(dir, 'crash.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }
    const first = await dialingService(env, false)
    const store = await wooStore(first)
    const { orderId, phone } = await placeWooOrderHere(first, store, [{ kind: 'busy', ringMs: 100 }])
    // The dialer's first steps, then the crash: attempt recorded, call placed, SID never stored.
    first.deps.db
      .update(orders)
      .set({ status: 'calling', leaseOwner: 'worker-1', leaseExpiresAt: first.clock.now() + MINUTE })
      .where(eq(orders.id, orderId))
      .run()
    const { attempt, streamToken } = await recordAttempt(first.deps.db, orderId, first.clock.now())
    // Down: the callbacks for this call reach nobody.
    const dead = first.publicUrl
    await first.close()
    const call = await placeCall(first.deps.twilio.client, first.deps.twilio.account, {
      to: phone,
      attemptId: attempt.id,
      streamToken,
      streamKey: first.deps.streamKeys.key(attempt.id),
      publicUrl: dead,
    })
    await until(() => twilioSim.calls.find((c) => c.sid === call.sid)!.status === 'busy', 'the call to end while we are down')

    const second = await dialingService(env)
    try {
      await until(async () => (await view(second, orderId)).attempts[0]?.status === 'busy', 'recovery')
      const recovered = await view(second, orderId)
      expect(recovered.attempts).toEqual([expect.objectContaining({ id: attempt.id, callSid: call.sid, status: 'busy' })])
      expect(recovered.status).toBe('queued') // the next rung of the ladder
      expect(callsTo(phone)).toHaveLength(1)
    } finally {
      await second.close()
    }
  })

  it("does not call again when the lost call is still waiting in Twilio's queue (no start time yet)", async () => {
    // The same PUBLIC_URL before and after the restart, as in production: the queued call's callbacks reach the new process.
    const env = {
      WORKER_ID: 'worker-q',
      PORT: String(await freePort()),
      DATABASE_PATH: join(dir, 'queued.db'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    }
    const first = await dialingService(env, false)
    const store = await wooStore(first)
    const { orderId, phone } = await placeWooOrderHere(first, store, [{ kind: 'busy', ringMs: 100 }])
    first.deps.db
      .update(orders)
      .set({ status: 'calling', leaseOwner: 'worker-q', leaseExpiresAt: first.clock.now() + MINUTE })
      .where(eq(orders.id, orderId))
      .run()
    const { attempt, streamToken } = await recordAttempt(first.deps.db, orderId, first.clock.now())
    const dead = first.publicUrl
    await first.close()
    // Placed, SID never stored, and held in Twilio's queue past the restart.
    twilioSim.holdNextInQueue(3_000)
    const call = await placeCall(first.deps.twilio.client, first.deps.twilio.account, {
      to: phone,
      attemptId: attempt.id,
      streamToken,
      streamKey: first.deps.streamKeys.key(attempt.id),
      publicUrl: dead,
    })
    expect(twilioSim.calls.find((c) => c.sid === call.sid)).toMatchObject({ status: 'queued', startedAt: null })

    const second = await dialingService(env)
    try {
      await until(async () => (await view(second, orderId)).attempts[0]?.callSid === call.sid, 'recovery to adopt the queued call')
      await until(() => twilioSim.calls.find((c) => c.sid === call.sid)!.status === 'busy', 'the queued call to run its course', 10_000)
      await until(async () => (await view(second, orderId)).status === 'queued', 'the next rung')
      expect((await view(second, orderId)).attempts).toEqual([expect.objectContaining({ id: attempt.id, callSid: call.sid, status: 'busy' })])
      expect(callsTo(phone)).toHaveLength(1)
    } finally {
      await second.close()
    }
  })

  it('does not call again when Twilio placed a call but its answer was lost (a 5xx)', async () => {
    const svc = await dialingService({ WORKER_ID: 'worker-3' })
    try {
      const store = await wooStore(svc)
      twilioSim.failNextCreate({ status: 503, placeAnyway: true })
      const { orderId, phone } = await placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 100 }])
      // Its callbacks still name the attempt: it adopts the call Twilio did place, busy, and waits
      // on the ladder; no second call goes out, now or when the recovery moment comes.
      await until(async () => (await view(svc, orderId)).attempts[0]?.status === 'busy', 'the placed call to be adopted')
      svc.clock.offset += 61_000
      await svc.scheduler.tick()
      const after = await view(svc, orderId)
      expect(after.attempts).toEqual([
        expect.objectContaining({ callSid: callsTo(phone)[0]!.sid, status: 'busy', error: 'An internal server error has occurred' }),
      ])
      expect(after.status).toBe('queued')
      expect(callsTo(phone)).toHaveLength(1)
    } finally {
      await svc.close()
    }
  })

  it('queues again an attempt Twilio never placed, and places it once', async () => {
    const env = { WORKER_ID: 'worker-2', DATABASE_PATH: join(dir, 'crash2.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }
    const first = await dialingService(env, false)
    const store = await wooStore(first)
    const { orderId, phone } = await placeWooOrderHere(first, store, [{ kind: 'busy', ringMs: 50 }])
    first.deps.db
      .update(orders)
      .set({ status: 'calling', leaseOwner: 'worker-2', leaseExpiresAt: first.clock.now() + MINUTE })
      .where(eq(orders.id, orderId))
      .run()
    const { attempt } = await recordAttempt(first.deps.db, orderId, first.clock.now())
    await first.close()

    const second = await dialingService(env)
    try {
      await until(async () => (await view(second, orderId)).attempts.length === 2, 'the call to be placed again')
      const after = await view(second, orderId)
      expect(after.attempts[0]).toMatchObject({ id: attempt.id, status: 'not-placed' })
      await until(() => callsTo(phone).length === 1, 'one call')
      expect(callsTo(phone)).toHaveLength(1)
    } finally {
      await second.close()
    }
  })
})

describe('two schedulers racing', () => {
  it('keep what one holds leased while its pass paces a backlog past a lease, so the other takes none of it over', async () => {
    const svc = await dialingService({ LEASE_SECONDS: '3', MAX_CONCURRENT_CALLS: '100' }, false)
    try {
      const store = await wooStore(svc, { maxConcurrentCalls: 50 })
      const make = (owner: string, perSecond: number) =>
        createScheduler({ ...svc.deps, publicUrl: svc.publicUrl, owner, maxConcurrent: 100, perSecond })
      // A at Twilio's default pace of one call a second; B quick.
      const [a, b] = [make('worker-a', 1), make('worker-b', 1000)]
      // A's first call waits in Twilio's queue well past a lease: it is A's, and alive.
      twilioSim.holdNextInQueue(12_000)
      const held = await placeWooOrderHere(svc, store, [{ kind: 'no-answer' }])
      await a.tick()
      await until(() => callsTo(held.phone).length === 1, 'A to dial its first call')
      // Five more come due at once: A's next pass takes them all and paces them, about five seconds.
      const backlog = await Promise.all(Array.from({ length: 5 }, () => placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 100 }])))
      a.start()
      const lease = (orderId: number) => svc.deps.db.select({ owner: orders.leaseOwner }).from(orders).where(eq(orders.id, orderId)).get()!.owner
      await until(() => backlog.every((o) => lease(o.orderId) === 'worker-a'), 'A to claim the backlog')
      const started = Date.now()
      while (Date.now() - started < 6_000) {
        await b.tick()
        expect(lease(held.orderId)).toBe('worker-a')
        await new Promise((r) => setTimeout(r, 250))
      }
      await until(() => backlog.every((o) => callsTo(o.phone).length === 1), 'A to dial its backlog')
      await Promise.all([a.stop(), b.stop()])
      expect(svc.logs.filter((l) => l.includes('recovered interrupted calls'))).toEqual([])
    } finally {
      await svc.close()
    }
  })

  it('record no attempt for an order another worker settled while the store was being read', async () => {
    const svc = await dialingService({}, false)
    try {
      const store = await wooStore(svc)
      const order = await placeWooOrderHere(svc, store, [{ kind: 'human' }])
      const scheduler = createScheduler({
        ...svc.deps,
        publicUrl: svc.publicUrl,
        owner: 'worker-a',
        maxConcurrent: 10,
        perSecond: 100,
        // While the store answers, the other worker settles the order (its last call's end, found late).
        readStoreOrder: async () => {
          svc.deps.db
            .update(orders)
            .set({ status: 'done', outcome: 'no_answer', updatedAt: svc.clock.now() })
            .where(eq(orders.id, order.orderId))
            .run()
          return { state: 'open' }
        },
      })
      await scheduler.tick()
      await scheduler.stop()
      expect(callsTo(order.phone)).toEqual([])
      expect((await view(svc, order.orderId)).attempts).toEqual([])
    } finally {
      await svc.close()
    }
  })

  it("do not settle again an order claimed for its next call while that call's store read is under way", async () => {
    const svc = await dialingService({}, false)
    try {
      const store = await wooStore(svc, { retryDelaysMinutes: [1] })
      const order = await placeWooOrderHere(svc, store, [{ kind: 'no-answer' }, { kind: 'no-answer' }])
      const base = { ...svc.deps, publicUrl: svc.publicUrl, owner: 'worker-a', maxConcurrent: 10, perSecond: 100 }
      const first = createScheduler(base)
      await first.tick()
      await until(async () => (await view(svc, order.orderId)).status === 'queued', 'the first call to go unanswered')
      await first.stop()
      // The retry is due; its call's first attempt has been quiet for a minute by now.
      svc.clock.offset += MINUTE + 1_000
      const deps = {
        ...base,
        // While the store is read for the retry, this worker's quiet-call check runs.
        readStoreOrder: async () => {
          await checkQuietCalls(deps)
          return { state: 'open' as const }
        },
      }
      const retry = createScheduler(deps)
      await retry.tick()
      await until(() => callsTo(order.phone).length === 2, 'the retry to be dialled')
      await retry.stop()
      expect((await view(svc, order.orderId)).attempts).toHaveLength(2)
    } finally {
      await svc.close()
    }
  })

  it('never dial one order twice', async () => {
    const svc = await dialingService({ MAX_CONCURRENT_CALLS: '100' }, false)
    try {
      const store = await wooStore(svc, { maxConcurrentCalls: 50 })
      const placed = await Promise.all(Array.from({ length: 15 }, () => placeWooOrderHere(svc, store, [{ kind: 'busy', ringMs: 2000 }])))
      const make = (owner: string) => createScheduler({ ...svc.deps, publicUrl: svc.publicUrl, owner, maxConcurrent: 100, perSecond: 1000 })
      const [a, b] = [make('racer-a'), make('racer-b')]
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()])
      await until(() => placed.every((p) => callsTo(p.phone).length >= 1), 'every order to be dialled')
      await Promise.all([a.stop(), b.stop()])
      expect(placed.map((p) => callsTo(p.phone).length)).toEqual(placed.map(() => 1))
      const attempts = svc.deps.db
        .select()
        .from(callAttempts)
        .all()
        .filter((x) => placed.some((p) => p.orderId === x.orderId))
      expect(attempts).toHaveLength(15)
    } finally {
      await svc.close()
    }
  })
})
