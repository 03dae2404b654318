import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { appBridgeSessionToken, hostParam, signedQuery } from '../src/sandbox/shopify-admin/oauth.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { type CallingService, customer, nextOrderId, orderView, startCallingService, startFastRealtime, startTestTwilio } from './support/calling.js'
import { freePort, until, zoneWhereItIs } from './support/wait.js'

const OPENAI_KEY = 'sk-test-install'
const APP = { apiKey: 'callconfirm-install-test-key', apiSecret: 'shpss_install_test_app_secret' }
/** Shopify's OAuth refuses crawlers: the merchant's browser says who it is. */
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36' }

let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let shopify: ShopifyAdminSimulator
let svc: CallingService

beforeAll(async () => {
  const port = await freePort()
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  shopify = await startShopifyAdminSimulator({ app: { ...APP, redirectUrls: [`http://127.0.0.1:${port}/shopify/callback`] } })
  svc = await startCallingService(
    twilio,
    {
      PORT: String(port),
      SHOPIFY_API_KEY: APP.apiKey,
      SHOPIFY_API_SECRET: APP.apiSecret,
      SHOPIFY_ADMIN_API_ORIGIN: shopify.origin,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_REALTIME_URL: realtime.url,
      NEW_STORE_DAILY_CALLS: '9',
      STORE_SIGNUP: 'approve',
      // Every install here comes from this machine's one address: more than a stranger may begin.
    },
    { installRateLimit: { limit: 1000 } },
  )
})
afterAll(async () => {
  await svc?.close()
  await Promise.all([twilio.close(), realtime.close(), shopify.close()])
})

let shops = 0
function newShop(profile: { name?: string; ianaTimezone?: string; country?: string } = {}) {
  const domain = `install-${++shops}-${randomBytes(3).toString('hex')}.myshopify.com`
  shopify.addShop(domain, undefined, undefined, { name: 'Dyqani Arbeni', ianaTimezone: zoneWhereItIs(12), ...profile })
  return domain
}

const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')

/** The merchant clicks install: our redirect to Shopify, Shopify's approval screen, and the redirect back. */
async function beginInstall(domain: string) {
  const begun = await fetch(`${svc.url}/shopify/install?shop=${domain}`, { redirect: 'manual', headers: BROWSER })
  expect(begun.status).toBe(302)
  const authorize = begun.headers.get('location')!
  const approved = await fetch(authorize, { redirect: 'manual', headers: BROWSER })
  expect(approved.status).toBe(302)
  return { authorize: new URL(authorize), callback: approved.headers.get('location')!, cookie: cookiesOf(begun) }
}

const openCallback = (url: string, cookie: string) => fetch(url, { redirect: 'manual', headers: { ...BROWSER, cookie } })

async function install(domain: string) {
  const { callback, cookie } = await beginInstall(domain)
  const done = await openCallback(callback, cookie)
  return { done, callback, cookie }
}

const storeFor = async (domain: string) =>
  ((await svc.api('GET', '/api/stores')).body.stores as Array<Record<string, any>>).find((s) => s.shopDomain === domain)

/** A customer orders in the shop; Shopify sends the webhook to whoever subscribed. */
async function customerOrders(domain: string) {
  const id = nextOrderId()
  const { phone, customer: c } = customer(id)
  // The customer presses 1 to confirm.
  twilio.script(phone, { kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 1_500, digit: '1' }] } })
  const deliveries = await shopify.placeOrder(domain, shopifyOrderPayload({ id: BigInt(id), customer: c }) as unknown as ShopOrder)
  return { id: String(id), deliveries }
}

async function orderIdFor(platformOrderId: string): Promise<number> {
  let found: number | undefined
  await until(async () => {
    const list = (await svc.api('GET', '/api/orders?limit=100')).body.orders as Array<{ id: number; platformOrderId: string }>
    found = list.find((o) => o.platformOrderId === platformOrderId)?.id
    return found !== undefined
  }, 'the order to arrive')
  return found!
}

describe('installing from Shopify', () => {
  it('sends the merchant to Shopify’s approval screen with the app’s scopes, offline access and our callback', async () => {
    const { authorize } = await beginInstall(newShop())
    expect(authorize.origin + authorize.pathname).toBe(`${shopify.origin}/admin/oauth/authorize`)
    expect(authorize.searchParams.get('client_id')).toBe(APP.apiKey)
    expect(authorize.searchParams.get('scope')).toBe('write_orders,write_merchant_managed_fulfillment_orders') // a write scope includes its read
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${svc.publicUrl}/shopify/callback`)
    expect(authorize.searchParams.get('grant_options[]')).toBe('')
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThanOrEqual(15)
  })

  it('stores the shop with its token sealed, subscribes its webhooks, and calls and writes back its next order', async () => {
    const domain = newShop({ name: 'Dyqani Arbeni', country: 'XK' })
    const { done } = await install(domain)
    expect(done.status).toBe(302)
    const host = Buffer.from(`admin.shopify.com/store/${domain.replace('.myshopify.com', '')}`).toString('base64url')
    expect(done.headers.get('location')).toBe(`https://${Buffer.from(host, 'base64url').toString()}/apps/${APP.apiKey}`)

    expect(shopify.webhooks(domain)).toEqual([
      { topic: 'ORDERS_CREATE', uri: `${svc.publicUrl}/webhooks/shopify` },
      { topic: 'APP_UNINSTALLED', uri: `${svc.publicUrl}/webhooks/shopify` },
    ])
    const store = await storeFor(domain)
    expect(store).toMatchObject({ enabled: true, hasCredentials: true, companyName: 'Dyqani Arbeni', country: 'XK' })
    const token = shopify.tokenOf(domain)!
    expect(token).toMatch(/^shpua_/)
    const database = readFileSync(join(svc.directory, 'callconfirm.db'))
    expect(database.includes(token)).toBe(false)

    const { id, deliveries } = await customerOrders(domain)
    expect(deliveries.map((d) => d.status)).toEqual([200])
    const orderId = await orderIdFor(id)
    await until(async () => (await orderView(svc, orderId)).outcome === 'confirmed', 'the customer to confirm', 20_000)
    await until(() => shopify.tags(domain, id).includes('call-confirmed'), 'the tag on the Shopify order')
    expect(shopify.tags(domain, id)).not.toContain('call-pending')
  })

  it('lets a shop installed from Shopify call at once, within the low daily limit of a new store', async () => {
    const domain = newShop()
    await install(domain)
    // Shopify vouches for the shop, so STORE_SIGNUP=approve (a WooCommerce setting) does not hold it back.
    expect(await storeFor(domain)).toMatchObject({ approved: true, dailyCallLimit: 9, dailyCallLimitIsDefault: false })
  })

  it('stops calling when the merchant uninstalls, and resumes when they install again', async () => {
    const domain = newShop()
    await install(domain)
    const deliveries = await shopify.uninstall(domain)
    expect(deliveries.map((d) => d.status)).toEqual([200])
    await until(async () => (await storeFor(domain))?.enabled === false, 'the store to be turned off')

    // A delivery Shopify was still retrying from before the uninstall: stored, never called.
    const late = nextOrderId()
    const { customer: c } = customer(late)
    const res = await deliverShopifyWebhook({
      url: `${svc.url}/webhooks/shopify`,
      secret: APP.apiSecret,
      shop: domain,
      topic: 'orders/create',
      payload: shopifyOrderPayload({ id: BigInt(late), customer: c }),
    })
    expect(res.status).toBe(200)
    const lateOrder = await orderView(svc, (res.body as { orderId: number }).orderId)
    expect(lateOrder.status).toBe('skipped')
    expect(twilio.calls.filter((call) => call.to === customer(late).phone)).toEqual([])

    const again = await install(domain)
    expect(again.done.status).toBe(302)
    expect(await storeFor(domain)).toMatchObject({ enabled: true, disabledReason: null })
    expect(shopify.webhooks(domain)).toHaveLength(2)
    const { id } = await customerOrders(domain)
    const orderId = await orderIdFor(id)
    await until(async () => (await orderView(svc, orderId)).outcome === 'confirmed', 'the call after reinstalling', 20_000)
  })

  it('refreshes an expired token once, however many calls need it at that moment', async () => {
    const domain = newShop()
    await install(domain)
    const before = shopify.tokenOf(domain)
    // 56 minutes on: the hour-long token has four minutes left, too few to start a call on.
    svc.clock.offset += 56 * 60_000
    shopify.expireToken(domain)
    try {
      const placed = await Promise.all([customerOrders(domain), customerOrders(domain), customerOrders(domain)])
      for (const { id } of placed) await until(() => shopify.tags(domain, id).includes('call-confirmed'), 'every order written back', 15_000)
    } finally {
      svc.clock.offset -= 56 * 60_000
    }
    const refreshes = shopify.tokenRequests.filter((r) => r.shop === domain && r.grantType === 'refresh_token')
    expect(refreshes).toEqual([{ shop: domain, grantType: 'refresh_token', status: 200 }])
    expect(shopify.tokenOf(domain)).not.toBe(before)
  })

  it('finishes the install but says so, in the store’s language, when Shopify will not send orders without protected-data approval', async () => {
    // An Albanian shop: its merchant reads Albanian, with what Shopify said in Shopify's words.
    const domain = newShop({ country: 'AL' })
    shopify.withholdProtectedData(domain)
    const { done } = await install(domain)
    expect(done.status).toBe(502)
    const page = await done.text()
    expect(page).toContain('<html lang="sq">')
    expect(page).toContain('<h1>U instalua, por porositë nuk do të vijnë te callconfirm</h1>')
    expect(page).toContain('Shopify nuk pranoi të na dërgojë porositë e reja:')
    expect(page).toContain('not approved to subscribe to webhook topics containing protected customer data')
    expect(page).toContain(
      'Për të lexuar numrat e telefonit të klientëve duhet që Shopify të miratojë aksesin në të dhënat e mbrojtura të klientëve (Partner Dashboard → aplikacioni → API access → Protected customer data: emri, telefoni dhe adresa).',
    )
    expect(page).toContain(`<a href="/shopify/install?shop=${domain}">Pasi të miratohet, instalojeni përsëri.</a>`)
    expect(shopify.webhooks(domain)).toEqual([{ topic: 'APP_UNINSTALLED', uri: `${svc.publicUrl}/webhooks/shopify` }])

    // A British shop's merchant reads English, whatever their browser asks for.
    const english = newShop({ country: 'GB' })
    shopify.withholdProtectedData(english)
    const { callback, cookie } = await beginInstall(english)
    const res = await fetch(callback, { redirect: 'manual', headers: { ...BROWSER, cookie, 'accept-language': 'sq' } })
    expect(res.status).toBe(502)
    const inEnglish = await res.text()
    expect(inEnglish).toContain('<h1>Installed, but orders will not reach callconfirm</h1>')
    expect(inEnglish).toContain('Shopify refused to send us new orders:')
    expect(inEnglish).toContain(
      'Reading customers’ phone numbers needs Shopify’s approval for protected customer data (Partner Dashboard → the app → API access → Protected customer data: name, phone and address).',
    )
    expect(inEnglish).toContain('Once it is approved, install again.')
  })
})

describe('the app inside the Shopify admin', () => {
  it('opens the shop’s dashboard for App Bridge’s session token or Shopify’s signed query, framed only by its admin', async () => {
    const domain = newShop({ name: 'Dyqani Teuta' })
    await install(domain)
    const open = (query: Record<string, string>) =>
      fetch(`${svc.url}/shopify/app?${new URLSearchParams(query)}`, { redirect: 'manual', headers: BROWSER })

    const token = appBridgeSessionToken(APP, domain)
    const withToken = await open({ embedded: '1', shop: domain, host: hostParam(domain), id_token: token })
    expect(withToken.status).toBe(302)
    const home = withToken.headers.get('location')!
    expect(home).toBe(`/?${new URLSearchParams({ embedded: '1', shop: domain, host: hostParam(domain), id_token: token })}`)
    const overview = await fetch(`${svc.url}${home}`, { redirect: 'manual', headers: BROWSER })
    expect(overview.status).toBe(200)
    expect(overview.headers.get('content-security-policy')).toContain(
      `frame-ancestors https://${domain} https://admin.shopify.com ${shopify.origin};`,
    )
    expect(overview.headers.get('x-frame-options')).toBeNull()
    const signed = signedQuery(
      { embedded: '1', host: hostParam(domain), shop: domain, timestamp: String(Math.floor(Date.now() / 1000)) },
      APP.apiSecret,
    )
    // No token in Shopify's signed query: the dashboard has App Bridge's bounce page get one.
    const signedOpen = await open(Object.fromEntries(signed))
    expect(signedOpen.status).toBe(302)
    const bounced = await fetch(`${svc.url}${signedOpen.headers.get('location')}`, { redirect: 'manual', headers: BROWSER })
    expect(bounced.status).toBe(302)
    expect(new URL(bounced.headers.get('location')!, svc.url).pathname).toBe('/shopify/session-token')

    // A token for another shop, or signed with another app's secret, opens nothing.
    expect((await open({ shop: domain, id_token: appBridgeSessionToken(APP, newShop()) })).status).toBe(401)
    expect((await open({ shop: domain, id_token: appBridgeSessionToken({ apiKey: APP.apiKey, apiSecret: 'another-secret' }, domain) })).status).toBe(
      401,
    )
  })

  it('sends a shop that has not installed callconfirm to the install', async () => {
    const domain = newShop()
    const res = await fetch(`${svc.url}/shopify/app?shop=${domain}&id_token=${appBridgeSessionToken(APP, domain)}`, {
      redirect: 'manual',
      headers: BROWSER,
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/shopify/install?shop=${domain}`)
  })
})

describe('refusing installs that are not what they seem', () => {
  it('refuses a shop that is not a myshopify.com domain, in Albanian to a browser that asks for it and in English otherwise', async () => {
    const refusal = async (headers: Record<string, string> = {}) => {
      const res = await fetch(`${svc.url}/shopify/install?shop=evil.example.com`, { redirect: 'manual', headers: { ...BROWSER, ...headers } })
      expect(res.status).toBe(400)
      return res.text()
    }
    const albanian = await refusal({ 'accept-language': 'sq-AL,sq;q=0.9,en;q=0.5' })
    expect(albanian).toContain('<html lang="sq">')
    expect(albanian).toContain('<h1>Ky nuk është dyqan Shopify</h1>')
    expect(albanian).toContain('“evil.example.com” nuk është domeni myshopify.com i një dyqani, si p.sh. arbeni-shop.myshopify.com.')
    const english = await refusal()
    expect(english).toContain('<html lang="en">')
    expect(english).toContain('<h1>Not a Shopify shop</h1>')
    expect(english).toContain('“evil.example.com” is not a shop’s myshopify.com domain, such as arbeni-shop.myshopify.com.')
  })

  it('refuses a callback whose signature does not match, or that names another shop', async () => {
    const domain = newShop()
    const { callback, cookie } = await beginInstall(domain)
    const forged = new URL(callback)
    forged.searchParams.set('hmac', 'f'.repeat(64))
    expect((await openCallback(forged.href, cookie)).status).toBe(401)
    const otherShop = new URL(callback)
    otherShop.searchParams.set('shop', newShop())
    expect((await openCallback(otherShop.href, cookie)).status).toBe(401)
    expect(shopify.installed(domain)).toBe(false)
  })

  it('refuses a validly signed callback for an install this server never started', async () => {
    const domain = newShop()
    const query = signedQuery(
      { code: 'a'.repeat(32), shop: domain, state: '123456789012345', timestamp: String(Math.floor(Date.now() / 1000)) },
      APP.apiSecret,
    )
    const res = await openCallback(`${svc.url}/shopify/callback?${query}`, '')
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toContain('<h1>This install was not started here</h1>')
    expect(page).toContain('Start the install from the Shopify App Store or your Shopify admin.')
    const albanian = await fetch(`${svc.url}/shopify/callback?${query}`, { redirect: 'manual', headers: { ...BROWSER, 'accept-language': 'sq' } })
    expect(albanian.status).toBe(400)
    const inAlbanian = await albanian.text()
    expect(inAlbanian).toContain('<h1>Ky instalim nuk filloi këtu</h1>')
    expect(inAlbanian).toContain('Filloni instalimin nga Shopify App Store ose nga paneli juaj i Shopify-t.')
    expect(inAlbanian).toContain(`<a href="/shopify/install?shop=${domain}">Fillo nga e para</a>`)
  })

  it('refuses a replayed callback, and one whose state went stale', async () => {
    const domain = newShop()
    const first = await install(domain)
    expect(first.done.status).toBe(302)
    const replay = await openCallback(first.callback, first.cookie)
    expect(replay.status).toBe(409)
    expect(shopify.tokenRequests.filter((r) => r.shop === domain)).toHaveLength(1)

    const slow = newShop()
    const { callback, cookie } = await beginInstall(slow)
    svc.clock.offset += 11 * 60_000
    try {
      const res = await openCallback(callback, cookie)
      expect(res.status).toBe(400)
      expect(await res.text()).toContain('took too long')
    } finally {
      svc.clock.offset -= 11 * 60_000
    }
    expect(shopify.installed(slow)).toBe(false)
  })

  it('refuses a callback that arrives in a browser that did not start the install', async () => {
    const domain = newShop()
    const { callback } = await beginInstall(domain)
    const res = await openCallback(callback, '')
    expect(res.status).toBe(400)
    expect(shopify.installed(domain)).toBe(false)
  })
})
