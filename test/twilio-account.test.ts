import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { currentHold } from '../src/calls/accountHold.js'
import { startTwilioSimulator, type TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  nextCustomerPhone,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  TWILIO,
  type WooStore,
} from './support/calling.js'
import { ADMIN_TOKEN } from './support/service.js'
import { until } from './support/wait.js'

const MINUTE = 60_000
/** The account as it is when nothing is wrong with it. */
const HEALTHY = { status: 'active', type: 'Full', authToken: TWILIO.authToken, incomingNumbers: [TWILIO.from], callerIds: [] } as const

let twilio: TwilioSimulator
let shopA: WooCommerceSimulator
let shopB: WooCommerceSimulator

beforeAll(async () => {
  twilio = await startTwilioSimulator({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, fromNumbers: [TWILIO.from], timeScale: 0.005 })
  shopA = await startWooCommerceSimulator()
  shopB = await startWooCommerceSimulator()
})
// Each test gives the account its own bad day; the next one starts with it healthy.
afterEach(() => twilio.account({ ...HEALTHY, incomingNumbers: [...HEALTHY.incomingNumbers], callerIds: [] }))
afterAll(async () => {
  await twilio.close()
  await shopA.close()
  await shopB.close()
})

const busy = [{ kind: 'busy' as const, ringMs: 50 }]
const order = (svc: CallingService, shop: WooCommerceSimulator, store: WooStore) => placeWooOrder(svc, { woo: shop, twilio }, store, busy)
const health = async (svc: CallingService) => {
  const res = await fetch(`${svc.url}/healthz`)
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), text }
}
/** The calls.create requests Twilio received for `phone` (refused or not). */
const createsFor = (phone: string) => twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json') && r.to === phone)
const callsTo = (phone: string) => twilio.calls.filter((c) => c.to === phone)
/** How often the account itself was read (the probe's first question). */
const accountReads = () => twilio.requests.filter((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${TWILIO.accountSid}.json`).length
const heldBy = (svc: CallingService) => currentHold(svc.deps.db)
/** Moves the services' clocks on together (workers on one database share a wall clock). */
const later = (ms: number, ...services: CallingService[]) => {
  for (const svc of services) svc.clock.offset += ms
}

async function operatorPage(svc: CallingService, path = '/') {
  const login = await fetch(`${svc.url}/login`, {
    method: 'POST',
    headers: { origin: svc.url },
    body: new URLSearchParams({ token: ADMIN_TOKEN, next: path }),
    redirect: 'manual',
  })
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
  return (await fetch(`${svc.url}${path}`, { headers: { cookie } })).text()
}

async function merchantPage(svc: CallingService, store: WooStore) {
  const link = new URL((await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url)
  const entered = await fetch(`${svc.url}/enter${link.search}`, { redirect: 'manual' })
  const cookie = entered.headers.getSetCookie()[0]!.split(';')[0]!
  return (await fetch(`${svc.url}/`, { headers: { cookie } })).text()
}

describe('Twilio refusing the credentials', () => {
  let svc: CallingService
  let storeA: WooStore
  let storeB: WooStore
  beforeAll(async () => {
    svc = await startCallingService(twilio)
    storeA = await registerWooStore(svc, shopA)
    storeB = await registerWooStore(svc, shopB)
  })
  afterAll(() => svc.close())

  it('pauses every call across the stores, says so on /healthz and the dashboard, and resumes by itself once they work, calling each order once', async () => {
    // The token was rotated in Twilio's console: every request with ours is refused.
    twilio.account({ authToken: 'rotated-in-the-console' })
    const first = await order(svc, shopA, storeA)
    await until(async () => (await health(svc)).body.status === 'degraded', 'the pause')
    const refused = await orderView(svc, first.orderId)
    expect(refused).toMatchObject({ status: 'queued', outcome: null, waitReason: 'twilio_account' })
    expect(refused.attempts).toEqual([expect.objectContaining({ status: 'not-placed', error: '20003: Authenticate' })])

    // Five more orders in two stores come due while it lasts: none is dialled, none gets an attempt.
    const waiting = [
      await order(svc, shopA, storeA),
      await order(svc, shopB, storeB),
      await order(svc, shopA, storeA),
      await order(svc, shopB, storeB),
      await order(svc, shopB, storeB),
    ]
    for (const w of waiting)
      await until(async () => (await orderView(svc, w.orderId)).waitReason === 'twilio_account', 'the order to wait for the account')
    for (const w of waiting) {
      expect(createsFor(w.phone)).toHaveLength(0)
      expect(await orderView(svc, w.orderId)).toMatchObject({ status: 'queued', attempts: [] })
    }
    expect(createsFor(first.phone)).toHaveLength(1)

    // Anyone may ask /healthz: it stays 200, names the problem, and gives away nothing of the account.
    const degraded = await health(svc)
    expect(degraded.status).toBe(200)
    expect(degraded.body).toEqual({
      status: 'degraded',
      sandbox: true,
      problems: [{ kind: 'twilio_account', code: 20003, problem: 'credentials', since: expect.any(String) }],
    })
    for (const secret of [TWILIO.accountSid, TWILIO.authToken, TWILIO.from, 'TWILIO_']) expect(degraded.text).not.toContain(secret)

    // The operator reads what is wrong and what to do; a merchant only that calls are paused.
    const banner = await operatorPage(svc)
    expect(banner).toContain('data-service-hold="credentials"')
    expect(banner).toContain('check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN')
    expect(banner).toContain('Not checked yet')
    const merchant = await merchantPage(svc, storeB)
    expect(merchant).toContain('Thirrjet janë pezulluar nga shërbimi për momentin.')
    expect(merchant).not.toContain('TWILIO_')
    expect(merchant).toContain('thirrjet janë pezulluar për gjithë shërbimin për momentin')

    // A minute on, the probe asks Twilio (no one is called): still refused, so it stays paused and looks again in two.
    const reads = accountReads()
    later(MINUTE + 1_000, svc)
    await until(() => heldBy(svc)?.probes === 1, 'the first probe')
    expect(accountReads()).toBe(reads + 1)
    expect((await health(svc)).body.status).toBe('degraded')
    expect(await operatorPage(svc, '/orders')).toContain('not right yet (1 check)')
    for (const w of [first, ...waiting]) expect(callsTo(w.phone)).toHaveLength(0)

    // The operator puts the token right: the next probe lifts the pause and every order is called, once.
    twilio.account({ authToken: TWILIO.authToken })
    later(2 * MINUTE + 1_000, svc)
    await until(async () => (await health(svc)).body.status === 'ok', 'the pause to lift')
    expect((await health(svc)).body).toEqual({ status: 'ok', sandbox: true })
    for (const w of [first, ...waiting]) await until(() => callsTo(w.phone).length === 1, 'each held order to be called')
    for (const w of [first, ...waiting])
      await until(async () => (await orderView(svc, w.orderId)).attempts.at(-1)?.status === 'busy', 'the calls to end')
    await svc.scheduler.tick()
    expect([first, ...waiting].map((w) => callsTo(w.phone).length)).toEqual([1, 1, 1, 1, 1, 1])
    expect((await orderView(svc, waiting[0]!.orderId)).attempts).toHaveLength(1)
    expect(await operatorPage(svc)).not.toContain('data-service-hold')
  })
})

describe('a From number that is not the account’s', () => {
  const NOT_OURS = '+35542000999'
  let svc: CallingService
  let store: WooStore
  beforeAll(async () => {
    svc = await startCallingService(twilio, { TWILIO_FROM_NUMBER: NOT_OURS })
    store = await registerWooStore(svc, shopA)
  })
  afterAll(() => svc.close())

  it("pauses the calls, checks the account's numbers without calling anyone, and resumes once the number is added", async () => {
    const first = await order(svc, shopA, store)
    await until(() => heldBy(svc) !== undefined, 'the pause')
    expect(heldBy(svc)).toMatchObject({ problem: 'from_number', code: 21210 })
    const words = await operatorPage(svc)
    expect(words).toContain('TWILIO_FROM_NUMBER (+355…99) is not a number of this Twilio account or a verified caller ID (21210)')
    expect(words).not.toContain(NOT_OURS)
    const second = await order(svc, shopA, store)
    await until(async () => (await orderView(svc, second.orderId)).waitReason === 'twilio_account', 'the second order to wait')

    const since = twilio.requests.length
    later(MINUTE + 1_000, svc)
    await until(() => heldBy(svc)?.probes === 1, 'the first probe')
    const asked = twilio.requests.slice(since).map((r) => `${r.method} ${r.path.split('/').at(-1)} ${r.status}`)
    expect(asked).toEqual(expect.arrayContaining(['GET IncomingPhoneNumbers.json 200', 'GET OutgoingCallerIds.json 200']))
    expect(asked.filter((r) => r.startsWith('POST'))).toEqual([])
    expect(createsFor(second.phone)).toHaveLength(0)

    // The number is bought into (or ported to) the account.
    twilio.account({ incomingNumbers: [TWILIO.from, NOT_OURS] })
    later(2 * MINUTE + 1_000, svc)
    await until(() => callsTo(second.phone).length === 1 && callsTo(first.phone).length === 1, 'both orders to be called')
    expect(heldBy(svc)).toBeUndefined()
    expect(createsFor(second.phone)).toHaveLength(1)
    expect(createsFor(first.phone).map((r) => r.status)).toEqual([400, 201])
  })
})

describe('two workers on one database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callconfirm-hold-'))
  const shared = { DATABASE_PATH: join(dir, 'callconfirm.db'), ENCRYPTION_KEY: randomBytes(32).toString('base64') }
  let a: CallingService
  let b: CallingService
  beforeAll(async () => {
    a = await startCallingService(twilio, { ...shared, WORKER_ID: 'worker-a' })
    b = await startCallingService(twilio, { ...shared, WORKER_ID: 'worker-b' })
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('both stop dialling while Twilio refuses the account, one of them probes each time, and either resumes the calls', async () => {
    const store = await registerWooStore(a, shopB)
    twilio.account({ authToken: 'rotated-in-the-console' })
    const first = await order(a, shopB, store)
    await until(async () => (await health(b)).body.status === 'degraded', 'the other worker to see the pause')
    // Orders arriving at either worker wait.
    const waiting = [await order(a, shopB, store), await order(b, shopB, store), await order(b, shopB, store)]
    for (const w of waiting) await until(async () => (await orderView(a, w.orderId)).waitReason === 'twilio_account', 'the order to wait')
    await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    for (const w of waiting) expect(createsFor(w.phone)).toHaveLength(0)

    // Each probe is asked once, by whichever worker claims it first.
    const reads = accountReads()
    later(MINUTE + 1_000, a, b)
    await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    await until(() => heldBy(a)?.probes === 1, 'the first probe')
    await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick(), b.scheduler.tick()])
    expect(accountReads()).toBe(reads + 1)
    later(2 * MINUTE + 1_000, a, b)
    await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    await until(() => heldBy(a)?.probes === 2, 'the second probe')
    await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick(), b.scheduler.tick()])
    expect(accountReads()).toBe(reads + 2)

    twilio.account({ authToken: TWILIO.authToken })
    later(4 * MINUTE + 1_000, a, b)
    for (const w of [first, ...waiting]) await until(() => callsTo(w.phone).length === 1, 'each order to be called')
    await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    expect([first, ...waiting].map((w) => callsTo(w.phone).length)).toEqual([1, 1, 1, 1])
    expect(accountReads()).toBe(reads + 3)
    expect((await health(a)).body.status).toBe('ok')
    expect((await health(b)).body.status).toBe('ok')
  })
})

describe('refusals that do not hold the account back', () => {
  let svc: CallingService
  let store: WooStore
  beforeAll(async () => {
    svc = await startCallingService(twilio)
    store = await registerWooStore(svc, shopA)
  })
  afterAll(() => svc.close())

  it("one about a single call (a geo permission, an unknown code) leaves everyone else's calls going", async () => {
    twilio.refuseNextCreates(1, { status: 400, code: 21215, message: 'Account not authorized to call this number.', to: nextCustomerPhone() })
    const forbidden = await order(svc, shopA, store)
    twilio.refuseNextCreates(1, { status: 400, code: 13999, message: 'Something about this call', to: nextCustomerPhone() })
    const odd = await order(svc, shopA, store)
    const other = await order(svc, shopA, store)
    await until(() => callsTo(other.phone).length === 1, 'the other order to be called')
    await until(async () => (await orderView(svc, forbidden.orderId)).status === 'done', 'the forbidden number to close')
    expect(await orderView(svc, forbidden.orderId)).toMatchObject({ outcome: 'failed' })
    await until(async () => (await orderView(svc, odd.orderId)).attempts[0]?.status === 'not-placed', 'the odd refusal')
    expect(createsFor(odd.phone)).toEqual([expect.objectContaining({ status: 400, code: 13999 })])
    expect(heldBy(svc)).toBeUndefined()
    expect((await health(svc)).body).toEqual({ status: 'ok', sandbox: true })
  })

  it('the request rate (20429) pauses every call for 15 seconds, lifted without asking Twilio anything', async () => {
    twilio.refuseNextCreates(1, { status: 429, code: 20429, message: 'Too Many Requests', to: nextCustomerPhone() })
    const limited = await order(svc, shopA, store)
    await until(() => heldBy(svc) !== undefined, 'the pause')
    expect((await health(svc)).body.problems).toEqual([expect.objectContaining({ code: 20429, problem: 'rate' })])
    const next = await order(svc, shopA, store)
    await until(async () => (await orderView(svc, next.orderId)).waitReason === 'twilio_account', 'the next order to wait')
    expect(createsFor(next.phone)).toHaveLength(0)

    const reads = accountReads()
    later(16_000, svc)
    await until(() => callsTo(next.phone).length === 1, 'the next order to be called')
    expect(accountReads()).toBe(reads)
    expect(heldBy(svc)).toBeUndefined()
    // The limited order itself tries again after its own minute.
    later(MINUTE, svc)
    await until(() => callsTo(limited.phone).length === 1, 'the limited order to be called')
  })
})
