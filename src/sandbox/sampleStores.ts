import type { ReadyConfig } from '../deps.js'
import type { PlatformName } from '../stores/platform.js'
import { BEHAVIOURS, type CustomerBehaviour } from './customers.js'
import { SAMPLE_CUSTOMERS, type SampleCustomer, shopifyOrderPayload, wooOrderPayload } from './sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from './shopify-admin/simulator.js'
import type { Delivery } from './storeWebhooks.js'
import type { TwilioSimulator } from './twilio/simulator.js'
import { createOrderTemplate } from './whatsappTemplate.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from './woocommerce/simulator.js'

export const SAMPLE_SHOP = { domain: 'dyqani-demo.myshopify.com', name: 'Dyqani Demo' }
export const SAMPLE_WOO_NAME = 'Butiku Lule'

/** What a sample store is set to when it is first made: calls at any hour, one call per order (no ladder), so a test order reaches its outcome in a minute. */
const SAMPLE_SETTINGS = {
  timezone: 'Europe/Tirane',
  callingHours: { start: '00:00', end: '23:59' },
  retryDelaysMinutes: [],
  maxConcurrentCalls: 5,
}

/** The running callconfirm the sample stores are installed into (the Node service or the Worker: only its API is used). */
export interface SandboxHost {
  url: string
  adminToken: string
  twilio: TwilioSimulator
}

export interface SampleStore {
  id: string
  platform: PlatformName
  name: string
}

/** One platform's sample store, as its customers order there and as its own admin shows an order. */
interface SampleShop {
  placeOrder(number: number, customer: SampleCustomer, now: Date): Promise<{ platformOrderId: string; deliveries: Delivery[] }>
  storeSide(platformOrderId: string): StoreSideOrder | undefined
}

/** What the simulated store shows the merchant on an order: tags and note (Shopify), meta, private notes and status (WooCommerce). */
export interface StoreSideOrder {
  /** Shopify's tags; a WooCommerce order has none. */
  tags: string[]
  /** WooCommerce's meta fields of ours (`_callconfirm_outcome`); a Shopify order has none. */
  meta: Record<string, string>
  notes: string[]
  status?: string
}

export interface TestOrder {
  orderId: number
  storeId: string
  platformOrderId: string
  behaviour: CustomerBehaviour
}

export interface SandboxStores {
  /** The sample shop's Shopify admin with callconfirm open in it (the simulated admin, App Bridge's stand-in). */
  shopifyAdminUrl: string
  /** `config` with the Shopify app and Admin API pointed at the simulated Shopify. */
  configure(config: ReadyConfig): ReadyConfig
  /** Installs the sample shop and store into callconfirm as a merchant would (OAuth, one-click connect). */
  install(host: SandboxHost): Promise<SampleStore[]>
  stores: SampleStore[]
  /** A customer who behaves as asked places a cash-on-delivery order in a sample store. */
  placeTestOrder(storeId: string, behaviour: CustomerBehaviour): Promise<TestOrder>
  /** The order as the store's own admin shows it now. */
  storeSide(storeId: string, platformOrderId: string): StoreSideOrder | undefined
  close(): Promise<void>
}

/** Shopify's and WordPress's login screens turn crawlers away: the "merchant" here is a browser. */
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36' }

/**
 * Follows a merchant's click through redirects, carrying the cookies set on the way, as far as
 * this machine goes (a finished Shopify install sends the merchant on to admin.shopify.com).
 */
async function click(url: string): Promise<Response> {
  let cookie = ''
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(url, { redirect: 'manual', headers: { ...BROWSER, ...(cookie ? { cookie } : {}) } })
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0])
    if (set.length) cookie = [cookie, ...set].filter(Boolean).join('; ')
    const next = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !next) return res
    const to = new URL(next, url)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(to.hostname)) return res
    await res.arrayBuffer()
    url = to.toString()
  }
  throw new Error(`too many redirects from ${url}`)
}

/** A fresh Albanian mobile number, so each test customer has their own daily call limit. */
const newPhone = () => `069${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`

/**
 * The sandbox's shops: a simulated Shopify with the sample shop and a simulated WooCommerce store,
 * on loopback in this process. The WooCommerce store listens on `wooPort` when it is free, so the
 * store keeps its address (and its record here) from one start to the next.
 */
export async function startSandboxStores(options: { publicUrl: string; wooPort?: number }): Promise<SandboxStores> {
  const app = { apiKey: `sandbox-${crypto.randomUUID()}`, apiSecret: `shpss_${crypto.randomUUID().replace(/-/g, '')}` }
  const shopify: ShopifyAdminSimulator = await startShopifyAdminSimulator({
    app: { ...app, redirectUrls: [`${options.publicUrl}/shopify/callback`], applicationUrl: `${options.publicUrl}/shopify/app` },
  })
  shopify.addShop(SAMPLE_SHOP.domain, undefined, undefined, { name: SAMPLE_SHOP.name, ianaTimezone: 'Europe/Tirane', country: 'AL' })
  const woo: WooCommerceSimulator = await startWooCommerceSimulator({ port: options.wooPort })
  let host: SandboxHost | undefined
  const stores: SampleStore[] = []
  /** The next order number: sample orders number on from the ones already received, across both stores. */
  let nextNumber = 0

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${host!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${host!.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    // The sandbox's own calls to its own API: the shapes are the API's, checked by its tests.
    // biome-ignore lint/suspicious/noExplicitAny: the caller reads the fields it asked for
    return res.json() as Promise<any>
  }
  const listStores = async () =>
    (await api('GET', '/api/stores')).stores as Array<{ id: string; platform: string; shopDomain?: string; siteUrl?: string; companyName: string }>

  /** Installs through the merchant's own path; a store made now gets the sample settings. */
  async function installOne(
    platform: SampleStore['platform'],
    begin: string,
    isIt: (s: Awaited<ReturnType<typeof listStores>>[number]) => boolean,
    settings: Record<string, unknown>,
  ) {
    const existed = (await listStores()).some(isIt)
    const done = await click(begin)
    if (done.status >= 400) throw new Error(`installing the sample ${platform} store failed: ${done.status} ${await done.text()}`)
    await done.arrayBuffer()
    const store = (await listStores()).find(isIt)
    if (!store) throw new Error(`the sample ${platform} store was not registered`)
    if (!existed) await api('PATCH', `/api/stores/${store.id}`, { ...SAMPLE_SETTINGS, ...settings })
    stores.push({ id: store.id, platform, name: (settings.companyName as string | undefined) ?? store.companyName })
  }

  /** How many orders callconfirm holds for a store, counted through its API a page at a time. */
  async function ordersReceived(storeId: string): Promise<number> {
    let received = 0
    let cursor: string | null = ''
    while (cursor !== null) {
      const page: { orders: unknown[]; nextCursor: string | null } = await api(
        'GET',
        `/api/orders?storeId=${storeId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      )
      received += page.orders.length
      cursor = page.nextCursor
    }
    return received
  }

  const storeOf = (storeId: string) => {
    const store = stores.find((s) => s.id === storeId)
    if (!store) throw new Error(`${storeId} is not a sample store`)
    return store
  }

  const shops: Record<PlatformName, SampleShop> = {
    shopify: {
      async placeOrder(number, customer, now) {
        const id = BigInt(now.getTime()) * 1000n + BigInt(number % 1000)
        const payload = shopifyOrderPayload({ id, orderNumber: number, customer, createdAt: now.toISOString() })
        return { platformOrderId: String(id), deliveries: await shopify.placeOrder(SAMPLE_SHOP.domain, payload as unknown as ShopOrder) }
      },
      storeSide(platformOrderId) {
        const order = shopify.order(SAMPLE_SHOP.domain, platformOrderId)
        if (!order) return undefined
        return { tags: shopify.tags(SAMPLE_SHOP.domain, platformOrderId), meta: {}, notes: order.note ? [String(order.note)] : [] }
      },
    },
    woocommerce: {
      async placeOrder(number, customer, now) {
        const iso = now.toISOString().slice(0, 19)
        const order = wooOrderPayload({ id: number, customer, status: 'on-hold' }) as unknown as WooOrder
        const payload = { ...order, date_created: iso, date_created_gmt: iso }
        return { platformOrderId: String(number), deliveries: await woo.placeOrder(payload) }
      },
      storeSide(platformOrderId) {
        const order = woo.order(Number(platformOrderId))
        if (!order) return undefined
        const outcome = order.meta_data.find((m) => m.key === '_callconfirm_outcome')?.value
        return {
          tags: [],
          meta: outcome ? { _callconfirm_outcome: String(outcome) } : ({} as Record<string, string>),
          notes: woo
            .notes(order.id)
            .filter((n) => !n.customer_note)
            .map((n) => n.note),
          status: order.status,
        }
      },
    },
  }

  return {
    shopifyAdminUrl: `${shopify.origin}/store/${SAMPLE_SHOP.domain.replace(/\.myshopify\.com$/, '')}/apps/${app.apiKey}`,
    configure: (config) => ({
      ...config,
      shopify: { ...config.shopify, apiKey: app.apiKey, apiSecret: app.apiSecret, adminApiOrigin: shopify.origin },
    }),
    stores,
    async install(h) {
      host = h
      // The sandbox's number sends the calls its customers make to it (a ring-back) to this callconfirm.
      h.twilio.inbound.configure({ voiceUrl: `${options.publicUrl}/twilio/incoming`, statusCallback: `${options.publicUrl}/twilio/incoming/status` })
      // And the replies its customers write to it (WhatsApp and SMS) to callconfirm's messaging webhook.
      for (const number of h.twilio.credentials().numbers) h.twilio.messaging.webhook(number, `${options.publicUrl}/twilio/messages/incoming`)
      const whatsappContentSid = await createOrderTemplate(h.twilio)
      stores.length = 0
      await installOne('shopify', `${h.url}/shopify/install?shop=${SAMPLE_SHOP.domain}`, (s) => s.shopDomain === SAMPLE_SHOP.domain, {})
      await installOne('woocommerce', `${h.url}/woocommerce/connect?store_url=${encodeURIComponent(woo.siteUrl)}`, (s) => s.siteUrl === woo.siteUrl, {
        companyName: SAMPLE_WOO_NAME,
        actions: { wooStatusOnConfirmed: 'processing', wooStatusOnCancelled: 'cancelled' },
      })
      // The simulated account is new on every start, and so is its template: a store kept from a last run gets today's.
      for (const store of stores) await api('PATCH', `/api/stores/${store.id}`, { messaging: { whatsappContentSid } })
      let received = 0
      for (const store of stores) received += await ordersReceived(store.id)
      nextNumber = 1001 + received
      return stores
    },
    async placeTestOrder(storeId, behaviour) {
      const store = storeOf(storeId)
      const number = nextNumber++
      const local = newPhone()
      const phone = `+355${local.slice(1)}`
      const play = BEHAVIOURS[behaviour]
      host!.twilio.script(phone, ...play.calls)
      if (play.ringsBack) host!.twilio.inbound.ringBackWhenMissed(phone, play.ringsBack)
      if (play.writesBack) {
        const { channel, reply, reach } = play.writesBack
        if (reach) host!.twilio.messaging.reach(phone, reach)
        host!.twilio.messaging.answerWhenDelivered(phone, channel, reply)
      }
      const customer = { ...SAMPLE_CUSTOMERS[number % SAMPLE_CUSTOMERS.length]!, phone: local, country: 'AL' }
      const { platformOrderId, deliveries } = await shops[store.platform].placeOrder(number, customer, new Date())
      const accepted = deliveries.find((d) => d.status === 200)?.body as { orderId?: number } | undefined
      if (accepted?.orderId === undefined) throw new Error(`the store's webhook was not accepted: ${JSON.stringify(deliveries)}`)
      return { orderId: accepted.orderId, storeId, platformOrderId, behaviour }
    },
    storeSide: (storeId, platformOrderId) => shops[storeOf(storeId).platform].storeSide(platformOrderId),
    async close() {
      await Promise.all([shopify.close(), woo.close()])
    },
  }
}
