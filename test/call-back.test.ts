import { count, eq } from 'drizzle-orm'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callAttempts } from '../src/db/schema.js'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { type ShopifyAdminSimulator, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import type { Caller } from '../src/sandbox/twilio/inbound.js'
import type { PhoneBehaviour, TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { parseTwiml } from '../src/sandbox/twilio/twiml.js'
import {
  type CallingService,
  heardOn,
  orderView,
  placeShopifyOrder,
  registerShopifyStore,
  startCallingService,
  startFastRealtime,
  startTestTwilio,
  TWILIO,
} from './support/calling.js'
import { until } from './support/wait.js'

const OPENAI_KEY = 'sk-test-call-back'
const WEBHOOK_SECRET = 'shpss_call_back_secret'
const MINUTE = 60_000

let phones: TwilioSimulator
let realtime: RealtimeSimulator
let shop: ShopifyAdminSimulator
let svc: CallingService
let store: { domain: string; id: string }

beforeAll(async () => {
  phones = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  shop = await startShopifyAdminSimulator()
  svc = await startCallingService(
    phones,
    { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url },
    { schedule: true, voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000 } },
  )
  // The number's Voice URL and call status callback, as the README says to set them in Twilio's console.
  phones.inbound.configure({ voiceUrl: `${svc.publicUrl}/twilio/incoming`, statusCallback: `${svc.publicUrl}/twilio/incoming/status` })
  store = await registerShopifyStore(svc, shop, { prefix: 'call-back', webhookSecret: WEBHOOK_SECRET })
})
afterAll(async () => {
  await svc.close()
  await Promise.all([phones.close(), realtime.close(), shop.close()])
})

/** The store's retry ladder from now on. */
const ladder = async (retryDelaysMinutes: number[]) =>
  expect((await svc.api('PATCH', `/api/stores/${store.id}`, { retryDelaysMinutes })).status).toBe(200)

/** A customer of their own orders in the shop; our calls to them go as `calls` says. */
const placeOrder = (calls: PhoneBehaviour[]) => placeShopifyOrder(svc, { shop, twilio: phones }, { ...store, webhookSecret: WEBHOOK_SECRET }, calls)

/** Waits until our call to the customer has gone unanswered and the order is settled for it (`status`). */
async function missed(placed: { orderId: number }, status: 'queued' | 'done') {
  await until(async () => {
    const order = await orderView(svc, placed.orderId)
    return order.attempts[0]?.status === 'no-answer' && order.status === status
  }, 'the call to go unanswered')
  return orderView(svc, placed.orderId)
}

/** A person who, once connected, says `words`. */
const saying = (words: string): Caller => ({ kind: 'human', script: { turns: [{ say: speak(words, 40) }] } })

/** Waits until the call is over and the order has its outcome, written to the store. */
async function answered(placed: { orderId: number }, call: { endedAt: number | null }) {
  await until(() => call.endedAt !== null, 'the call to end', 20_000)
  await until(
    async () => {
      const order = await orderView(svc, placed.orderId)
      return order.status === 'done' && order.storeWrites.every((w: { status: string }) => w.status === 'done')
    },
    'the outcome to reach the store',
    10_000,
  )
  return orderView(svc, placed.orderId)
}

const attemptsHeld = () => svc.deps.db.select({ n: count() }).from(callAttempts).get()!.n

describe('a customer who missed our call and rings the number back', () => {
  it('confirms by voice while a retry waits: the agent says we called about the order, the order is confirmed and noted, and the retry never goes out', async () => {
    await ladder([60])
    const placed = await placeOrder([{ kind: 'no-answer' }])
    const waiting = await missed(placed, 'queued')
    expect(waiting.nextCallAt).not.toBeNull()

    const call = await phones.inbound.call(placed.phone, TWILIO.from, saying('Po, e konfirmoj porosinë'))
    // Answered with the same media stream as a call we place, named for the call's own attempt.
    expect(call.webhook.status).toBe(200)
    const inbound = (await orderView(svc, placed.orderId)).attempts[1]
    expect(parseTwiml(call.webhook.twiml!)).toMatchObject([
      {
        verb: 'Connect',
        stream: {
          url: `ws://127.0.0.1:${svc.port}/twilio/media-stream/${svc.deps.streamKeys.key(inbound.id)}`,
          parameters: { attemptId: inbound.id },
        },
      },
    ])

    const order = await answered(placed, call)
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed', nextCallAt: null })
    expect(order.evidence).toContain('Po, e konfirmoj porosinë')
    // The call-back is the order's second attempt, ended by the number's status callback.
    expect(order.attempts.map((a: { direction: string; status: string }) => [a.direction, a.status])).toEqual([
      ['outbound', 'no-answer'],
      ['inbound', 'completed'],
    ])
    expect(order.attempts[1]).toMatchObject({ callSid: call.sid, endReason: 'agent_ended' })
    expect(order.attempts[1].durationSeconds).toEqual(expect.any(Number))
    // The agent answered at once, saying who it is and why we had called, in the store's language.
    expect(heardOn(call)).toContain('ju flet asistenti automatik i Dyqani Lule')
    expect(heardOn(call)).toContain(`Ju telefonuam më herët për porosinë tuaj ${order.name} në Dyqani Lule.`)
    expect(heardOn(call)).toContain('Mirupafshim!')
    // The store shows the confirmation as for any call: the tag, and the note with the customer's words.
    expect(placed.tags()).toContain('call-confirmed')
    expect(placed.tags()).not.toContain('call-pending')
    expect(placed.note()).toContain('Konfirmuar')
    expect(placed.note()).toContain('Konfirmoi në telefon: “Po, e konfirmoj porosinë”')

    // The hour the retry was due for comes, and nobody is called.
    svc.clock.offset += 61 * MINUTE
    await svc.scheduler.tick()
    expect(phones.calls.filter((c) => c.to === placed.phone)).toHaveLength(1)
    expect(await orderView(svc, placed.orderId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
  })

  it('confirms an order whose calls all went unanswered: the no-answer outcome gives way to the confirmation, in the store too', async () => {
    await ladder([])
    const placed = await placeOrder([{ kind: 'no-answer' }])
    expect(await missed(placed, 'done')).toMatchObject({ outcome: 'no_answer' })
    await until(() => placed.tags().includes('call-no-answer'), 'the no-answer tag to reach the store')

    const call = await phones.inbound.call(placed.phone, TWILIO.from, saying('Po, e konfirmoj'))
    const order = await answered(placed, call)
    expect(order).toMatchObject({ outcome: 'confirmed' })
    expect(order.attempts.map((a: { direction: string }) => a.direction)).toEqual(['outbound', 'inbound'])
    await until(() => placed.tags().includes('call-confirmed'), 'the confirmation to reach the store')
    expect(placed.tags()).not.toContain('call-no-answer')
  })

  it('is settled all the same when the number has no status callback: Twilio is asked about the call once it has gone quiet', async () => {
    await ladder([])
    phones.inbound.configure({ voiceUrl: `${svc.publicUrl}/twilio/incoming` })
    try {
      const placed = await placeOrder([{ kind: 'no-answer' }])
      await missed(placed, 'done')
      const call = await phones.inbound.call(placed.phone, TWILIO.from, saying('Po, e konfirmoj'))
      await until(() => call.endedAt !== null, 'the call to end', 20_000)
      await until(async () => (await orderView(svc, placed.orderId)).attempts[1]?.endReason != null, 'the stream to be written down')
      expect((await orderView(svc, placed.orderId)).status).toBe('calling')
      svc.clock.offset += 61_000
      await svc.scheduler.tick()
      expect(await orderView(svc, placed.orderId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
    } finally {
      phones.inbound.configure({ voiceUrl: `${svc.publicUrl}/twilio/incoming`, statusCallback: `${svc.publicUrl}/twilio/incoming/status` })
    }
  })

  it('is told politely that the order is being called right now, and no second conversation opens', async () => {
    await ladder([])
    // Our call is on the line (the customer says nothing) when their other phone rings us.
    const placed = await placeOrder([{ kind: 'human', ringMs: 100, hangUpAfterMs: 2_500 }])
    await until(async () => (await orderView(svc, placed.orderId)).attempts[0]?.status === 'in-progress', 'our call to be answered')
    const call = await phones.inbound.call(placed.phone, TWILIO.from, saying('Po'))
    expect(parseTwiml(call.webhook.twiml!)).toEqual([
      { verb: 'Say', text: 'Përshëndetje. Po ju telefonojmë pikërisht tani për porosinë tuaj. Ju lutemi përgjigjuni thirrjes sonë. Mirupafshim.' },
      { verb: 'Hangup' },
    ])
    await until(() => call.endedAt !== null, 'the line to hang up')
    expect(call.stream).toBeUndefined()
    expect((await orderView(svc, placed.orderId)).attempts).toHaveLength(1)
  })
})

describe('a caller the agent has nothing for', () => {
  it('with no open order hears, in the store’s language, that there is nothing to confirm, and is hung up; nothing is touched', async () => {
    const before = attemptsHeld()
    const call = await phones.inbound.call('+355694440001', TWILIO.from, saying('Alo?'))
    expect(call.webhook.status).toBe(200)
    expect(parseTwiml(call.webhook.twiml!)).toEqual([
      {
        verb: 'Say',
        text: 'Përshëndetje. Faleminderit që na telefonuat. Nuk kemi asnjë porosi për të konfirmuar nga ky numër. Mirupafshim.',
      },
      { verb: 'Hangup' },
    ])
    await until(() => call.endedAt !== null, 'the line to hang up')
    expect(call).toMatchObject({ status: 'completed', stream: undefined, errors: [] })
    await phones.settled()
    expect(attemptsHeld()).toBe(before)
  })

  it('with a withheld number is asked to call from the number on the order', async () => {
    const call = await phones.inbound.call('anonymous', TWILIO.from)
    const [say] = parseTwiml(call.webhook.twiml!)
    expect(say).toEqual({
      verb: 'Say',
      text: 'Përshëndetje. Faleminderit që na telefonuat. Numri juaj është i fshehur, prandaj nuk e gjejmë dot porosinë tuaj. Ju lutemi na telefononi nga numri që keni dhënë me porosinë. Mirupafshim.',
    })
  })
})

describe('a forged incoming-call webhook', () => {
  it('is refused, unsigned or signed with another token, and nothing happens to the order it names', async () => {
    await ladder([60])
    const placed = await placeOrder([{ kind: 'no-answer' }])
    await missed(placed, 'queued')
    const url = `${svc.publicUrl}/twilio/incoming`
    const params = {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: `CA${'f'.repeat(32)}`,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: placed.phone,
      To: TWILIO.from,
      Caller: placed.phone,
      Called: TWILIO.from,
    }
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) })
    const unsigned = await post({})
    const forged = await post({ 'x-twilio-signature': twilio.getExpectedTwilioSignature('not-our-auth-token', url, params) })
    expect([unsigned.status, forged.status]).toEqual([403, 403])
    expect(await forged.json()).toMatchObject({ error: { code: 'invalid_signature' } })
    // The status route is refused as well.
    const status = await fetch(`${url}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: new URLSearchParams({ ...params, CallStatus: 'completed' }),
    })
    expect(status.status).toBe(403)

    const order = await orderView(svc, placed.orderId)
    expect(order).toMatchObject({ status: 'queued', outcome: null })
    expect(order.attempts).toHaveLength(1)
    expect(svc.deps.db.select().from(callAttempts).where(eq(callAttempts.callSid, params.CallSid)).all()).toEqual([])
  })
})
