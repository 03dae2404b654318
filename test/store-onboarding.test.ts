import { count, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStates } from '../src/db/schema.js'
import { serveOnLoopback } from '../src/sandbox/loopback.js'
import { wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import { MAX_INSTALL_STATES } from '../src/stores/installStates.js'
import { findStore, storeCredentials } from '../src/stores/records.js'
import { customer, nextOrderId } from './support/calling.js'
import { cookieBrowser } from './support/cookieBrowser.js'
import { ADMIN_TOKEN, LIVE_ENV, startTestService, type TestService } from './support/service.js'
import { freePort, until } from './support/wait.js'

/** Attacks 1, 2 (who may connect a store), 3 and 8 of issue 12, tried as a stranger would. */

const NEW_STORE_DAILY_CALLS = '7'

type Service = TestService & { clock: { offset: number } }

/** callconfirm reachable at its own loopback address (so the simulated WordPress can post the keys to it). */
async function startOnLoopback(env: Record<string, string> = {}, options: { manyInstalls?: boolean; schedule?: boolean } = {}): Promise<Service> {
  const clock = { offset: 0 }
  const port = await freePort()
  const svc = await startTestService(
    { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, NEW_STORE_DAILY_CALLS, ...env },
    {
      schedule: options.schedule ?? false,
      now: () => Date.now() + clock.offset,
      installRateLimit: options.manyInstalls === false ? undefined : { limit: 1000 },
    },
  )
  return Object.assign(svc, { clock })
}

const closing: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  await Promise.all(closing.map((c) => c.close()))
})
async function service(...args: Parameters<typeof startOnLoopback>) {
  const svc = await startOnLoopback(...args)
  closing.push(svc)
  return svc
}
async function newStore() {
  const woo = await startWooCommerceSimulator()
  closing.push(woo)
  return woo
}

const connectUrl = (svc: TestService, siteUrl: string, extra: Record<string, string> = {}) =>
  `${svc.url}/woocommerce/connect?${new URLSearchParams({ store_url: siteUrl, ...extra })}`

/** A merchant connects from their browser: our page, WordPress's approval (which posts the keys), and back to our return page. */
async function connect(_svc: TestService, url: string, browser = cookieBrowser()) {
  const started = await browser.fetch(url)
  if (started.status !== 302) return { started, page: await started.text() }
  const approved = await browser.fetch(started.headers.get('location')!)
  const returned = approved.status === 302 ? await browser.fetch(approved.headers.get('location')!) : undefined
  return { started, approved, returned, page: await returned?.text() }
}

const storeFor = async (svc: TestService, woo: WooCommerceSimulator) =>
  ((await svc.api('GET', '/api/stores')).body.stores as Array<Record<string, any>>).find((s) => s.siteUrl === woo.siteUrl)
const settingsLinkIn = (page: string | undefined) => /href="([^"]*\/settings\?t=[^"]+)"/.exec(page ?? '')?.[1]
const stateCount = (svc: TestService) => svc.deps.db.select({ n: count() }).from(installStates).get()!.n

describe('taking over a connected WooCommerce store (attack 1)', () => {
  let svc: Service
  beforeAll(async () => {
    svc = await service()
  })

  it("keys a stranger posts for a connected store are checked on that store and never replace the store's own", async () => {
    const woo = await newStore()
    await connect(svc, connectUrl(svc, woo.siteUrl))
    const victim = (await storeFor(svc, woo))!
    const credentialsOf = async () => storeCredentials((await findStore(svc.deps.db, victim.id, svc.deps.storeDefaults))!, svc.deps.box)
    const before = await credentialsOf()

    // The stranger begins a connect for the victim's address, takes the state from our redirect and posts keys of their own.
    const stranger = cookieBrowser()
    const begun = await stranger.fetch(connectUrl(svc, woo.siteUrl))
    expect(begun.status).toBe(302)
    const state = new URL(begun.headers.get('location')!).searchParams.get('user_id')!
    const posted = await fetch(`${svc.url}/woocommerce/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        key_id: 9,
        user_id: state,
        consumer_key: `ck_${'f'.repeat(40)}`,
        consumer_secret: `cs_${'e'.repeat(40)}`,
        key_permissions: 'read_write',
      }),
    })
    expect(posted.status).toBe(200)
    const returned = await stranger.fetch(`${svc.url}/woocommerce/return?success=1&user_id=${state}`)
    const page = await returned.text()
    expect(returned.status).toBe(400)
    expect(page).toContain('did not accept the keys')
    expect(settingsLinkIn(page)).toBeUndefined()
    expect(await credentialsOf()).toEqual(before)
    // Tried on the store itself, with the keys in the header and then in the query string: refused both times.
    expect(woo.requests.filter((r) => r.status === 401)).toHaveLength(2)
    expect(await storeFor(svc, woo)).toMatchObject({ hasCredentials: true, disabledReason: null })
  })

  it('shows the settings link after a connect only in the browser that began it', async () => {
    const woo = await newStore()
    const merchant = cookieBrowser()
    const begun = await merchant.fetch(connectUrl(svc, woo.siteUrl))
    expect(begun.headers.getSetCookie()[0]).toMatch(/HttpOnly/i)
    expect(begun.headers.getSetCookie()[0]).toMatch(/SameSite=Lax/i)
    const approved = await merchant.fetch(begun.headers.get('location')!)
    const returnUrl = approved.headers.get('location')!

    const elsewhere = await fetch(returnUrl, { redirect: 'manual' })
    const elsewherePage = await elsewhere.text()
    expect(elsewhere.status).toBe(403)
    expect(settingsLinkIn(elsewherePage)).toBeUndefined()

    const mine = await merchant.fetch(returnUrl)
    expect(mine.status).toBe(200)
    expect(settingsLinkIn(await mine.text())).toBeDefined()
  })

  it('a merchant connecting their store again gets its keys replaced by the new ones, which work on it', async () => {
    const woo = await newStore()
    await connect(svc, connectUrl(svc, woo.siteUrl))
    const first = (await storeFor(svc, woo))!
    const again = await connect(svc, connectUrl(svc, woo.siteUrl))
    expect(again.returned?.status).toBe(200)
    const store = (await findStore(svc.deps.db, first.id, svc.deps.storeDefaults))!
    expect(await storeCredentials(store, svc.deps.box)).toMatchObject({ consumerKey: woo.authorizations[1]!.consumerKey })
  })
})

describe('who may connect a new store (STORE_SIGNUP, attack 2)', () => {
  describe('invite', () => {
    let svc: Service
    beforeAll(async () => {
      svc = await service({ STORE_SIGNUP: 'invite' })
    })

    it("a stranger cannot connect a new store without the operator's connect link", async () => {
      const woo = await newStore()
      const statesBefore = stateCount(svc)
      const { started, page } = await connect(svc, connectUrl(svc, woo.siteUrl))
      expect(started.status).toBe(403)
      expect(page).toContain('Ask the operator')
      expect(stateCount(svc)).toBe(statesBefore)
      expect(woo.authorizations).toHaveLength(0)
      expect(await storeFor(svc, woo)).toBeUndefined()
    })

    it('a merchant with a connect link connects the store it names, and no other, with the low limit of a new store', async () => {
      const woo = await newStore()
      const other = await newStore()
      const minted = await svc.api('POST', '/api/connect-links', { storeUrl: woo.siteUrl, days: 3 })
      expect(minted.status).toBe(201)
      expect(Date.parse(minted.body.expiresAt) - Date.now()).toBeGreaterThan(2.9 * 86_400_000)
      expect((await svc.api('POST', '/api/connect-links', { storeUrl: woo.siteUrl }, { token: null })).status).toBe(401)

      const invite = new URL(minted.body.url).searchParams.get('invite')!
      const elsewhere = await connect(svc, connectUrl(svc, other.siteUrl, { invite }))
      expect(elsewhere.started.status).toBe(403)
      expect(await storeFor(svc, other)).toBeUndefined()

      const { returned, page } = await connect(svc, minted.body.url)
      expect(returned?.status).toBe(200)
      expect(settingsLinkIn(page)).toBeDefined()
      expect(await storeFor(svc, woo)).toMatchObject({ approved: true, dailyCallLimit: 7, dailyCallLimitIsDefault: false })
    })

    it('an expired or altered connect link connects nothing', async () => {
      const woo = await newStore()
      const { body } = await svc.api('POST', '/api/connect-links', { days: 1 })
      const invite = new URL(body.url).searchParams.get('invite')!
      const altered = await connect(svc, connectUrl(svc, woo.siteUrl, { invite: `${invite.slice(0, -2)}xx` }))
      expect(altered.started.status).toBe(403)
      expect(altered.page).toContain('not valid')
      svc.clock.offset += 2 * 86_400_000
      try {
        const late = await connect(svc, connectUrl(svc, woo.siteUrl, { invite }))
        expect(late.started.status).toBe(403)
        expect(late.page).toContain('expired')
      } finally {
        svc.clock.offset -= 2 * 86_400_000
      }
      expect(await storeFor(svc, woo)).toBeUndefined()
    })

    it('a store the operator registered by hand is approved and keeps the service default limit', async () => {
      const woo = await newStore()
      const res = await svc.api('POST', '/api/stores', {
        platform: 'woocommerce',
        siteUrl: woo.siteUrl,
        consumerKey: woo.consumerKey,
        consumerSecret: woo.consumerSecret,
      })
      expect(res.status).toBe(201)
      expect(res.body.store).toMatchObject({ approved: true, dailyCallLimit: 500, dailyCallLimitIsDefault: true })
      // Connecting it again later needs no link: it is already here, and only keys that work on it count.
      const again = await connect(svc, connectUrl(svc, woo.siteUrl))
      expect(again.returned?.status).toBe(200)
    })
  })

  describe('approve', () => {
    let svc: Service
    beforeAll(async () => {
      svc = await service({ STORE_SIGNUP: 'approve' })
    })

    it("a store that connected itself waits for the operator's approval, which only the operator can give", async () => {
      const woo = await newStore()
      const { returned, page } = await connect(svc, connectUrl(svc, woo.siteUrl))
      expect(returned?.status).toBe(200)
      // The connected page speaks the new store's language: Albanian, for a store in Albania.
      expect(page).toContain('Operatori i këtij callconfirm i miraton dyqanet e reja para thirrjes së tyre të parë.')
      const store = (await storeFor(svc, woo))!
      expect(store).toMatchObject({ approved: false, dailyCallLimit: 7 })

      // The merchant's settings page cannot approve the store or raise its limit.
      const link = settingsLinkIn(page)!.replaceAll('&amp;', '&')
      const t = new URL(link).searchParams.get('t')!
      await fetch(`${svc.url}/settings`, {
        method: 'POST',
        headers: { origin: svc.url },
        body: new URLSearchParams({ t, approved: 'true', dailyCallLimit: '100000', companyName: 'Banka' }),
      })
      expect(await storeFor(svc, woo)).toMatchObject({ approved: false, dailyCallLimit: 7 })

      // Nor can a merchant's dashboard session reach the operator's store controls.
      const merchant = cookieBrowser()
      await merchant.fetch(`${svc.url}/enter?t=${encodeURIComponent(t)}`)
      expect((await merchant.fetch(`${svc.url}/stores`)).status).toBe(404)
      expect((await merchant.fetch(`${svc.url}/stores/${store.id}/approve`, { method: 'POST', headers: { origin: svc.url } })).status).toBe(404)
      expect(await storeFor(svc, woo)).toMatchObject({ approved: false })

      // The operator approves it on the dashboard's store list.
      const operator = cookieBrowser()
      await operator.fetch(`${svc.url}/login`, {
        method: 'POST',
        headers: { origin: svc.url },
        body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/stores' }),
      })
      const list = await (await operator.fetch(`${svc.url}/stores`)).text()
      expect(list).toContain('Awaiting approval')
      const approved = await operator.fetch(`${svc.url}/stores/${store.id}/approve`, { method: 'POST', headers: { origin: svc.url } })
      expect(approved.status).toBe(303)
      expect(await storeFor(svc, woo)).toMatchObject({ approved: true })
    })

    it("the operator sets a store's daily limit, and back to the service default", async () => {
      const woo = await newStore()
      await connect(svc, connectUrl(svc, woo.siteUrl))
      const { id } = (await storeFor(svc, woo))!
      expect((await svc.api('PATCH', `/api/stores/${id}`, { dailyCallLimit: 50, approved: true })).body).toMatchObject({
        approved: true,
        dailyCallLimit: 50,
        dailyCallLimitIsDefault: false,
      })
      expect((await svc.api('PATCH', `/api/stores/${id}`, { dailyCallLimit: 0 })).status).toBe(400)
      expect((await svc.api('PATCH', `/api/stores/${id}`, { approved: 'yes' })).status).toBe(400)
      // A refused setting beside a control changes neither.
      expect((await svc.api('PATCH', `/api/stores/${id}`, { dailyCallLimit: 60, timezone: 'Mars/Olympus' })).status).toBe(400)
      expect(await storeFor(svc, woo)).toMatchObject({ dailyCallLimit: 50 })

      const operator = cookieBrowser()
      await operator.fetch(`${svc.url}/login`, { method: 'POST', headers: { origin: svc.url }, body: new URLSearchParams({ token: ADMIN_TOKEN }) })
      await operator.fetch(`${svc.url}/stores/${id}/daily-limit`, {
        method: 'POST',
        headers: { origin: svc.url },
        body: new URLSearchParams({ dailyCallLimit: '' }),
      })
      expect(await storeFor(svc, woo)).toMatchObject({ dailyCallLimit: 500, dailyCallLimitIsDefault: true })
      const opened = await operator.fetch(`${svc.url}/stores/${id}/settings-link`, { method: 'POST', headers: { origin: svc.url } })
      expect(opened.headers.get('location')).toMatch(/\/settings\?t=/)
    })
  })
})

describe('store addresses (attack 3)', () => {
  it('refuses to connect, register or invite a store on loopback, private, link-local or metadata addresses', async () => {
    let hits = 0
    const inside = await serveOnLoopback(
      new Hono().all('*', (c) => {
        hits++
        return c.json({ code: 'internal', message: 'internal-secret' }, 500)
      }),
    )
    closing.push(inside)
    const svc = await startTestService(LIVE_ENV, { schedule: false, installRateLimit: { limit: 1000 } })
    closing.push(svc)
    const addresses = [
      inside.origin,
      inside.origin.replace('127.0.0.1', 'localhost'),
      'https://10.0.0.7',
      'https://192.168.1.10',
      'https://100.64.3.4',
      'https://[fd00::1]',
      'https://169.254.169.254',
      'https://[fe80::1]',
      'https://[::ffff:169.254.169.254]',
      'https://100.100.100.200',
      'https://0.0.0.0',
    ]
    for (const address of addresses) {
      const res = await fetch(connectUrl(svc, address), { redirect: 'manual' })
      expect(res.status, address).toBe(400)
      expect(await res.text(), address).toContain('cannot be connected')
      const registered = await svc.api('POST', '/api/stores', {
        platform: 'woocommerce',
        siteUrl: address,
        consumerKey: `ck_${'a'.repeat(20)}`,
        consumerSecret: `cs_${'b'.repeat(20)}`,
      })
      expect(registered, address).toMatchObject({ status: 400, body: { error: { field: 'siteUrl' } } })
      expect((await svc.api('POST', '/api/connect-links', { storeUrl: address })).status, address).toBe(400)
    }
    expect(hits).toBe(0)
    expect(stateCount(svc)).toBe(0)
  })

  it('refuses link-local and metadata addresses even where private addresses are allowed', async () => {
    const svc = await service({ ALLOW_PRIVATE_STORE_ADDRESSES: 'true' })
    for (const address of ['https://169.254.169.254', 'https://[fe80::1]', 'https://[fd00:ec2::254]', 'https://100.100.100.200']) {
      expect((await fetch(connectUrl(svc, address), { redirect: 'manual' })).status, address).toBe(400)
      const registered = await svc.api('POST', '/api/stores', {
        platform: 'woocommerce',
        siteUrl: address,
        consumerKey: `ck_${'a'.repeat(20)}`,
        consumerSecret: `cs_${'b'.repeat(20)}`,
      })
      expect(registered.status, address).toBe(400)
    }
  })

  it('never shows a merchant what the address behind their store answered, and the operator only a trimmed WooCommerce error', async () => {
    // Whatever answers at the store's address: a page that is not WooCommerce's REST API.
    const secret = 'internal-admin-panel-secret-4242'
    const behind = await serveOnLoopback(new Hono().all('*', (c) => c.html(`<html><body>${secret} ${'x'.repeat(500)}</body></html>`, 404)))
    closing.push(behind)
    const svc = await service({}, { schedule: true })
    const registered = await svc.api('POST', '/api/stores', {
      platform: 'woocommerce',
      siteUrl: behind.origin,
      consumerKey: `ck_${'a'.repeat(20)}`,
      consumerSecret: `cs_${'b'.repeat(20)}`,
    })
    const storeId = registered.body.store.id as string
    const id = nextOrderId()
    const delivered = await deliverWooWebhook({
      url: registered.body.webhook.url,
      secret: registered.body.webhook.secret,
      source: behind.origin,
      payload: wooOrderPayload({ id, customer: customer(id).customer }),
    })
    const orderId = (delivered.body as { orderId: number }).orderId
    let writes: Array<{ status: string; lastError: string | null }> = []
    await until(async () => {
      writes = (await svc.api('GET', `/api/orders/${orderId}`)).body.storeWrites
      return writes.some((w) => w.status === 'failed')
    }, 'the write to the store to fail')
    expect(JSON.stringify(writes)).not.toContain(secret)
    expect(writes.find((w) => w.status === 'failed')!.lastError).toMatch(/^WooCommerce refused the write \(404\)\. The store said: http_404/)

    const merchant = cookieBrowser()
    const store = (await findStore(svc.deps.db, storeId, svc.deps.storeDefaults))!
    await merchant.fetch(`${svc.url}/enter?t=${encodeURIComponent(svc.deps.settingsLinks.token(store, Date.now() + 60_000))}`)
    const page = await (await merchant.fetch(`${svc.url}/orders/${orderId}`)).text()
    expect(page).toContain('WooCommerce refused the write (404).')
    expect(page).not.toContain('The store said')
    expect(page).not.toContain(secret)
  })
})

describe('install states (attack 8)', () => {
  it('one address that keeps beginning installs is told to wait, whatever X-Forwarded-For it sends', async () => {
    const svc = await startTestService(LIVE_ENV, { schedule: false })
    closing.push(svc)
    for (let i = 0; i < 10; i++)
      expect((await fetch(`${svc.url}/woocommerce/connect`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status).toBe(200)
    const refused = await fetch(`${svc.url}/woocommerce/connect`, { headers: { 'x-forwarded-for': '198.51.100.99' } })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toMatch(/text\/html/)
    expect(await refused.text()).toContain('Too many connects')
    expect((await fetch(`${svc.url}/shopify/install?shop=lule.myshopify.com`)).status).toBe(429)
  })

  it("behind the operator's own proxy (TRUST_PROXY) each client has its own allowance", async () => {
    const svc = await startTestService({ ...LIVE_ENV, TRUST_PROXY: 'true' }, { schedule: false })
    closing.push(svc)
    const from = (client: string) => fetch(`${svc.url}/woocommerce/connect`, { headers: { 'x-forwarded-for': `10.9.9.9, ${client}` } })
    for (let i = 0; i < 10; i++) expect((await from('203.0.113.5')).status).toBe(200)
    expect((await from('203.0.113.5')).status).toBe(429)
    expect((await from('203.0.113.6')).status).toBe(200)
  })

  it('expired install states are cleared out, and outstanding ones cannot pile up past a ceiling', async () => {
    const svc = await service()
    const woo = await newStore()
    const now = Date.now()
    const old = Array.from({ length: 200 }, (_, i) => ({
      stateHash: `old-${i}`,
      platform: 'woocommerce' as const,
      domain: woo.siteUrl,
      expiresAt: now - 2 * 3600_000,
      createdAt: now - 3 * 3600_000,
    }))
    svc.deps.db.insert(installStates).values(old).run()
    expect((await fetch(connectUrl(svc, woo.siteUrl), { redirect: 'manual' })).status).toBe(302)
    expect(stateCount(svc)).toBe(1)

    const outstanding = Array.from({ length: MAX_INSTALL_STATES - 1 }, (_, i) => ({
      stateHash: `flood-${i}`,
      platform: 'shopify' as const,
      domain: 'x.myshopify.com',
      expiresAt: now + 600_000,
      createdAt: now,
    }))
    for (let i = 0; i < outstanding.length; i += 500)
      svc.deps.db
        .insert(installStates)
        .values(outstanding.slice(i, i + 500))
        .run()
    const full = await fetch(connectUrl(svc, woo.siteUrl), { redirect: 'manual' })
    expect(full.status).toBe(503)
    expect(await full.text()).toContain('Try again in a few minutes')
    expect(stateCount(svc)).toBe(MAX_INSTALL_STATES)
    svc.deps.db.delete(installStates).where(eq(installStates.platform, 'shopify')).run()
  })
})
