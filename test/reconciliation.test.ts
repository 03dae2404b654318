import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orders } from '../src/db/schema.js'
import { shopifyOrderPayload, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  customer,
  nextOrderId,
  pasteWooWebhook,
  registerWooStore,
  startCallingService,
  startTestTwilio,
} from './support/calling.js'
import { LIVE_ENV, operatorPage, startTestService } from './support/service.js'
import { freePort, until } from './support/wait.js'

const HOUR = 3_600_000
const APP = { apiKey: 'reconcile-app-key', apiSecret: 'shpss_reconcile_app_secret', redirectUrls: [] }
const CUSTOM_APP_SECRET = 'shpss_custom_app_reconcile'

let twilio: TwilioSimulator
let shop: ShopifyAdminSimulator
beforeAll(async () => {
  twilio = await startTestTwilio()
  shop = await startShopifyAdminSimulator({ app: APP })
})
afterAll(async () => {
  await Promise.all([twilio.close(), shop.close()])
})

/**
 * One callconfirm deployment that can be stopped and started again: the same port (so the same
 * webhook URLs), database and encryption key each time, as a restart or a deploy keeps them.
 */
async function deployment(env: Record<string, string> = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'callconfirm-reconcile-'))
  const fixed = {
    PORT: String(await freePort()),
    DATABASE_PATH: join(directory, 'callconfirm.db'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SHOPIFY_ADMIN_API_ORIGIN: shop.origin,
    ...env,
  }
  return {
    start: (schedule = true) => startCallingService(twilio, fixed, { schedule }),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  }
}

/** What a customer's order leaves in callconfirm: its rows (one call job each), and the calls Twilio placed to them. */
async function heldAndCalled(svc: CallingService, phones: Map<string, string>) {
  const rows = await svc.deps.db.select({ id: orders.platformOrderId }).from(orders).all()
  return [...phones].map(([id, phone]) => ({
    id,
    rows: rows.filter((r) => r.id === id).length,
    calls: twilio.calls.filter((c) => c.to === phone).length,
  }))
}

const everyOrderOnce = (ids: string[]) => ids.map((id) => ({ id, rows: 1, calls: 1 }))

const allSettled = (svc: CallingService, count: number) =>
  until(
    async () => (await svc.deps.db.select({ status: orders.status }).from(orders).all()).filter((o) => o.status === 'done').length === count,
    `${count} orders to be called and settled`,
    20_000,
  )

/** A WooCommerce order placed now (by the store's clock), its customer's phone ringing unanswered. */
function wooOrderNow(phones: Map<string, string>, createdAt = Date.now()): WooOrder {
  const id = nextOrderId()
  const { phone, customer: c } = customer(id)
  twilio.script(phone, { kind: 'no-answer' })
  phones.set(String(id), phone)
  return { ...(wooOrderPayload({ id, customer: c }) as unknown as WooOrder), date_created_gmt: new Date(createdAt).toISOString().slice(0, 19) }
}

/** A Shopify order placed at `createdAt`, its customer's phone ringing unanswered. */
function shopifyOrderAt(phones: Map<string, string>, createdAt = Date.now()): ShopOrder {
  const id = nextOrderId()
  const { phone, customer: c } = customer(id)
  twilio.script(phone, { kind: 'no-answer' })
  phones.set(String(id), phone)
  return shopifyOrderPayload({ id: BigInt(id), customer: c, createdAt: new Date(createdAt).toISOString() }) as unknown as ShopOrder
}

let shops = 0
/** A custom-app Shopify store of its own (its webhooks are the merchant's, signed with its secret), registered by hand. */
async function shopifyStore(svc: CallingService, own: { webhookSecret?: string } = { webhookSecret: CUSTOM_APP_SECRET }) {
  const domain = `reconcile-${++shops}-${randomBytes(3).toString('hex')}.myshopify.com`
  const accessToken = `shpat_${randomBytes(16).toString('hex')}`
  // A roomy bucket that refills fast: a THROTTLED answer costs this test a second, not ten.
  shop.addShop(domain, accessToken, { maximumAvailable: 2000, restoreRate: 1000 })
  const res = await svc.api('POST', '/api/stores', {
    platform: 'shopify',
    shopDomain: domain,
    accessToken,
    ...own,
    settings: { timezone: 'Etc/GMT', callingHours: { start: '00:00', end: '23:59' }, retryDelaysMinutes: [] },
  })
  expect(res.status).toBe(201)
  return { domain, accessToken, id: res.body.store.id as string }
}

const anyHours = { callingHours: { start: '00:00', end: '23:59' }, retryDelaysMinutes: [] }

describe('orders placed while callconfirm was down', () => {
  it('are each called once when it starts again, and the WooCommerce webhook switched off meanwhile is turned back on and shown', async () => {
    const woo = await startWooCommerceSimulator()
    const app = await deployment()
    const phones = new Map<string, string>()
    let svc = await app.start()
    try {
      const store = await registerWooStore(svc, woo, anyHours)
      await pasteWooWebhook(woo, `${svc.publicUrl}/webhooks/woocommerce/${store.id}`, store.secret)
      // The last order it sent us before going down.
      const [delivered] = await woo.placeOrder(wooOrderNow(phones))
      expect(delivered!.status).toBe(200)
      await allSettled(svc, 1)
      await svc.close()

      // Down: WooCommerce delivers each order once, fails, and at the seventh failure in a row switches the webhook off.
      for (let i = 0; i < 7; i++) expect((await woo.placeOrder(wooOrderNow(phones)))[0]!.status).toBe(0)
      expect(woo.webhooks()[0]!.status).toBe('disabled')

      svc = await app.start()
      await allSettled(svc, 8)
      expect(await heldAndCalled(svc, phones)).toEqual(everyOrderOnce([...phones.keys()]))
      expect(woo.webhooks()).toMatchObject([{ status: 'active', delivery_url: `${svc.publicUrl}/webhooks/woocommerce/${store.id}` }])
      const view = (await svc.api('GET', `/api/stores/${store.id}`)).body
      expect(view).toMatchObject({
        reconciledAt: expect.any(String),
        webhooksRepairedAt: expect.any(String),
        webhooksRepair: 'WooCommerce had switched off the order.created webhook after failed deliveries; turned back on',
      })
      const page = await operatorPage(svc, '/stores')
      expect(page).toContain('Webhooks repaired')
      expect(page).toContain('switched off the order.created webhook')
      expect(svc.logs.some((l) => l.includes('"level":"warn"') && l.includes('store webhooks repaired'))).toBe(true)

      // (d) Asked again, and a delivery arriving late for one of them: nothing new, nobody called twice.
      await svc.reconciler.tick()
      const [late, phone] = [...phones][3]!
      const again = await deliverWooWebhook({
        url: `${svc.url}/webhooks/woocommerce/${store.id}`,
        secret: store.secret,
        source: woo.siteUrl,
        payload: woo.order(Number(late)),
      })
      expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } })
      await svc.scheduler.tick()
      expect(await heldAndCalled(svc, phones)).toEqual(everyOrderOnce([...phones.keys()]))
      expect(twilio.calls.filter((c) => c.to === phone)).toHaveLength(1)
    } finally {
      await svc.close()
      await woo.close()
      app.remove()
    }
  })

  it('are picked up from Shopify on start-up, once each, when its deliveries were dropped', async () => {
    const app = await deployment()
    const phones = new Map<string, string>()
    let svc = await app.start()
    try {
      const store = await shopifyStore(svc)
      await svc.close()
      // The merchant's webhook reached nobody; Shopify gave up on it.
      for (let i = 0; i < 3; i++) await shop.placeOrder(store.domain, shopifyOrderAt(phones))
      svc = await app.start()
      await allSettled(svc, 3)
      await svc.reconciler.tick()
      await svc.scheduler.tick()
      expect(await heldAndCalled(svc, phones)).toEqual(everyOrderOnce([...phones.keys()]))
      expect((await svc.api('GET', `/api/stores/${store.id}`)).body).toMatchObject({ reconciledAt: expect.any(String), webhooksRepair: null })
    } finally {
      await svc.close()
      app.remove()
    }
  })

  it('subscribes a Shopify shop again when Shopify deleted the subscription after its failed deliveries', async () => {
    const app = await deployment({ SHOPIFY_API_SECRET: APP.apiSecret })
    const phones = new Map<string, string>()
    let svc = await app.start()
    try {
      // Registered without a secret of its own: its webhooks are the app's, subscribed by us.
      const store = await shopifyStore(svc, {})
      await svc.reconciler.tick()
      expect(shop.webhooks(store.domain)).toEqual([
        { topic: 'ORDERS_CREATE', uri: `${svc.publicUrl}/webhooks/shopify` },
        { topic: 'APP_UNINSTALLED', uri: `${svc.publicUrl}/webhooks/shopify` },
      ])
      await svc.close()
      expect((await shop.placeOrder(store.domain, shopifyOrderAt(phones)))[0]!.status).toBe(0)
      expect(shop.webhooks(store.domain).map((w) => w.topic)).toEqual(['APP_UNINSTALLED'])

      svc = await app.start()
      await allSettled(svc, 1)
      expect(await heldAndCalled(svc, phones)).toEqual(everyOrderOnce([...phones.keys()]))
      expect(shop.webhooks(store.domain).map((w) => w.topic)).toEqual(['APP_UNINSTALLED', 'ORDERS_CREATE'])
      expect((await svc.api('GET', `/api/stores/${store.id}`)).body.webhooksRepair).toMatch(/orders\/create webhook subscription.*subscribed again/)
    } finally {
      await svc.close()
      app.remove()
    }
  })
})

describe('what reconciliation leaves alone', () => {
  it('takes no order placed before the store was installed, nor one older than the lookback', async () => {
    const woo = await startWooCommerceSimulator()
    const app = await deployment({ RECONCILE_LOOKBACK_HOURS: '48' })
    const svc = await app.start(false)
    try {
      const phones = new Map<string, string>()
      const installedAt = svc.clock.now()
      const beforeInstall = wooOrderNow(phones, installedAt - 5 * 60_000)
      woo.addOrder(beforeInstall)
      await registerWooStore(svc, woo, anyHours)
      const afterInstall = wooOrderNow(phones, installedAt + 1_000)
      woo.addOrder(afterInstall)
      await svc.reconciler.tick()
      expect((await svc.deps.db.select({ id: orders.platformOrderId }).from(orders).all()).map((o) => o.id)).toEqual([String(afterInstall.id)])

      // Four days on (by the service's clock), with a lookback of 48 hours: a day-old order is taken,
      // one of two and a half days is not.
      svc.clock.offset = 4 * 24 * HOUR
      const tooOld = wooOrderNow(phones, installedAt + 36 * HOUR)
      const recent = wooOrderNow(phones, installedAt + 3 * 24 * HOUR)
      woo.addOrder(tooOld)
      woo.addOrder(recent)
      // Not asked since the install, four days ago: the window starts at the lookback.
      await svc.reconciler.tick()
      expect((await svc.deps.db.select({ id: orders.platformOrderId }).from(orders).all()).map((o) => o.id)).toEqual([
        String(afterInstall.id),
        String(recent.id),
      ])
    } finally {
      await svc.close()
      await woo.close()
      app.remove()
    }
  })

  it('asks a throttled or failing store again next pass, and never lets it hold up another store', async () => {
    const woo = await startWooCommerceSimulator()
    const app = await deployment()
    const svc = await app.start(false)
    try {
      const phones = new Map<string, string>()
      const wooStore = await registerWooStore(svc, woo, anyHours)
      const shopStore = await shopifyStore(svc)
      const wooOrder = wooOrderNow(phones)
      woo.addOrder(wooOrder)
      shop.addOrder(shopStore.domain, shopifyOrderAt(phones))
      const held = async () => (await svc.deps.db.select({ storeId: orders.storeId }).from(orders).all()).map((o) => o.storeId)

      woo.failMatching({ method: 'GET', path: /\/orders$/ }, { status: 503 })
      await svc.reconciler.tick()
      expect(await held()).toEqual([shopStore.id])
      expect((await svc.api('GET', `/api/stores/${wooStore.id}`)).body.reconciledAt).toBeNull()
      await svc.reconciler.tick()
      expect((await held()).sort()).toEqual([shopStore.id, wooStore.id].sort())

      shop.addOrder(shopStore.domain, shopifyOrderAt(phones))
      shop.failMatching(shopStore.domain, /CallconfirmOrdersCreated/, 'throttle')
      woo.addOrder(wooOrderNow(phones))
      await svc.reconciler.tick()
      expect((await held()).filter((id) => id === shopStore.id)).toHaveLength(1)
      expect((await held()).filter((id) => id === wooStore.id)).toHaveLength(2)
      await svc.reconciler.tick()
      expect((await held()).filter((id) => id === shopStore.id)).toHaveLength(2)

      const failures = svc.logs.filter((l) => l.includes('reconciling the store failed'))
      expect(failures.map((l) => JSON.parse(l).storeId).sort()).toEqual([shopStore.id, wooStore.id].sort())
      expect(failures.join('\n')).not.toContain(woo.consumerSecret)
      expect(failures.join('\n')).not.toContain(shopStore.accessToken)
    } finally {
      await svc.close()
      await woo.close()
      app.remove()
    }
  })
})

describe('the start-up warning about PUBLIC_URL', () => {
  const warnings = (logs: string[]) => logs.filter((l) => l.includes('"level":"warn"') && l.includes('WordPress'))

  it('names a port WordPress will not deliver WooCommerce webhooks to, once, and stays quiet for 443, 8080 and loopback', async () => {
    for (const [publicUrl, warned] of [
      ['https://callconfirm.test:8443', 1],
      ['https://callconfirm.test', 0],
      ['https://callconfirm.test:8080', 0],
    ] as const) {
      const svc = await startTestService({ ...LIVE_ENV, PUBLIC_URL: publicUrl })
      try {
        expect(warnings(svc.logs), publicUrl).toHaveLength(warned)
        if (warned) expect(warnings(svc.logs)[0]).toContain('port 8443')
      } finally {
        await svc.close()
      }
    }
    // The sandbox's own address: only the simulators deliver there.
    const sandbox = await startTestService({ PUBLIC_URL: 'http://localhost:3000' })
    try {
      expect(warnings(sandbox.logs)).toEqual([])
    } finally {
      await sandbox.close()
    }
  })
})
