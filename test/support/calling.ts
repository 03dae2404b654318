import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from '../../src/sandbox/realtime/simulator.js'
import { SAMPLE_CUSTOMERS, shopifyOrderPayload, wooOrderPayload } from '../../src/sandbox/sampleOrders.js'
import type { ShopifyAdminSimulator, ShopOrder } from '../../src/sandbox/shopify-admin/simulator.js'
import { hear } from '../../src/sandbox/speech.js'
import { deliverShopifyWebhook, deliverWooWebhook } from '../../src/sandbox/storeWebhooks.js'
import type { CustomerScript } from '../../src/sandbox/twilio/mediaStream.js'
import { type PhoneBehaviour, type SimulatedCall, startTwilioSimulator, type TwilioSimulator } from '../../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from '../../src/sandbox/woocommerce/simulator.js'
import type { ServiceOptions } from '../../src/service.js'
import { startTestService, type TestService } from './service.js'
import { freePort, until, zoneWhereItIs } from './wait.js'

export const TWILIO = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'calling-test-auth-token', from: '+35542000111' }

/** Twilio for the calling tests, its clock at 1/100 (rings and timeouts pass quickly). */
export const startTestTwilio = () =>
  startTwilioSimulator({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, fromNumbers: [TWILIO.from], timeScale: 0.01 })

/** The simulated model speaks fast (10 ms a character) and starts at once: tests measure our part. */
export const startFastRealtime = (apiKey: string) => startRealtimeSimulator({ apiKey, msPerChar: 10, firstAudioMs: 0 })

export type CallingService = TestService & { publicUrl: string; clock: { offset: number; now: () => number } }

/**
 * callconfirm with its scheduler on, Twilio (and what else `env` names) simulated, callbacks
 * reaching it at its own loopback address, and a clock of its own that tests move forward.
 */
export async function startCallingService(
  twilio: TwilioSimulator,
  env: Record<string, string> = {},
  options: ServiceOptions = {},
): Promise<CallingService> {
  const clock = { offset: 0, now: () => Date.now() + clock.offset }
  const port = env.PORT ?? String(await freePort())
  const publicUrl = `http://127.0.0.1:${port}`
  const svc = await startTestService(
    {
      PORT: port,
      PUBLIC_URL: publicUrl,
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.from,
      TWILIO_API_ORIGIN: twilio.origin,
      TWILIO_CALLS_PER_SECOND: '100',
      // Every outside service here is a simulator, whatever credentials the test gives.
      SANDBOX: '1',
      ...env,
    },
    { schedule: true, now: clock.now, ...options },
  )
  return Object.assign(svc, { publicUrl, clock })
}

export interface WooStore {
  id: string
  secret: string
}

export async function registerWooStore(
  svc: Pick<TestService, 'api'>,
  woo: WooCommerceSimulator,
  settings: Record<string, unknown> = {},
): Promise<WooStore> {
  const res = await svc.api('POST', '/api/stores', {
    platform: 'woocommerce',
    siteUrl: woo.siteUrl,
    consumerKey: woo.consumerKey,
    consumerSecret: woo.consumerSecret,
    settings: { timezone: zoneWhereItIs(12), companyName: 'Dyqani Lule', ...settings },
  })
  return { id: res.body.store.id, secret: res.body.webhook.secret }
}

/**
 * A Shopify shop of its own in the simulated Shopify (`<prefix>-<random>.myshopify.com`, so faults
 * aimed at it hit nothing else), registered with callconfirm as a custom app: its token and the
 * secret its webhooks are signed with; open for calls now.
 */
export async function registerShopifyStore(
  svc: Pick<TestService, 'api'>,
  shop: ShopifyAdminSimulator,
  setup: { prefix: string; webhookSecret: string },
) {
  const domain = `${setup.prefix}-${randomBytes(4).toString('hex')}.myshopify.com`
  const accessToken = `shpat_${randomBytes(16).toString('hex')}`
  shop.addShop(domain, accessToken)
  const res = await svc.api('POST', '/api/stores', {
    platform: 'shopify',
    shopDomain: domain,
    accessToken,
    webhookSecret: setup.webhookSecret,
    settings: { timezone: zoneWhereItIs(12), companyName: 'Dyqani Lule', retryDelaysMinutes: [] },
  })
  expect(res.status).toBe(201)
  return { domain, id: res.body.store.id as string }
}

/** The merchant pastes our URL and secret into WooCommerce → Settings → Advanced → Webhooks. */
export async function pasteWooWebhook(woo: WooCommerceSimulator, url: string, secret: string): Promise<void> {
  const res = await fetch(`${woo.siteUrl}/wp-json/wc/v3/webhooks`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${woo.consumerKey}:${woo.consumerSecret}`)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'callconfirm', topic: 'order.created', delivery_url: url, secret, status: 'active' }),
  })
  if (res.status !== 201) throw new Error(`pasting the webhook failed: ${res.status} ${await res.text()}`)
}

let nextOrder = 5000

/** A fresh order id (and so a fresh customer number). */
export const nextOrderId = () => nextOrder++

/** The phone of the next order placed here (to script Twilio for it beforehand). */
export const nextCustomerPhone = () => customer(nextOrder).phone

/** A customer with their own Albanian mobile number, so per-number limits stay out of the way. */
export function customer(n: number) {
  const local = `069${String(10_000_000 + n).slice(1)}`
  return { phone: `+355${local.slice(1)}`, customer: { ...SAMPLE_CUSTOMERS[1]!, phone: local } }
}

/** A new order placed in the simulated WooCommerce store, its phone scripted, and delivered. */
export async function placeWooOrder(
  svc: Pick<TestService, 'url'>,
  sims: { woo: WooCommerceSimulator; twilio: TwilioSimulator },
  store: WooStore,
  behaviours: PhoneBehaviour[],
  change: Partial<WooOrder> = {},
) {
  const id = nextOrderId()
  const { phone, customer: c } = customer(id)
  sims.twilio.script(phone, ...behaviours)
  const payload = { ...(wooOrderPayload({ id, customer: c }) as unknown as WooOrder), ...change }
  sims.woo.addOrder(payload)
  const res = await deliverWooWebhook({ url: `${svc.url}/webhooks/woocommerce/${store.id}`, secret: store.secret, source: sims.woo.siteUrl, payload })
  return { orderId: (res.body as { orderId: number }).orderId, phone, platformOrderId: id }
}

/**
 * A new order placed in a simulated Shopify shop (registered with registerShopifyStore, its webhooks
 * signed with `webhookSecret`), numbered as its id, its phone scripted, and delivered; `tags` and `note` read the shop's
 * order as its merchant sees it.
 */
export async function placeShopifyOrder(
  svc: Pick<TestService, 'url'>,
  sims: { shop: ShopifyAdminSimulator; twilio: TwilioSimulator },
  store: { domain: string; webhookSecret: string },
  behaviours: PhoneBehaviour[],
) {
  const id = nextOrderId()
  const { phone, customer: c } = customer(id)
  sims.twilio.script(phone, ...behaviours)
  const payload = shopifyOrderPayload({ id: BigInt(id), orderNumber: id, customer: c }) as unknown as ShopOrder
  sims.shop.addOrder(store.domain, { ...payload, note: '' })
  const res = await deliverShopifyWebhook({
    url: `${svc.url}/webhooks/shopify`,
    secret: store.webhookSecret,
    shop: store.domain,
    topic: 'orders/create',
    payload,
  })
  expect(res.status).toBe(200)
  const platformOrderId = String(id)
  return {
    orderId: (res.body as { orderId: number }).orderId,
    phone,
    customer: c,
    platformOrderId,
    tags: () => sims.shop.tags(store.domain, platformOrderId),
    note: () => String(sims.shop.order(store.domain, platformOrderId)!.note ?? ''),
  }
}

/** The order as the API shows it. */
export const orderView = async (svc: Pick<TestService, 'api'>, orderId: number) => (await svc.api('GET', `/api/orders/${orderId}`)).body

/** What a voice test calls through: Twilio (its clock at 1/100), OpenAI Realtime and a WooCommerce store, all simulated, and callconfirm. */
export interface VoiceWorld {
  twilio: TwilioSimulator
  realtime: RealtimeSimulator
  woo: WooCommerceSimulator
  svc: CallingService
  store: WooStore
  close(): Promise<void>
}

export async function startVoiceWorld(setup: {
  realtime: Omit<RealtimeSimulatorOptions, 'apiKey'>
  env?: Record<string, string>
  service?: ServiceOptions
  store?: Record<string, unknown>
}): Promise<VoiceWorld> {
  const apiKey = `sk-test-${crypto.randomUUID()}`
  const twilio = await startTestTwilio()
  const realtime = await startRealtimeSimulator({ apiKey, ...setup.realtime })
  const woo = await startWooCommerceSimulator()
  const svc = await startCallingService(twilio, { OPENAI_API_KEY: apiKey, OPENAI_REALTIME_URL: realtime.url, ...setup.env }, setup.service)
  const store = await registerWooStore(svc, woo, setup.store)
  return {
    twilio,
    realtime,
    woo,
    svc,
    store,
    async close() {
      await svc.close()
      await realtime.close()
      await twilio.close()
      await woo.close()
    },
  }
}

/** One order whose customer does what `script` says, called and settled: the order, the simulated call and the model's session. */
export async function callThrough(world: VoiceWorld, script: CustomerScript, extra: { hangUpAfterMs?: number } = {}) {
  const { svc, woo, twilio, realtime, store } = world
  const before = realtime.sessions.length
  const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human', ringMs: 100, script, ...extra }])
  await until(() => twilio.calls.some((c) => c.to === placed.phone && c.endedAt !== null), 'the call to end', 20_000)
  const simulated = twilio.calls.find((c) => c.to === placed.phone)!
  await until(async () => (await orderView(svc, placed.orderId)).status !== 'calling', 'the call to be settled', 10_000)
  const session = realtime.sessions.slice(before).find((s) => s.responses.length > 0)
  return { ...placed, simulated, session, order: await orderView(svc, placed.orderId) }
}

/** What the customer heard on a call, as the simulated phone decodes it, phrase by phrase. */
export const heardOn = (call: SimulatedCall) => hear(call.stream!.heardAudio()).join(' | ')
