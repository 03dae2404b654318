import { eq, inArray } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callAttempts, orders, stores } from '../src/db/schema.js'
import { earliestCallTime, nextDayOpening } from '../src/domain/callingWindow.js'
import { startOfUtcDay } from '../src/domain/dialPolicy.js'
import { SAMPLE_CUSTOMERS, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import type { PhoneBehaviour, TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  nextOrderId,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  startTestTwilio,
  type WooStore,
} from './support/calling.js'
import { operatorPage } from './support/service.js'
import { until } from './support/wait.js'

const DAY = 86_400_000
const HOURS = { start: '09:00', end: '20:00' }

let twilioSim: TwilioSimulator
let woo: WooCommerceSimulator

beforeAll(async () => {
  twilioSim = await startTestTwilio()
  woo = await startWooCommerceSimulator()
})
afterAll(async () => {
  await twilioSim.close()
  await woo.close()
})

const callsTo = (phone: string) => twilioSim.calls.filter((c) => c.to === phone)
const view = orderView
/** One call that is busy: with no retry ladder, the order closes after it. */
const BUSY: PhoneBehaviour[] = [{ kind: 'busy', ringMs: 50 }]
/** A store whose orders get one call each, so every call counted is a new order's. */
const oneCallStore = (svc: CallingService) => registerWooStore(svc, woo, { retryDelaysMinutes: [], maxConcurrentCalls: 10 })
const place = (svc: CallingService, store: WooStore) => placeWooOrder(svc, { woo, twilio: twilioSim }, store, BUSY)
const setStore = (svc: CallingService, id: string, change: Partial<typeof stores.$inferInsert>) =>
  svc.deps.db.update(stores).set(change).where(eq(stores.id, id)).run()

/** A forged order whose customer's phone is `phone`, delivered to the store's webhook. */
async function forgedOrder(svc: CallingService, store: WooStore, phone: string, country: string) {
  const payload = wooOrderPayload({ id: nextOrderId(), customer: { ...SAMPLE_CUSTOMERS[1]!, phone, country } }) as unknown as WooOrder
  woo.addOrder(payload)
  const res = await deliverWooWebhook({ url: `${svc.url}/webhooks/woocommerce/${store.id}`, secret: store.secret, source: woo.siteUrl, payload })
  return (res.body as { orderId: number }).orderId
}

describe("only a customer's own phone is called", () => {
  let svc: CallingService
  let store: WooStore
  beforeAll(async () => {
    svc = await startCallingService(twilioSim)
    store = await oneCallStore(svc)
  })
  afterAll(() => svc.close())

  it.each([
    ['+355 900 123', 'AL', '+355900123'],
    ['+383 900 12345', 'XK', '+38390012345'],
  ])('a forged order to the premium-rate number %s is closed as invalid_phone and never dialled', async (phone, country, e164) => {
    const orderId = await forgedOrder(svc, store, phone, country)
    const closed = await view(svc, orderId)
    expect(closed).toMatchObject({ status: 'done', outcome: 'invalid_phone', attempts: [] })
    expect(closed.evidence).toContain('a premium-rate number')
    expect(closed.evidence).not.toContain(e164)
    await svc.scheduler.tick()
    expect(callsTo(e164)).toHaveLength(0)
  })

  it('an order stored with a premium-rate number before numbers were typed is closed as invalid_phone when its call comes, never dialled', async () => {
    const halted = await startCallingService(twilioSim, {}, { schedule: false })
    try {
      const own = await oneCallStore(halted)
      const { orderId } = await place(halted, own)
      // As intake stored it before it knew number types.
      halted.deps.db.update(orders).set({ phone: '+38390012345', phoneCountry: 'XK' }).where(eq(orders.id, orderId)).run()
      await halted.scheduler.tick()
      await until(async () => (await view(halted, orderId)).status === 'done', 'the order to close')
      const closed = await view(halted, orderId)
      expect(closed).toMatchObject({ outcome: 'invalid_phone', attempts: [] })
      expect(closed.evidence).toContain('a premium-rate number')
      expect(callsTo('+38390012345')).toHaveLength(0)
    } finally {
      await halted.close()
    }
  })

  it("still calls the sample customers' Albanian and Kosovar mobiles and landlines", async () => {
    for (const [c, e164] of SAMPLE_CUSTOMERS.map((c, i) => [c, ['+38344123456', '+355692345678', '+38349765432', '+355688765432'][i]!] as const)) {
      twilioSim.script(e164, ...BUSY)
      const orderId = await forgedOrder(svc, store, c.phone!, c.country)
      // The attempt is recorded before Twilio has the call: both, then exactly one call.
      await until(async () => (await view(svc, orderId)).attempts.length === 1 && callsTo(e164).length > 0, `${c.firstName}'s call`)
      expect(callsTo(e164)).toHaveLength(1)
    }
    const landline = await forgedOrder(svc, store, '04 222 3333', 'AL')
    twilioSim.script('+35542223333', ...BUSY)
    await until(async () => (await view(svc, landline)).attempts.length === 1, "the landline's call")
  })
})

describe("a store's daily limit", () => {
  let svc: CallingService
  let store: WooStore
  let placed: Array<{ orderId: number; phone: string }>
  beforeAll(async () => {
    svc = await startCallingService(twilioSim)
    store = await oneCallStore(svc)
    setStore(svc, store.id, { dailyCallLimit: 2 })
    // Five orders at once, dialled side by side: the limit must hold between concurrent dials.
    placed = await Promise.all([1, 2, 3, 4, 5].map(() => place(svc, store)))
    await until(
      async () => (await Promise.all(placed.map((p) => view(svc, p.orderId)))).filter((o) => o.waitReason === 'store_daily_limit').length === 3,
      'three orders to wait',
    )
  })
  afterAll(() => svc.close())

  const waiting = async () =>
    (await Promise.all(placed.map((p) => view(svc, p.orderId)))).filter((o) => o.status === 'queued' && o.waitReason === 'store_daily_limit')

  it("calls two orders of a store with a limit of two, and the others wait for its next day's opening, never dialled", async () => {
    await until(
      async () => (await Promise.all(placed.map((p) => view(svc, p.orderId)))).filter((o) => o.status === 'done').length === 2,
      'two calls to end',
    )
    expect(placed.filter((p) => callsTo(p.phone).length > 0)).toHaveLength(2)
    const held = await waiting()
    expect(held).toHaveLength(3)
    const timezone = (await svc.api('GET', `/api/stores/${store.id}`)).body.timezone as string
    for (const order of held) {
      expect(order.attempts).toEqual([])
      expect(Date.parse(order.nextCallAt)).toBe(nextDayOpening(svc.clock.now(), HOURS, timezone))
    }
  })

  it("warns the operator once that day, naming the store and not the customers' numbers", async () => {
    const sixth = await place(svc, store)
    placed.push(sixth)
    await until(async () => (await view(svc, sixth.orderId)).waitReason === 'store_daily_limit', 'the sixth order to wait')
    const warnings = svc.logs.filter((l) => l.includes('daily limit reached'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(store.id)
    expect(warnings[0]).toContain('"storeDailyCalls":2')
    expect(warnings[0]).not.toMatch(/\+355|\+383/)
  })

  it("shows on the order, the calls list and the overview why the store's orders wait", async () => {
    const [first] = await waiting()
    const orderPage = await operatorPage(svc, `/orders/${first!.id}`)
    expect(orderPage).toMatch(/Waiting: the store reached its limit of 2 calls today; next try \w{3} 09:00/)
    expect(await operatorPage(svc, '/orders')).toContain('Waiting: the store reached its limit of 2 calls today')
    const overview = await operatorPage(svc, '/')
    const notice = overview.match(new RegExp(`<p class="notice[^"]*" data-hold="store_daily_limit" data-store="${store.id}">(.*?)</p>`))?.[1]
    expect(notice).toContain('the store reached its limit of 2 calls today')
    expect(notice).toContain('4 orders wait')
  })

  it("calls the waiting orders at the store's next opening, two that day again", async () => {
    const called = () => placed.filter((p) => callsTo(p.phone).length > 0)
    const held = await waiting()
    svc.clock.offset += Date.parse(held[0]!.nextCallAt) - svc.clock.now()
    svc.scheduler.wake()
    await until(async () => called().length === 4 && (await waiting()).length === 2, 'two more calls and two orders waiting again')
    await svc.scheduler.tick()
    expect(called()).toHaveLength(4)
    // Claimed again, an order no longer carries the reason it waited.
    const rows = svc.deps.db
      .select()
      .from(orders)
      .where(
        inArray(
          orders.id,
          called().map((p) => p.orderId),
        ),
      )
      .all()
    expect(rows.map((r) => r.waitReason)).toEqual([null, null, null, null])
  })

  it("calls the waiting orders at once when the operator raises the store's limit", async () => {
    expect(await waiting()).toHaveLength(2)
    const raised = await svc.api('PATCH', `/api/stores/${store.id}`, { dailyCallLimit: 10 })
    expect(raised.status).toBe(200)
    await until(async () => placed.every((p) => callsTo(p.phone).length > 0), 'the waiting orders to be called')
    expect(await waiting()).toHaveLength(0)
  })
})

describe("the service's daily limits", () => {
  it("holds every store once the service placed its day's calls, until the UTC day turns and the store opens", async () => {
    const svc = await startCallingService(twilioSim, { SERVICE_DAILY_CALLS: '2' })
    try {
      const [a, b] = [await oneCallStore(svc), await oneCallStore(svc)]
      const first = await Promise.all([place(svc, a), place(svc, b)])
      await until(async () => (await Promise.all(first.map((p) => view(svc, p.orderId)))).every((o) => o.status === 'done'), 'two calls')
      const { orderId, phone } = await place(svc, b)
      await until(async () => (await view(svc, orderId)).waitReason === 'service_daily_limit', 'the third order to wait')
      const held = await view(svc, orderId)
      const timezone = (await svc.api('GET', `/api/stores/${b.id}`)).body.timezone as string
      expect(Date.parse(held.nextCallAt)).toBe(earliestCallTime(startOfUtcDay(svc.clock.now()) + DAY, HOURS, timezone))
      expect(callsTo(phone)).toHaveLength(0)
      expect(await operatorPage(svc, `/orders/${orderId}`)).toContain('Waiting: calls across the service reached today')
    } finally {
      await svc.close()
    }
  })

  it("holds every store once the day's calls cost the service its daily budget", async () => {
    const svc = await startCallingService(twilioSim, { SERVICE_DAILY_SPEND_USD: '5' })
    try {
      const store = await oneCallStore(svc)
      const first = await place(svc, store)
      await until(async () => (await view(svc, first.orderId)).status === 'done', 'the first call')
      // As if that call had been a long one.
      svc.deps.db.update(callAttempts).set({ costUsd: 5.2 }).where(eq(callAttempts.orderId, first.orderId)).run()
      const { orderId, phone } = await place(svc, store)
      await until(async () => (await view(svc, orderId)).waitReason === 'service_daily_spend', 'the second order to wait')
      expect(callsTo(phone)).toHaveLength(0)
    } finally {
      await svc.close()
    }
  })
})

describe("a store awaiting the operator's approval", () => {
  it('places no call, says it waits for approval, and calls once the operator approves', async () => {
    const svc = await startCallingService(twilioSim)
    try {
      const store = await oneCallStore(svc)
      setStore(svc, store.id, { approvedAt: null })
      const { orderId, phone } = await place(svc, store)
      await svc.scheduler.tick()
      expect(await view(svc, orderId)).toMatchObject({ status: 'queued', attempts: [], waitReason: 'store_awaiting_approval' })
      expect(callsTo(phone)).toHaveLength(0)
      expect(await operatorPage(svc, `/orders/${orderId}`)).toContain('Waiting for the operator to approve this store')
      expect(await operatorPage(svc, '/')).toMatch(
        new RegExp(`data-store="${store.id}">.*?waiting for the operator to approve this store — 1 order waits`),
      )

      setStore(svc, store.id, { approvedAt: svc.clock.now() })
      svc.scheduler.wake()
      await until(() => callsTo(phone).length === 1, 'the call once approved')
    } finally {
      await svc.close()
    }
  })
})
