import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stores } from '../src/db/schema.js'
import { findStore, storeCredentials, storeWebhookSecret } from '../src/stores/records.js'
import {
  PUBLIC_URL,
  registerShopify,
  registerWoo,
  SHOPIFY_SECRET,
  SHOPIFY_SHOP,
  SHOPIFY_TOKEN,
  startTestService,
  type TestService,
} from './support/service.js'

let svc: TestService
beforeAll(async () => {
  svc = await startTestService()
})
afterAll(() => svc.close())

describe('registering stores', () => {
  it('gives a Shopify store an id and the webhook URL to paste, and never shows its token', async () => {
    const res = await svc.api('POST', '/api/stores', {
      platform: 'shopify',
      shopDomain: 'https://Lule-Shop.myshopify.com/',
      accessToken: SHOPIFY_TOKEN,
      webhookSecret: SHOPIFY_SECRET,
    })
    expect(res.status).toBe(201)
    expect(res.body.store).toMatchObject({
      id: expect.stringMatching(/^st_/),
      platform: 'shopify',
      shopDomain: 'lule-shop.myshopify.com',
      companyName: 'Lule Shop',
    })
    expect(res.body.webhook).toMatchObject({ url: `${PUBLIC_URL}/webhooks/shopify`, topics: ['orders/create', 'app/uninstalled'] })
    const list = await svc.api('GET', '/api/stores')
    const text = JSON.stringify(list.body) + JSON.stringify(res.body)
    expect(text).not.toContain(SHOPIFY_TOKEN)
    expect(text).not.toContain(SHOPIFY_SECRET)
  })

  it('keeps credentials encrypted in the database', async () => {
    const woo = await registerWoo(svc)
    const row = svc.deps.db.select().from(stores).where(eq(stores.id, woo.id)).get()!
    expect(row.credentials).toMatch(/^v1\./)
    expect(row.credentials).not.toContain('ck_')
    expect(row.webhookSecret).not.toContain(woo.secret)
    const store = (await findStore(svc.deps.db, woo.id, svc.deps.storeDefaults))!
    expect(await storeCredentials(store, svc.deps.box)).toMatchObject({ consumerKey: expect.stringMatching(/^ck_/) })
  })

  it('generates an alphanumeric webhook secret for WooCommerce and gives its per-store URL', async () => {
    const res = await svc.api('POST', '/api/stores', {
      platform: 'woocommerce',
      siteUrl: 'https://Shop.Example.com/store/',
      consumerKey: 'ck_aaaaaaaaaaaaaaaaaaaa',
      consumerSecret: 'cs_bbbbbbbbbbbbbbbbbbbb',
      country: 'xk',
    })
    expect(res.status).toBe(201)
    expect(res.body.webhook.secret).toMatch(/^[A-Za-z0-9]{40}$/)
    expect(res.body.webhook.url).toBe(`${PUBLIC_URL}/webhooks/woocommerce/${res.body.store.id}`)
    expect(res.body.store).toMatchObject({ siteUrl: 'https://shop.example.com/store', country: 'XK', language: 'sq', timezone: 'Europe/Belgrade' })
  })

  it("derives language and time zone from the shop's country", async () => {
    const res = await svc.api('POST', '/api/stores', {
      platform: 'woocommerce',
      siteUrl: 'https://laden.example.de',
      consumerKey: 'ck_cccccccccccccccccccc',
      consumerSecret: 'cs_dddddddddddddddddddd',
      country: 'DE',
    })
    expect(res.body.store).toMatchObject({ language: 'de', timezone: 'Europe/Berlin', allowedCountries: ['DE'] })
  })

  it('updates a store registered again (new token, same id, settings kept, re-enabled)', async () => {
    const id = await registerShopify(svc)
    await svc.api('PATCH', `/api/stores/${id}`, { companyName: 'Arbeni', enabled: false })
    const again = await svc.api('POST', '/api/stores', { platform: 'shopify', shopDomain: SHOPIFY_SHOP, accessToken: 'shpat_new_token_000000' })
    expect(again.status).toBe(200)
    expect(again.body.store).toMatchObject({ id, companyName: 'Arbeni', enabled: true })
    const store = (await findStore(svc.deps.db, id, svc.deps.storeDefaults))!
    expect(await storeCredentials(store, svc.deps.box)).toMatchObject({ accessToken: 'shpat_new_token_000000' })
  })

  it.each([
    [{ platform: 'magento' }, 'platform'],
    [{ platform: 'shopify', shopDomain: 'example.com', accessToken: 'shpat_xxxxxxxx' }, 'shopDomain'],
    [{ platform: 'shopify', shopDomain: 'new-shop.myshopify.com', webhookSecret: 'shpss_xxxxxxxx' }, 'accessToken'],
    [{ platform: 'shopify', shopDomain: 'new-shop.myshopify.com', accessToken: 'shpat_xxxxxxxx' }, 'webhookSecret'],
    [{ platform: 'woocommerce', siteUrl: 'http://dyqani.al', consumerKey: 'ck_aaaaaaaaaaaa', consumerSecret: 'cs_aaaaaaaaaaaa' }, 'siteUrl'],
    [{ platform: 'woocommerce', siteUrl: 'https://dyqani.al', consumerKey: 'cs_swapped0000', consumerSecret: 'ck_swapped0000' }, 'consumerKey'],
    [
      {
        platform: 'woocommerce',
        siteUrl: 'https://dyqani.al',
        consumerKey: 'ck_aaaaaaaaaaaa',
        consumerSecret: 'cs_aaaaaaaaaaaa',
        country: 'Albania',
      },
      'country',
    ],
    [
      {
        platform: 'woocommerce',
        siteUrl: 'https://dyqani.al',
        consumerKey: 'ck_aaaaaaaaaaaa',
        consumerSecret: 'cs_aaaaaaaaaaaa',
        settings: { callOrders: 'x' },
      },
      'settings.callOrders',
    ],
    [{ platform: 'woocommerce', siteUrl: 'https://dyqani.al', consumerKey: 'ck_aaaaaaaaaaaa', consumerSecret: 'cs_aaaaaaaaaaaa', extra: 1 }, 'extra'],
  ])('answers %j with 400 naming %s, and registers nothing', async (body, field) => {
    const before = svc.deps.db.select().from(stores).all().length
    const res = await svc.api('POST', '/api/stores', body)
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe(field)
    expect(res.body.error.message).toBeTruthy()
    expect(svc.deps.db.select().from(stores).all().length).toBe(before)
  })

  it('registers one store when the same new store is registered twice at once', async () => {
    const body = { platform: 'shopify', shopDomain: 'twice-at-once.myshopify.com', accessToken: SHOPIFY_TOKEN, webhookSecret: SHOPIFY_SECRET }
    const answers = await Promise.all([svc.api('POST', '/api/stores', body), svc.api('POST', '/api/stores', body)])
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201])
    expect(answers[0]!.body.store.id).toBe(answers[1]!.body.store.id)
    const rows = await svc.deps.db.select().from(stores).where(eq(stores.domain, 'twice-at-once.myshopify.com')).all()
    expect(rows).toHaveLength(1)

    // Both answers for a WooCommerce store give the webhook secret it really has.
    const woo = {
      platform: 'woocommerce',
      siteUrl: 'https://twice-at-once.al',
      consumerKey: `ck_${'1'.repeat(40)}`,
      consumerSecret: `cs_${'2'.repeat(40)}`,
    }
    const both = await Promise.all([svc.api('POST', '/api/stores', woo), svc.api('POST', '/api/stores', woo)])
    expect(both.map((a) => a.status).sort()).toEqual([200, 201])
    const stored = await findStore(svc.deps.db, both[0]!.body.store.id, svc.deps.storeDefaults)
    const secret = await storeWebhookSecret(stored!, svc.deps.box)
    expect(both.map((a) => a.body.webhook.secret)).toEqual([secret, secret])
  })

  it('answers malformed JSON, a wrong content type and an oversized body clearly', async () => {
    expect(await svc.api('POST', '/api/stores', undefined, { raw: '{"platform": "shop' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    })
    expect(
      await svc.api('POST', '/api/stores', undefined, { raw: 'platform=shopify', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type' } },
    })
    expect(await svc.api('POST', '/api/stores', { pad: 'x'.repeat(300 * 1024) })).toMatchObject({ status: 413 })
  })

  it('requires the admin token', async () => {
    expect((await svc.api('GET', '/api/stores', undefined, { token: null })).status).toBe(401)
    const wrong = await svc.api('GET', '/api/stores', undefined, { token: 'not-the-admin-token' })
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } })
  })
})

describe('store settings', () => {
  let id: string
  beforeAll(async () => {
    id = (await registerWoo(svc, { siteUrl: 'https://settings.example.al' })).id
  })

  it('shows every setting with its default', async () => {
    const res = await svc.api('GET', `/api/stores/${id}`)
    expect(res.body).toMatchObject({
      enabled: true,
      companyName: 'settings.example.al',
      language: 'sq',
      voice: 'marin',
      timezone: 'Europe/Tirane',
      callingHours: { start: '09:00', end: '20:00' },
      retryDelaysMinutes: [15, 120, 1080],
      callOrders: 'cod',
      allowedCountries: ['AL', 'XK', 'MK', 'ME'],
      tags: { pending: 'call-pending', confirmed: 'call-confirmed', cancelled: 'call-cancelled' },
      actions: { cancelOnDecline: false, holdUntilConfirmed: false, wooStatusOnConfirmed: null, wooStatusOnCancelled: null },
    })
    expect(res.body.codPaymentNames).toContain('cash on delivery')
  })

  it('changes only what is sent', async () => {
    const res = await svc.api('PATCH', `/api/stores/${id}`, { companyName: 'Dyqani Lule', callingHours: { end: '19:00' }, callOrders: 'all' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ companyName: 'Dyqani Lule', callingHours: { start: '09:00', end: '19:00' }, callOrders: 'all', language: 'sq' })
    expect((await svc.api('GET', `/api/stores/${id}`)).body).toMatchObject({ companyName: 'Dyqani Lule', callOrders: 'all' })
  })

  it.each([
    [{ callingHours: { start: '9am' } }, 'callingHours.start'],
    [{ retryDelaysMinutes: 'often' }, 'retryDelaysMinutes'],
    [{ tags: { confirmed: '' } }, 'tags.confirmed'],
    [{ timezone: 'Tirana' }, 'timezone'],
    [{ platform: 'shopify' }, 'platform'],
    [{ webhookUrl: 'https://evil.example' }, 'webhookUrl'],
    [{ nonsense: true }, 'nonsense'],
  ])('refuses %j with 400 naming %s and changes nothing', async (change, field) => {
    const before = (await svc.api('GET', `/api/stores/${id}`)).body
    const res = await svc.api('PATCH', `/api/stores/${id}`, change)
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe(field)
    expect((await svc.api('GET', `/api/stores/${id}`)).body).toEqual(before)
  })

  it('answers 404 for a store that does not exist', async () => {
    expect((await svc.api('GET', '/api/stores/st_missing')).status).toBe(404)
    expect((await svc.api('PATCH', '/api/stores/st_missing', { companyName: 'x' })).status).toBe(404)
  })
})
