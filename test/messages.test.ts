import twilioSdk from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import type { MessagingReach, SimulatedMessage } from '../src/sandbox/twilio/messaging.js'
import type { PhoneBehaviour, TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { createOrderTemplate } from '../src/sandbox/whatsappTemplate.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  customer,
  nextCustomerPhone,
  nextOrderId,
  orderView,
  placeWooOrder,
  registerShopifyStore,
  registerWooStore,
  startCallingService,
  startTestTwilio,
  TWILIO,
  type WooStore,
} from './support/calling.js'
import { cookieBrowser } from './support/cookieBrowser.js'
import { until } from './support/wait.js'

const WEBHOOK_SECRET = 'shpss_messages_secret'
const MINUTE = 60_000

let twilio: TwilioSimulator
let shop: ShopifyAdminSimulator
let woo: WooCommerceSimulator
let svc: CallingService
/** The store's approved WhatsApp template, made through the simulated Content API as a merchant would. */
let contentSid: string

beforeAll(async () => {
  twilio = await startTestTwilio()
  shop = await startShopifyAdminSimulator()
  woo = await startWooCommerceSimulator()
  svc = await startCallingService(twilio, { SHOPIFY_ADMIN_API_ORIGIN: shop.origin })
  twilio.messaging.webhook(TWILIO.from, `${svc.publicUrl}/twilio/messages/incoming`)
  // The Albanian quick reply a merchant makes in Twilio's Content Template Builder (README).
  contentSid = await createOrderTemplate(twilio)
})
afterAll(async () => {
  await svc.close()
  await Promise.all([twilio.close(), shop.close(), woo.close()])
})

const view = (orderId: number) => orderView(svc, orderId)
const messagesTo = (phone: string) => twilio.messaging.list.filter((m) => m.direction === 'outbound-api' && m.to.replace(/^whatsapp:/, '') === phone)
const KONFIRMO = { button: { payload: 'confirm', text: 'Konfirmo' } }
const ANULO = { button: { payload: 'cancel', text: 'Anulo' } }

/** A WooCommerce store that writes to customers its one call did not reach, with its WhatsApp template. */
const wooStore = (settings: Record<string, unknown> = {}) =>
  registerWooStore(svc, woo, { retryDelaysMinutes: [], messaging: { whatsappContentSid: contentSid }, ...settings })

/** An order whose customer misses the call (and takes messages as `reach` says). */
async function missedOrder(store: WooStore, reach: MessagingReach = {}, calls: PhoneBehaviour[] = [{ kind: 'no-answer' }]) {
  twilio.messaging.reach(nextCustomerPhone(), reach)
  return placeWooOrder(svc, { woo, twilio }, store, calls)
}

/** Waits for the order's `n`-th message of ours to reach the customer's phone, and returns it. */
async function nthMessage(phone: string, n: number): Promise<SimulatedMessage> {
  await until(() => messagesTo(phone).length >= n, `message ${n} to the customer`, 20_000)
  return messagesTo(phone)[n - 1]!
}

/** The messages on the order's page (its API view), once the latest has the status given. */
async function orderMessagesOnce(orderId: number, check: (messages: Array<Record<string, unknown>>) => boolean, what: string) {
  await until(async () => check((await view(orderId)).messages), what, 20_000)
  return (await view(orderId)).messages as Array<Record<string, unknown>>
}

describe('a customer who missed the call', () => {
  it('gets the WhatsApp template, taps “Konfirmo”, and the Shopify order is tagged call-confirmed with a note saying so', async () => {
    const store = await registerShopifyStore(svc, shop, { prefix: 'messages', webhookSecret: WEBHOOK_SECRET })
    expect((await svc.api('PATCH', `/api/stores/${store.id}`, { messaging: { whatsappContentSid: contentSid } })).status).toBe(200)
    const id = nextOrderId()
    const { phone, customer: c } = customer(id)
    twilio.script(phone, { kind: 'no-answer' })
    const payload = shopifyOrderPayload({ id: BigInt(id), customer: c }) as unknown as ShopOrder
    shop.addOrder(store.domain, { ...payload })
    const res = await deliverShopifyWebhook({
      url: `${svc.url}/webhooks/shopify`,
      secret: WEBHOOK_SECRET,
      shop: store.domain,
      topic: 'orders/create',
      payload,
    })
    const orderId = (res.body as { orderId: number }).orderId

    const whatsapp = await nthMessage(phone, 1)
    expect(whatsapp.channel).toBe('whatsapp')
    expect(whatsapp.contentSid).toBe(contentSid)
    const variables = JSON.parse(whatsapp.params.ContentVariables!)
    expect(variables).toMatchObject({ 1: 'Dyqani Lule', 2: payload.name })
    expect(variables[3]).toMatch(/L$/)
    expect(await view(orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
    // The order's page shows the message as Twilio's callbacks move it on, and what it cost.
    const shown = await orderMessagesOnce(orderId, (m) => m[0]?.status === 'read', 'the message to be read')
    expect(shown[0]).toMatchObject({ direction: 'outbound', channel: 'whatsapp', purpose: 'ask', costUsd: 0.005 })

    const tap = await twilio.messaging.reply(phone, KONFIRMO)
    expect(tap.callbacks[0]!.status).toBe(200)
    expect(await view(orderId)).toMatchObject({ outcome: 'confirmed', evidence: 'Confirmed on WhatsApp: “Konfirmo”.' })
    await until(() => shop.tags(store.domain, String(id)).includes('call-confirmed'), 'the tag on the Shopify order', 20_000)
    expect(shop.tags(store.domain, String(id))).not.toContain('call-no-answer')
    const note = String(shop.order(store.domain, String(id))!.note)
    expect(note).toMatch(/\[callconfirm\] .* Konfirmuar: Konfirmoi në WhatsApp: “Konfirmo”\.$/)
    // And they are thanked, in the store's language.
    expect((await nthMessage(phone, 2)).body).toContain('u konfirmua')
    // What the messages cost is part of the order's cost, beside its call's.
    const priced = await orderMessagesOnce(orderId, (m) => m.length === 3 && m[2]!.costUsd !== null, 'the thanks to be priced')
    const { attempts, costUsd } = await view(orderId)
    const calls = attempts.reduce((sum: number, a: { costUsd: number | null }) => sum + (a.costUsd ?? 0), 0)
    expect(priced.map((m) => m.costUsd)).toEqual([0.005, null, 0.005])
    expect(costUsd).toBeCloseTo(calls + 0.01, 6)
  })

  it('without WhatsApp gets an SMS with the answer link and “1 / 2”, and “2” cancels the order', async () => {
    const store = await wooStore()
    const { orderId, phone } = await missedOrder(store, { whatsapp: false })
    const sms = await nthMessage(phone, 2)
    expect(messagesTo(phone)[0]).toMatchObject({ channel: 'whatsapp', status: 'failed', errorCode: 63003 })
    expect(sms.channel).toBe('sms')
    expect(sms.body).toMatch(new RegExp(`${svc.publicUrl}/a/[0-9a-z]+`))
    expect(sms.body).toMatch(/1 .*2/)
    const shown = await orderMessagesOnce(orderId, (m) => m[1]?.status === 'delivered', 'the SMS to be delivered')
    expect(shown[0]).toMatchObject({ channel: 'whatsapp', status: 'failed', refusal: 'not_on_whatsapp', errorCode: 63003 })
    expect(shown[1]).toMatchObject({ channel: 'sms', purpose: 'ask' })

    await twilio.messaging.reply(phone, { text: '2' })
    expect(await view(orderId)).toMatchObject({ outcome: 'cancelled', evidence: 'Cancelled by SMS: “2”.' })

    // The merchant's order page lists the messages, theirs and ours, with what Twilio said of each.
    const merchant = cookieBrowser()
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string
    await merchant.fetch(`${svc.url}/enter?t=${encodeURIComponent(new URL(link).searchParams.get('t')!)}`)
    const page = await (await merchant.fetch(`${svc.url}/orders/${orderId}`)).text()
    const rows = [...page.matchAll(/<tr data-message="\d+" data-status="([a-z_]+)">([\s\S]*?)<\/tr>/g)].map((m) => [
      m[1],
      m[2]!.replace(/<[^>]+>/g, ''),
    ])
    expect(rows.map(([status]) => status)).toEqual(['failed', 'delivered', 'received', expect.any(String)])
    expect(rows[0]![1]).toContain('dështoi (Gabim Twilio 63003)')
    expect(rows[2]![1]).toMatch(/Nga klienti \(SMS\):\s*2/)
  })

  it('a forged or unsigned messaging webhook is refused and changes nothing', async () => {
    const store = await wooStore()
    const { orderId, phone } = await missedOrder(store)
    await nthMessage(phone, 1)
    const form = {
      MessageSid: `SM${'9'.repeat(32)}`,
      From: `whatsapp:${phone}`,
      To: `whatsapp:${TWILIO.from}`,
      Body: 'Konfirmo',
      ButtonPayload: 'confirm',
    }
    const url = `${svc.publicUrl}/twilio/messages/incoming`
    const forged = twilioSdk.getExpectedTwilioSignature('not-our-auth-token', url, form)
    for (const headers of [{ 'x-twilio-signature': forged }, {}] as Array<Record<string, string>>) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      })
      expect(res.status).toBe(403)
    }
    expect(await view(orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
  })

  it('a reply Twilio delivers twice is acted on once', async () => {
    const store = await wooStore()
    const { orderId, phone } = await missedOrder(store)
    await nthMessage(phone, 1)
    const first = await twilio.messaging.reply(phone, { text: 'kur vjen?' })
    // The unclear reply gets the choices; the same message again must not count as a second unclear reply.
    await nthMessage(phone, 2)
    const { url, params } = first.callbacks[0]!
    const again = await fetch(url, {
      method: 'POST',
      headers: {
        'x-twilio-signature': twilioSdk.getExpectedTwilioSignature(TWILIO.authToken, url, params),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params),
    })
    expect(again.status).toBe(200)
    expect(await view(orderId)).toMatchObject({ outcome: 'no_answer' })
    expect((await view(orderId)).messages.filter((m: { direction: string }) => m.direction === 'inbound')).toHaveLength(1)
    expect(messagesTo(phone)).toHaveLength(2)
  })

  it('an unclear reply is answered once with the choices, and a second one sends the order to review', async () => {
    const store = await wooStore()
    const { orderId, phone } = await missedOrder(store)
    await nthMessage(phone, 1)
    await twilio.messaging.reply(phone, { text: 'po, por ndryshoni adresën' })
    const choices = await nthMessage(phone, 2)
    expect(choices.body).toMatch(/1 .* 2/)
    expect((await view(orderId)).outcome).toBe('no_answer')
    await twilio.messaging.reply(phone, { text: 'adresa: rruga e Kavajës 12' })
    expect(await view(orderId)).toMatchObject({
      outcome: 'needs_review',
      evidence: 'Replied on WhatsApp, but not clearly yes or no: “adresa: rruga e Kavajës 12”.',
    })
    expect(messagesTo(phone)).toHaveLength(2)
    // The person who reviews it is not the end of it: a clear answer after that still closes the order.
    await twilio.messaging.reply(phone, KONFIRMO)
    expect((await view(orderId)).outcome).toBe('confirmed')
  })

  it('a reply after the order was answered is acknowledged and changes nothing', async () => {
    const store = await wooStore()
    const { orderId, phone } = await missedOrder(store)
    await nthMessage(phone, 1)
    await twilio.messaging.reply(phone, KONFIRMO)
    await nthMessage(phone, 2)
    await until(async () => (await view(orderId)).storeWrites.every((w: { status: string }) => w.status === 'done'), 'the write to the store')
    const writes = (await view(orderId)).storeWrites.length
    await twilio.messaging.reply(phone, ANULO)
    const after = await view(orderId)
    expect(after).toMatchObject({ outcome: 'confirmed', evidence: 'Confirmed on WhatsApp: “Konfirmo”.' })
    expect(after.storeWrites).toHaveLength(writes)
    const ack = await nthMessage(phone, 3)
    expect(ack.body).toContain('ka tashmë një përgjigje')
  })

  /** A store that writes after the first unanswered call, and would call again a minute later. */
  const firstCallStore = () => wooStore({ retryDelaysMinutes: [1], messaging: { whatsappContentSid: contentSid, after: 'first_call' } })
  /** The order's next rung comes: it is dropped, not dialled, for the number's STOP. */
  async function nextCallDropped(orderId: number, phone: string) {
    svc.clock.offset += MINUTE
    svc.scheduler.wake()
    await until(async () => (await view(orderId)).status === 'skipped', 'the next call to be dropped')
    expect(await view(orderId)).toMatchObject({ skipReason: 'do_not_contact', attempts: [expect.anything()] })
    expect(twilio.calls.filter((c) => c.to === phone)).toHaveLength(1)
  }

  it('“NDALO” on WhatsApp is acknowledged once, and nothing more is sent or called to the number', async () => {
    const { orderId, phone } = await missedOrder(await firstCallStore(), {}, [{ kind: 'no-answer' }, { kind: 'no-answer' }])
    await nthMessage(phone, 1)
    expect((await view(orderId)).status).toBe('queued')
    await twilio.messaging.reply(phone, { text: 'NDALO' })
    expect((await nthMessage(phone, 2)).body).toContain('Nuk do të merrni më')
    await nextCallDropped(orderId, phone)
    // Their answer still counts if they give one, but nothing is written back to them.
    await twilio.messaging.reply(phone, { text: 'po' })
    expect((await view(orderId)).outcome).toBe('confirmed')
    await svc.scheduler.tick()
    expect(messagesTo(phone)).toHaveLength(2)
  })

  it('STOP by SMS stops the calls too (Twilio itself answers the STOP)', async () => {
    const { orderId, phone } = await missedOrder(await firstCallStore(), { whatsapp: false }, [{ kind: 'no-answer' }, { kind: 'no-answer' }])
    expect((await nthMessage(phone, 2)).channel).toBe('sms')
    const stop = await twilio.messaging.reply(phone, { text: 'STOP' })
    expect(stop.callbacks[0]!.status).toBe(200)
    await nextCallDropped(orderId, phone)
    await svc.scheduler.tick()
    expect(messagesTo(phone)).toHaveLength(2)
  })
})

describe('the store’s wait before writing', () => {
  it('writes the minutes after the last call the store asks for, not before', async () => {
    const store = await wooStore({ messaging: { whatsappContentSid: contentSid, delayMinutes: 30 } })
    const { orderId, phone } = await missedOrder(store)
    // The question waits on the order, due half an hour on: the scheduler's passes send nothing before.
    const [waiting] = await orderMessagesOnce(orderId, (m) => m.length === 1, 'the question to be queued')
    expect(waiting).toMatchObject({ channel: 'whatsapp', purpose: 'ask', status: 'due' })
    await svc.scheduler.tick()
    expect(messagesTo(phone)).toEqual([])
    svc.clock.offset += 30 * 60_000
    expect((await nthMessage(phone, 1)).channel).toBe('whatsapp')
  })
})
