import { eq } from 'drizzle-orm'
import type { Browser } from 'playwright-core'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callRecordings } from '../src/db/schema.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import { haveBrowser, launchBrowser } from './support/browser.js'
import {
  callThrough,
  customer,
  nextOrderId,
  orderView,
  registerShopifyStore,
  registerWooStore,
  startVoiceWorld,
  TWILIO,
  type VoiceWorld,
} from './support/calling.js'
import { cookieBrowser } from './support/cookieBrowser.js'
import { ADMIN_TOKEN } from './support/service.js'
import { until } from './support/wait.js'

const browserHere = haveBrowser('recording playback test')
const WEBHOOK_SECRET = 'shpss_recordings_secret'
const DAY = 24 * 3600_000
/** The customer says yes after the greeting (about 2.5 s at the simulated model's pace). */
const SAYS_YES = { speech: [{ atMs: 3_000, audio: speak('Po, e konfirmoj', 40) }] }

let world: VoiceWorld
let shop: ShopifyAdminSimulator
let otherWoo: WooCommerceSimulator

beforeAll(async () => {
  shop = await startShopifyAdminSimulator()
  world = await startVoiceWorld({
    realtime: { msPerChar: 10, firstAudioMs: 0 },
    env: { SHOPIFY_ADMIN_API_ORIGIN: shop.origin },
    service: { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000, helloWaitMs: 0 } },
    store: { retryDelaysMinutes: [] },
  })
  otherWoo = await startWooCommerceSimulator()
})
afterAll(async () => {
  await world?.close()
  await shop?.close()
  await otherWoo?.close()
})

/** The store's settings page, as the merchant saves it: only the boxes given are ticked. */
async function saveSettings(storeId: string, boxes: Record<string, string>) {
  const { svc } = world
  const link = (await svc.api('POST', `/api/stores/${storeId}/settings-link`)).body.url as string
  const page = await (await fetch(link)).text()
  const res = await fetch(`${svc.url}/settings`, {
    method: 'POST',
    headers: { origin: svc.url },
    body: new URLSearchParams({ t: new URL(link).searchParams.get('t')!, enabled: 'on', ...boxes }),
  })
  expect(res.status).toBe(200)
  return page
}

/** A signed-in dashboard session: the operator's, or the merchant's of `storeId` (from their settings link). */
async function dashboardSession(storeId?: string) {
  const { svc } = world
  const visitor = cookieBrowser()
  if (storeId) {
    const link = (await svc.api('POST', `/api/stores/${storeId}/settings-link`)).body.url as string
    await visitor.fetch(`${svc.url}/enter?t=${encodeURIComponent(new URL(link).searchParams.get('t')!)}`)
  } else
    await visitor.fetch(`${svc.url}/login`, {
      method: 'POST',
      headers: { origin: svc.url },
      body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/' }),
    })
  return visitor
}

const recordingUrl = (orderId: number, attemptId: string) => `${world.svc.url}/orders/${orderId}/recordings/${attemptId}`
const recordingRow = (attemptId: string) => world.svc.deps.db.select().from(callRecordings).where(eq(callRecordings.attemptId, attemptId)).get()
const atTwilio = (callSid: string) => world.twilio.recordings.list.find((r) => r.callSid === callSid)

/** A call through, its recording complete at Twilio and its callback stored. */
async function recordedCall() {
  const through = await callThrough(world, SAYS_YES)
  const attempt = through.order.attempts[0]
  await until(async () => (await orderView(world.svc, through.orderId)).attempts[0].recording?.status === 'completed', 'the recording', 10_000)
  return { ...through, attempt, order: await orderView(world.svc, through.orderId) }
}

describe('call recordings, for a store that switches them on', () => {
  let first: Awaited<ReturnType<typeof recordedCall>>

  it('places the call with a dual-channel recording and a signed callback, tells the agent, and stores what the callback says', async () => {
    const page = await saveSettings(world.store.id, { recordCalls: 'on' })
    expect(page).toContain('name="recordCalls"')
    expect(page).toContain('Agjenti i thotë klientit në fillim të thirrjes që ajo regjistrohet')
    expect((await world.svc.api('GET', `/api/stores/${world.store.id}`)).body.recordCalls).toBe(true)

    // Twilio has a bad day: the recording's callback comes ahead of the call's own `completed`, and twice.
    world.twilio.recordings.badDay({ early: true, twice: true })
    first = await recordedCall()
    const { simulated, attempt, session, order } = first
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(simulated.params).toMatchObject({
      Record: 'true',
      RecordingChannels: 'dual',
      RecordingStatusCallback: `${world.svc.publicUrl}/twilio/recording-status/${attempt.id}`,
      RecordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
    })
    expect(session!.session.instructions).toMatch(/this call is recorded/i)
    const recording = atTwilio(simulated.sid)!
    expect(order.attempts[0].recording).toEqual({ status: 'completed', channels: 2, durationSeconds: recording.durationSeconds })
    expect(recording.durationSeconds).toBeGreaterThanOrEqual(3)
    expect(recordingRow(attempt.id)).toMatchObject({ recordingSid: recording.sid, status: 'completed' })
    const told = simulated.callbacks.map((c) => c.params.RecordingStatus ?? c.params.CallStatus)
    expect(told.slice(-3)).toEqual(['completed', 'completed', 'completed'])
    expect(simulated.callbacks.at(-1)!.params.CallStatus).toBe('completed')
    expect(simulated.callbacks.every((c) => c.status === 204)).toBe(true)
    // Only what the callback said: Twilio's URL is nowhere in what we keep.
    expect(JSON.stringify(recordingRow(attempt.id))).not.toContain(world.twilio.origin)
  })

  it('refuses a forged recording callback and stores nothing of it', async () => {
    const { attempt, simulated } = first
    const url = `${world.svc.publicUrl}/twilio/recording-status/${attempt.id}`
    const params = {
      AccountSid: TWILIO.accountSid,
      CallSid: simulated.sid,
      RecordingSid: `RE${'e'.repeat(32)}`,
      RecordingStatus: 'absent',
      RecordingChannels: '1',
    }
    const post = (headers: Record<string, string>) =>
      fetch(`${world.svc.url}/twilio/recording-status/${attempt.id}`, { method: 'POST', headers, body: new URLSearchParams(params) })
    expect((await post({})).status).toBe(403)
    expect((await post({ 'x-twilio-signature': twilio.getExpectedTwilioSignature('not-the-auth-token', url, params) })).status).toBe(403)
    expect(recordingRow(attempt.id)).toMatchObject({ recordingSid: atTwilio(simulated.sid)!.sid, status: 'completed', channels: 2 })
  })

  it.skipIf(!browserHere)("plays on the order's page in a browser, through our server, as a two-channel WAV", async () => {
    const browser: Browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      await page.goto(`${world.svc.url}/login`)
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(`${world.svc.url}/`)
      await page.goto(`${world.svc.url}/orders/${first.orderId}`)
      const audio = page.locator('[data-recording="1"] audio')
      const src = await audio.getAttribute('src')
      expect(src).toBe(`/orders/${first.orderId}/recordings/${first.attempt.id}`)
      const duration = await audio.evaluate(
        (a: HTMLAudioElement) =>
          new Promise<number>((resolve, reject) => {
            if (a.readyState >= 1) return resolve(a.duration)
            a.addEventListener('loadedmetadata', () => resolve(a.duration))
            a.addEventListener('error', () => reject(new Error(`the audio did not load: ${a.error?.message}`)))
            a.load()
          }),
      )
      expect(duration).toBeCloseTo(atTwilio(first.simulated.sid)!.durationSeconds!, 0)
      const bytes = await page.evaluate(async (path) => {
        const res = await fetch(path)
        const head = new DataView(await res.arrayBuffer())
        return { status: res.status, type: res.headers.get('content-type'), channels: head.getUint16(22, true), rate: head.getUint32(24, true) }
      }, src!)
      expect(bytes).toEqual({ status: 200, type: 'audio/wav', channels: 2, rate: 8000 })
      // Neither Twilio's address nor the account's credentials reach the browser.
      const html = await page.content()
      for (const secret of [world.twilio.origin, TWILIO.authToken, atTwilio(first.simulated.sid)!.sid]) expect(html).not.toContain(secret)
    } finally {
      await browser.close()
    }
  })

  it("seeks with Range, and a merchant reaches only their own store's recordings", async () => {
    const url = recordingUrl(first.orderId, first.attempt.id)
    const merchant = await dashboardSession(world.store.id)
    const part = await merchant.fetch(url, { headers: { range: 'bytes=44-1043' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toMatch(/^bytes 44-1043\/\d+$/)
    expect((await part.arrayBuffer()).byteLength).toBe(1000)

    const other = await registerWooStore(world.svc, otherWoo)
    const stranger = await dashboardSession(other.id)
    const refused = await stranger.fetch(url)
    expect(refused.status).toBe(404)
    expect(refused.headers.get('content-type')).not.toContain('audio')
    // No session at all: the sign-in page.
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(303)
  })

  it('deletes the recording at Twilio and here on redaction', async () => {
    const store = await registerShopifyStore(world.svc, shop, { prefix: 'recorded', webhookSecret: WEBHOOK_SECRET })
    await world.svc.api('PATCH', `/api/stores/${store.id}`, { recordCalls: true })
    const id = nextOrderId()
    const { phone, customer: c } = customer(id)
    world.twilio.script(phone, { kind: 'human', ringMs: 100, script: SAYS_YES })
    const payload = shopifyOrderPayload({ id: BigInt(id), customerId: BigInt(9_000_000 + id), customer: c }) as unknown as ShopOrder
    shop.addOrder(store.domain, { ...payload })
    const topic = (name: string, body: unknown) =>
      deliverShopifyWebhook({ url: `${world.svc.url}/webhooks/shopify`, secret: WEBHOOK_SECRET, shop: store.domain, topic: name, payload: body })
    const orderId = ((await topic('orders/create', payload)).body as { orderId: number }).orderId
    await until(async () => (await orderView(world.svc, orderId)).attempts[0]?.recording?.status === 'completed', 'the recording', 25_000)
    const attempt = (await orderView(world.svc, orderId)).attempts[0]
    const sid = atTwilio(attempt.callSid)!.sid
    const operator = await dashboardSession()
    expect((await operator.fetch(recordingUrl(orderId, attempt.id))).status).toBe(200)

    // A data request names the recording among what is held on the customer.
    const who = { shop_domain: store.domain, customer: { id: 9_000_000 + id, phone: c.phone } }
    expect((await topic('customers/data_request', { ...who, orders_requested: [id] })).status).toBe(200)
    const [request] = (await world.svc.api('GET', `/api/stores/${store.id}/privacy-requests`)).body.requests
    expect(request.report.orders[0].recordings).toEqual([{ call: 1, status: 'completed', channels: 2, durationSeconds: expect.any(Number) }])

    const res = await topic('customers/redact', {
      shop_domain: store.domain,
      customer: { id: 9_000_000 + id, phone: c.phone },
      orders_to_redact: [id],
    })
    expect(res.status).toBe(200)
    // Not played from the moment of the redaction; deleted at Twilio by the next maintenance pass.
    expect((await orderView(world.svc, orderId)).attempts[0].recording).toBeNull()
    expect((await operator.fetch(recordingUrl(orderId, attempt.id))).status).toBe(404)
    await world.svc.maintain()
    expect(atTwilio(attempt.callSid)).toMatchObject({ sid, status: 'deleted' })
    expect(recordingRow(attempt.id)).toBeUndefined()
  }, 60_000)

  it('deletes recordings past the retention period at Twilio, trying again when a DELETE fails', async () => {
    const { attempt, simulated } = first
    const { svc } = world
    world.twilio.recordings.failNextDeletes(1)
    svc.clock.offset = 91 * DAY
    try {
      await svc.maintain()
      // Twilio refused: the recording is not played any more, and is still to be deleted.
      expect(atTwilio(simulated.sid)!.status).toBe('completed')
      expect(recordingRow(attempt.id)).toMatchObject({ deleteTries: 1, deleteError: expect.stringContaining('internal server error') })
      expect((await orderView(svc, first.orderId)).attempts[0].recording).toBeNull()
      svc.clock.offset += 2 * 60_000
      await svc.maintain()
      expect(atTwilio(simulated.sid)!.status).toBe('deleted')
      expect(recordingRow(attempt.id)).toBeUndefined()
    } finally {
      svc.clock.offset = 0
    }
  })
})

describe('a store with recording off', () => {
  it('asks Twilio for no recording, and the agent says nothing of one', async () => {
    await saveSettings(world.store.id, {})
    expect((await world.svc.api('GET', `/api/stores/${world.store.id}`)).body.recordCalls).toBe(false)
    const { simulated, order, session } = await callThrough(world, SAYS_YES)
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(simulated.params.Record).toBeUndefined()
    expect(simulated.params.RecordingStatusCallback).toBeUndefined()
    expect(atTwilio(simulated.sid)).toBeUndefined()
    expect(order.attempts[0].recording).toBeNull()
    expect(session!.session.instructions).not.toMatch(/recorded/i)
    const operator = await dashboardSession()
    expect(await (await operator.fetch(`${world.svc.url}/orders/${order.id}`)).text()).not.toContain('<audio')
  })
})
