import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDateTime } from '../src/i18n/format.js'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
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

/**
 * The note callconfirm leaves on the store's own order, in the store's language, whole: a call
 * runs through the simulated Twilio and model, and the note the simulated Shopify or WooCommerce
 * holds is compared in full. Only what the clock decides (when the write was made, how long the
 * call lasted) is read from the order's record.
 */

const OPENAI_KEY = 'sk-test-albanian-notes'
const WEBHOOK_SECRET = 'shpss_albanian_notes_secret'
const ZONE = zoneWhereItIs(12)

let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let shop: ShopifyAdminSimulator
let woo: WooCommerceSimulator
let svc: CallingService

beforeAll(async () => {
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  shop = await startShopifyAdminSimulator()
  woo = await startWooCommerceSimulator()
  svc = await startCallingService(twilio, { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url })
})
afterAll(async () => {
  await svc.close()
  await Promise.all([twilio.close(), realtime.close(), shop.close(), woo.close()])
})

const storeSettings = (language: string) => ({ language, timezone: ZONE, companyName: 'Dyqani Lule', retryDelaysMinutes: [] })
const says = (text: string): PhoneBehaviour => ({ kind: 'human', ringMs: 100, script: { speech: [{ atMs: 3_000, audio: speak(text, 40) }] } })
const presses = (digit: string): PhoneBehaviour => ({ kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 3_000, digit }] } })

async function shopifyStore(language: string) {
  const domain = `notes-${randomBytes(4).toString('hex')}.myshopify.com`
  const accessToken = `shpat_${randomBytes(16).toString('hex')}`
  shop.addShop(domain, accessToken)
  const res = await svc.api('POST', '/api/stores', {
    platform: 'shopify',
    shopDomain: domain,
    accessToken,
    webhookSecret: WEBHOOK_SECRET,
    settings: storeSettings(language),
  })
  expect(res.status).toBe(201)
  return domain
}

/** A Shopify order placed (no buyer's note) and its webhook delivered; its calls go as `phone` says. */
async function placeShopifyOrder(domain: string, phone: PhoneBehaviour[]) {
  const id = nextOrderId()
  const { phone: number, customer: c } = customer(id)
  twilio.script(number, ...phone)
  const payload = shopifyOrderPayload({ id: BigInt(id), customer: c }) as unknown as ShopOrder
  shop.addOrder(domain, { ...payload, note: '' })
  const res = await deliverShopifyWebhook({
    url: `${svc.url}/webhooks/shopify`,
    secret: WEBHOOK_SECRET,
    shop: domain,
    topic: 'orders/create',
    payload,
  })
  expect(res.status).toBe(200)
  return { orderId: (res.body as { orderId: number }).orderId, note: () => String(shop.order(domain, String(id))!.note ?? '') }
}

async function placeWoo(storeId: { id: string; secret: string }, phone: PhoneBehaviour[]) {
  const placed = await placeWooOrder(svc, { woo, twilio }, storeId, phone)
  return {
    orderId: placed.orderId,
    note: () =>
      woo
        .notes(placed.platformOrderId)
        .map((n) => n.note)
        .join('\n'),
  }
}

/** The order once its outcome is written to the store, with the two facts of the note the clock decided. */
async function written(orderId: number) {
  await until(
    async () =>
      (await orderView(svc, orderId)).storeWrites.some((w: { kind: string; status: string }) => w.kind === 'outcome' && w.status === 'done'),
    'the outcome to be written',
    30_000,
  )
  const order = await orderView(svc, orderId)
  const write = order.storeWrites.find((w: { kind: string }) => w.kind === 'outcome')
  // The note's date: when the write was decided, in the store's zone (sv-SE writes 2026-12-01 14:05).
  const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short' }).format(Date.parse(write.createdAt))
  const talked = order.attempts.filter((a: { endReason: string | null }) => a.endReason !== null).at(-1)?.durationSeconds as number | undefined
  return { order, stamp, talked }
}
/** A write's date as its note line gives it: when it was decided, in the store's zone (sv-SE writes 2026-12-01 14:05). */
const stampOf = (write: { createdAt: string }) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short' }).format(Date.parse(write.createdAt))
const length = (seconds: number | undefined, word: string) =>
  seconds ? ` (${word} ${seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`})` : ''

/** Asks for a call at 17:00 store time; at 17:00 nobody answers and the ladder (none) has run out: a person looks. */
async function callbackThenNoAnswer(placed: { orderId: number }) {
  await until(
    async () => (await orderView(svc, placed.orderId)).status === 'queued' && (await orderView(svc, placed.orderId)).attempts.length === 1,
    'the callback to be queued',
    30_000,
  )
  const queued = await orderView(svc, placed.orderId)
  const at = Date.parse(queued.nextCallAt)
  svc.clock.offset = Math.max(svc.clock.offset, at + 1_000 - Date.now())
  svc.scheduler.wake()
  return at
}

/** The store's merchant on their dashboard, signed in through their settings page's way in. */
async function merchantSession(storeId: string) {
  // On the service's clock, which earlier tests moved on.
  const token = svc.deps.settingsLinks.token({ id: storeId, linkVersion: 1 }, svc.clock.now() + 3600_000)
  const entered = await fetch(`${svc.url}/enter?t=${token}`, { redirect: 'manual' })
  expect(entered.status).toBe(303)
  const cookie = entered.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  /** Sends the order page's form, as the page's button does. */
  return async (orderId: number, form: Record<string, string>) => {
    const res = await fetch(`${svc.url}/orders/${orderId}`, {
      method: 'POST',
      headers: { cookie, origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
    expect(res.status).toBe(200)
  }
}

/** Waits for the order's `n`-th write (from 1) to the store to be delivered, and gives it. */
async function delivered(orderId: number, n: number) {
  await until(
    async () => (await orderView(svc, orderId)).storeWrites.filter((w: { status: string }) => w.status === 'done').length >= n,
    `write ${n} to the store`,
    30_000,
  )
  return (await orderView(svc, orderId)).storeWrites[n - 1]
}

const CALL_BACK = 'Më telefononi më vonë në 17:00'
const CANCEL = 'Jo, nuk e dua më, faleminderit.'

describe.each([
  ['Shopify', async () => shopifyStore('sq'), (store: any, phone: PhoneBehaviour[]) => placeShopifyOrder(store, phone)],
  ['WooCommerce', async () => registerWooStore(svc, woo, storeSettings('sq')), (store: any, phone: PhoneBehaviour[]) => placeWoo(store, phone)],
])('an Albanian %s store', (_platform, makeStore, place) => {
  it('gets a confirmation noted in Albanian', async () => {
    const placed = await place(await makeStore(), [says('Po, e konfirmoj')])
    const { stamp, talked } = await written(placed.orderId)
    expect(placed.note()).toBe(`[callconfirm] ${stamp} Konfirmuar${length(talked, 'telefonata')}: Konfirmoi në telefon: “Po, e konfirmoj”.`)
  })

  it('gets a cancellation noted in Albanian with the customer’s words, quoted once, one full stop', async () => {
    const placed = await place(await makeStore(), [says(CANCEL)])
    const { stamp, talked } = await written(placed.orderId)
    expect(placed.note()).toBe(`[callconfirm] ${stamp} Anuluar${length(talked, 'telefonata')}: Anuloi në telefon. Klienti tha “${CANCEL}”`)
  })

  it('gets the keypad press noted in Albanian', async () => {
    const placed = await place(await makeStore(), [presses('2')])
    const { stamp, talked } = await written(placed.orderId)
    expect(placed.note()).toBe(`[callconfirm] ${stamp} Anuluar${length(talked, 'telefonata')}: Shtypi 2 në tastierë për të anuluar.`)
  })

  it('gets a callback that came to nothing noted in Albanian, with the time asked for in the store’s zone', async () => {
    const placed = await place(await makeStore(), [says(CALL_BACK), { kind: 'no-answer' }])
    const at = await callbackThenNoAnswer(placed)
    const { order, stamp, talked } = await written(placed.orderId)
    expect(order.outcome).toBe('needs_review')
    expect(formatDateTime(at, ZONE, 'sq')).toMatch(/ në 17:00$/)
    expect(placed.note()).toBe(
      `[callconfirm] ${stamp} Për shqyrtim${length(talked, 'telefonata')}: Kërkoi ta telefonojmë përsëri më ${formatDateTime(at, ZONE, 'sq')}: “${CALL_BACK}”.`,
    )
  })
})

describe.each([
  ['Shopify', async () => shopifyStore('sq'), (store: any, phone: PhoneBehaviour[]) => placeShopifyOrder(store, phone)],
  ['WooCommerce', async () => registerWooStore(svc, woo, storeSettings('sq')), (store: any, phone: PhoneBehaviour[]) => placeWoo(store, phone)],
])('an Albanian %s store’s merchant', (_platform, makeStore, place) => {
  it('marks an order confirmed and adds a note, both noted in Albanian', async () => {
    const placed = await place(await makeStore(), [{ kind: 'no-answer' }])
    const { order, stamp, talked } = await written(placed.orderId)
    expect(order.outcome).toBe('no_answer')
    const act = await merchantSession(order.storeId)
    await act(placed.orderId, { do: 'confirm' })
    const marked = await delivered(placed.orderId, order.storeWrites.length + 1)
    await act(placed.orderId, { do: 'note', note: 'Klienti do ta marrë vetë në dyqan.' })
    const noted = await delivered(placed.orderId, order.storeWrites.length + 2)
    expect([marked.kind, noted.kind]).toEqual(['outcome', 'note'])
    expect(placed.note()).toBe(
      [
        `[callconfirm] ${stamp} Pa përgjigje${length(talked, 'telefonata')}: 1 thirrje: 1 pa përgjigje.`,
        // The merchant's mark was reached without a call: no call length on its line.
        `[callconfirm] ${stampOf(marked)} Konfirmuar: Shënuar si e konfirmuar nga tregtari (ishte: Pa përgjigje).`,
        `[callconfirm] ${stampOf(noted)} Shënim nga tregtari: Klienti do ta marrë vetë në dyqan.`,
      ].join('\n'),
    )
  })
})

describe('an English store', () => {
  it('still gets its notes in English, on Shopify and on WooCommerce', async () => {
    const onShopify = await placeShopifyOrder(await shopifyStore('en'), [says(CANCEL)])
    const onWoo = await placeWoo(await registerWooStore(svc, woo, storeSettings('en-US')), [says('Po, e konfirmoj')])
    const shopify = await written(onShopify.orderId)
    expect(onShopify.note()).toBe(
      `[callconfirm] ${shopify.stamp} Cancelled${length(shopify.talked, 'call')}: Cancelled on the call. The customer said “${CANCEL}”`,
    )
    const wooCommerce = await written(onWoo.orderId)
    expect(onWoo.note()).toBe(
      `[callconfirm] ${wooCommerce.stamp} Confirmed${length(wooCommerce.talked, 'call')}: Confirmed on the call: “Po, e konfirmoj”.`,
    )
  })
})
