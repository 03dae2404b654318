import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import { type CallingService, customer, nextOrderId, orderView, startCallingService, startFastRealtime, startTestTwilio } from './support/calling.js'
import { cookieBrowser } from './support/cookieBrowser.js'
import { until, zoneWhereItIs } from './support/wait.js'

const OPENAI_KEY = 'sk-test-woo-connect'

let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let svc: CallingService
const stores: WooCommerceSimulator[] = []

beforeAll(async () => {
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  // Every connect here comes from this machine's one address: more than a stranger may begin.
  svc = await startCallingService(twilio, { OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url }, { installRateLimit: { limit: 1000 } })
})
afterAll(async () => {
  await svc?.close()
  await Promise.all([twilio.close(), realtime.close(), ...stores.map((s) => s.close())])
})

async function newStore() {
  const woo = await startWooCommerceSimulator()
  stores.push(woo)
  return woo
}

/** The merchant types their store's address, logs in to WordPress and approves; back on our page. */
async function connect(woo: WooCommerceSimulator, browser = cookieBrowser(), headers: Record<string, string> = {}) {
  const started = await browser.fetch(`${svc.url}/woocommerce/connect?store_url=${encodeURIComponent(woo.siteUrl)}`, { headers })
  expect(started.status).toBe(302)
  const authorize = new URL(started.headers.get('location')!)
  const approved = await browser.fetch(authorize)
  const returnUrl = approved.status === 302 ? approved.headers.get('location')! : undefined
  const returned = returnUrl ? await browser.fetch(returnUrl, { headers }) : undefined
  return { authorize, approved, returned, returnUrl, page: await returned?.text() }
}

/** Albanian first, as a browser in Tirana asks. */
const ALBANIAN = { 'accept-language': 'sq-AL,sq;q=0.9,en;q=0.5' }

const storeFor = async (woo: WooCommerceSimulator) =>
  ((await svc.api('GET', '/api/stores')).body.stores as Array<Record<string, any>>).find((s) => s.siteUrl === woo.siteUrl)

describe('connecting a WooCommerce store', () => {
  it('asks the store for read/write keys with our callback and an unguessable state', async () => {
    const woo = await newStore()
    const { authorize } = await connect(woo)
    expect(authorize.origin + authorize.pathname).toBe(`${woo.siteUrl}/wc-auth/v1/authorize`)
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      app_name: 'callconfirm',
      scope: 'read_write',
      return_url: `${svc.publicUrl}/woocommerce/return`,
      callback_url: `${svc.publicUrl}/woocommerce/callback`,
    })
    expect(authorize.searchParams.get('user_id')).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it('keeps the keys, makes the order.created webhook with a secret, and calls and writes back the next order', async () => {
    const woo = await newStore()
    const { returned, page } = await connect(woo)
    expect(returned?.status).toBe(200)
    const link = /href="([^"]*\/settings\?t=[^"]+)"/.exec(page!)?.[1]
    expect(link).toBeDefined()
    const settings = await fetch(link!.replaceAll('&amp;', '&'))
    expect(settings.status).toBe(200)

    const store = await storeFor(woo)
    expect(store).toMatchObject({ enabled: true, hasCredentials: true })
    await until(() => woo.webhooks().length === 1, 'the webhook to be made')
    const [hook] = woo.webhooks()
    // Named for the merchant who finds it in WooCommerce → Settings → Advanced → Webhooks, in the store's language.
    expect(hook).toMatchObject({
      name: 'callconfirm: telefonata konfirmimi për porositë e reja',
      topic: 'order.created',
      status: 'active',
      delivery_url: `${svc.publicUrl}/webhooks/woocommerce/${store!.id}`,
    })
    expect(hook!.secret).toMatch(/^[A-Za-z0-9]{32,}$/)
    expect(woo.authorizations).toMatchObject([{ appName: 'callconfirm', callbackStatus: 200, kept: true }])

    // Inside the calling hours, wherever the test runs.
    await svc.api('PATCH', `/api/stores/${store!.id}`, { timezone: zoneWhereItIs(12), actions: { wooStatusOnConfirmed: 'processing' } })
    const id = nextOrderId()
    const { phone, customer: c } = customer(id)
    twilio.script(phone, { kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 1_500, digit: '1' }] } })
    const deliveries = await woo.placeOrder({ ...(wooOrderPayload({ id, customer: c }) as unknown as WooOrder), status: 'on-hold' })
    expect(deliveries.map((d) => d.status)).toEqual([200])
    const orderId = (deliveries[0]!.body as { orderId: number }).orderId
    await until(async () => (await orderView(svc, orderId)).outcome === 'confirmed', 'the customer to confirm', 20_000)
    await until(() => woo.order(id)?.status === 'processing', 'the order to move to processing')
    expect(woo.notes(id).map((n) => n.note)).toEqual([
      expect.stringMatching(/^\[callconfirm\] [\d-]+ [\d:]+ Konfirmuar \(telefonata \d+ s\): Shtypi 1 në tastierë për të konfirmuar\.$/),
    ])
  })

  it('connects a store whose host strips the Authorization header, asking it with the keys in the query string', async () => {
    const woo = await newStore()
    woo.stripAuthorizationHeader(true)
    const { returned } = await connect(woo)
    expect(returned?.status).toBe(200)
    expect(await storeFor(woo)).toMatchObject({ hasCredentials: true, wooApiAuth: 'query_string' })
    await until(() => woo.webhooks().length === 1, 'the webhook to be made')
  })

  it('connecting again keeps one webhook and one store, named in the store’s language of the day', async () => {
    const woo = await newStore()
    await connect(woo)
    await until(() => woo.webhooks().length === 1, 'the first webhook')
    const first = await storeFor(woo)
    await svc.api('PATCH', `/api/stores/${first!.id}`, { language: 'en' })
    const again = await connect(woo)
    expect(again.returned?.status).toBe(200)
    const webhookSet = () => svc.logs.filter((l) => l.includes('WooCommerce webhook set') && l.includes(first!.id)).length
    await until(() => webhookSet() === 2, 'the webhook to be set again')
    expect((await storeFor(woo))!.id).toBe(first!.id)
    expect(woo.webhooks()).toMatchObject([{ name: 'callconfirm: confirmation calls for new orders' }])
  })

  it('speaks Albanian to a browser that asks for it, and the store’s language once the store is connected', async () => {
    const form = await fetch(`${svc.url}/woocommerce/connect`, { headers: ALBANIAN })
    const albanian = await form.text()
    expect(albanian).toContain('<html lang="sq">')
    expect(albanian).toContain('<h1>Lidhni dyqanin tuaj WooCommerce</h1>')
    expect(albanian).toContain('<label for="store_url">Adresa e dyqanit tuaj</label>')
    expect(albanian).toContain('Do të hyni në WordPress dhe do ta miratoni callconfirm atje.')
    expect(albanian).toContain('<button type="submit">Lidh</button>')
    const english = await (await fetch(`${svc.url}/woocommerce/connect`)).text()
    expect(english).toContain('<h1>Connect your WooCommerce store</h1>')
    expect(english).toContain('You will log in to WordPress and approve callconfirm there.')

    // A new store speaks its country's language (Albania's, here), whatever the browser asked for.
    const woo = await newStore()
    const browser = cookieBrowser()
    const { returnUrl, page } = await connect(woo, browser, { 'accept-language': 'en-US' })
    const store = await storeFor(woo)
    expect(page).toContain('<html lang="sq">')
    expect(page).toContain(`<h1>${store!.companyName} u lidh</h1>`)
    expect(page).toContain(
      store!.approved
        ? 'Porositë e reja me pagesë në dorëzim do të telefonohen që tani, brenda orarit tuaj të thirrjeve.'
        : 'Operatori i këtij callconfirm i miraton dyqanet e reja para thirrjes së tyre të parë. Thirrjet nisin sapo dyqani juaj të miratohet.',
    )
    expect(page).toMatch(/<a href="[^"]*\/settings\?t=[^"]+">Hapni cilësimet tuaja të callconfirm<\/a>/)
    expect(page).toContain('Mos ia jepni këtë lidhje askujt: ajo hap cilësimet tuaja për shtatë ditë.')
    // The switch turns the same page English.
    const switched = await (await browser.fetch(`${returnUrl}&lang=en`)).text()
    expect(switched).toContain(`<h1>${store!.companyName} is connected</h1>`)
    expect(switched).toMatch(/<a href="[^"]*\/settings\?t=[^"]+">Open your callconfirm settings<\/a>/)
    expect(switched).toContain('Keep this link to yourself: it opens your settings for seven days.')
  })
})

describe('refusing keys that were not asked for', () => {
  it('refuses a key POST whose state we never issued, and one sent twice', async () => {
    const forged = await fetch(`${svc.url}/woocommerce/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        key_id: 1,
        user_id: 'guessed-state',
        consumer_key: `ck_${'a'.repeat(40)}`,
        consumer_secret: `cs_${'b'.repeat(40)}`,
        key_permissions: 'read_write',
      }),
    })
    expect(forged.status).toBe(401)

    const woo = await newStore()
    const { authorize } = await connect(woo)
    const replay = await fetch(`${svc.url}/woocommerce/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        key_id: 2,
        user_id: authorize.searchParams.get('user_id'),
        consumer_key: `ck_${'c'.repeat(40)}`,
        consumer_secret: `cs_${'d'.repeat(40)}`,
        key_permissions: 'read_write',
      }),
    })
    expect(replay.status).toBe(401)
  })

  it('refuses keys that arrive after the state went stale, and WooCommerce deletes them', async () => {
    const woo = await newStore()
    const started = await fetch(`${svc.url}/woocommerce/connect?store_url=${encodeURIComponent(woo.siteUrl)}`, { redirect: 'manual' })
    svc.clock.offset += 31 * 60_000
    try {
      const approved = await fetch(started.headers.get('location')!, { redirect: 'manual' })
      expect(approved.status).toBe(401)
    } finally {
      svc.clock.offset -= 31 * 60_000
    }
    expect(woo.authorizations).toMatchObject([{ callbackStatus: 401, kept: false }])
    expect(await storeFor(woo)).toBeUndefined()
  })

  it('says nothing was connected when the merchant declines, in the language their browser asks for', async () => {
    const woo = await newStore()
    woo.nextAuthorization('deny')
    const { returned, page } = await connect(woo)
    expect(returned?.status).toBe(400)
    expect(page).toContain('<h1>Not connected</h1>')
    expect(page).toContain('You did not approve callconfirm in WordPress, so nothing was connected.')
    expect(await storeFor(woo)).toBeUndefined()

    const again = await newStore()
    again.nextAuthorization('deny')
    const albanian = await connect(again, cookieBrowser(), ALBANIAN)
    expect(albanian.returned?.status).toBe(400)
    expect(albanian.page).toContain('<h1>Dyqani nuk u lidh</h1>')
    expect(albanian.page).toContain('Nuk e miratuat callconfirm në WordPress, prandaj nuk u lidh asgjë.')
  })

  it('refuses a store address that is not https, saying why in Albanian or English', async () => {
    const refusal = async (headers: Record<string, string> = {}) => {
      const res = await fetch(`${svc.url}/woocommerce/connect?store_url=http://dyqani.al`, { redirect: 'manual', headers })
      expect(res.status).toBe(400)
      return res.text()
    }
    const english = await refusal()
    expect(english).toContain('<h1>Not a store address we can connect</h1>')
    expect(english).toContain(
      '“http://dyqani.al” does not use https. WooCommerce sends the API keys only over https, and they travel with every request.',
    )
    const albanian = await refusal(ALBANIAN)
    expect(albanian).toContain('<h1>Nuk është adresë dyqani që mund të lidhim</h1>')
    expect(albanian).toContain(
      '“http://dyqani.al” nuk përdor https. WooCommerce i dërgon çelësat e API-së vetëm përmes https, dhe ata shkojnë me çdo kërkesë.',
    )
  })
})
