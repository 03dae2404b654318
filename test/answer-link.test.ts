import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANSWER_LINK_TTL_MS } from '../src/messages/answerLink.js'
import { ANSWER_RATE_LIMIT } from '../src/messages/answerRoutes.js'
import type { OrderView } from '../src/orders/views.js'
import { type ShopifyAdminSimulator, startShopifyAdminSimulator } from '../src/sandbox/shopify-admin/simulator.js'
import type { SimulatedMessage } from '../src/sandbox/twilio/messaging.js'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { haveBrowser, launchBrowser } from './support/browser.js'
import { type CallingService, orderView, placeShopifyOrder, registerShopifyStore, startCallingService, startTestTwilio } from './support/calling.js'
import { until } from './support/wait.js'

const browserHere = haveBrowser('answer link test')
const WEBHOOK_SECRET = 'shpss_answer_link_secret'

let phones: TwilioSimulator
let shop: ShopifyAdminSimulator
let svc: CallingService
let store: { domain: string; id: string }
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  phones = await startTestTwilio()
  shop = await startShopifyAdminSimulator()
  // TRUST_PROXY: the rate-limit test comes from addresses of its own (X-Forwarded-For), the browser from loopback.
  svc = await startCallingService(phones, { SHOPIFY_ADMIN_API_ORIGIN: shop.origin, TRUST_PROXY: 'true' })
  store = await registerShopifyStore(svc, shop, { prefix: 'answer-link', webhookSecret: WEBHOOK_SECRET })
  browser = await launchBrowser()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await svc?.close()
  await Promise.all([phones?.close(), shop?.close()])
})

/** An order whose customer misses the one call the store makes: it ends `no_answer`, as the orders an SMS goes out for do. */
async function missedOrder() {
  const placed = await placeShopifyOrder(svc, { shop, twilio: phones }, { ...store, webhookSecret: WEBHOOK_SECRET }, [{ kind: 'no-answer' }])
  await until(async () => (await orderView(svc, placed.orderId)).outcome === 'no_answer', 'the call to go unanswered', 20_000)
  return { ...placed, link: svc.deps.answerLinks.link(placed.orderId, svc.clock.now()).url }
}

/** The order once every write to its store is delivered. */
async function settled(orderId: number): Promise<OrderView> {
  let order: OrderView | undefined
  await until(async () => {
    order = await orderView(svc, orderId)
    return order!.storeWrites.length > 0 && order!.storeWrites.every((w) => w.status === 'done')
  }, 'the store to be told')
  return order!
}

/** A phone's browser: 360 px wide, no cookies kept between pages it opens. */
async function phone(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
  return context.newPage()
}

const buttons = (page: Page) => page.locator('form.answer button')

describe.skipIf(!browserHere)('the answer page an SMS links to', () => {
  it('shows the shop, the order, what was ordered and its total in Albanian, and nothing about the customer', async () => {
    const order = await missedOrder()
    const page = await phone()
    const res = await page.goto(order.link)
    expect(res!.status()).toBe(200)
    const headers = res!.headers()
    expect(headers['cache-control']).toBe('no-store')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['x-robots-tag']).toContain('noindex')
    expect(headers['content-security-policy']).toContain("default-src 'none'")
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(headers['set-cookie']).toBeUndefined()

    const view = await orderView(svc, order.orderId)
    await expect(page.locator('h1').textContent()).resolves.toBe('Dyqani Lule')
    const summary = page.locator('[data-order-summary]')
    await expect(summary.locator('h2').textContent()).resolves.toBe(`Porosia ${view.name}`)
    await expect(summary.locator('li').allTextContents()).resolves.toEqual(['1 × Atlete vrapimi - 42 / E zezë', '2 × Çantë shpine'])
    // 4500 + 2 × 1800 lek, as Albanian shops write it.
    await expect(summary.locator('[data-total]').textContent()).resolves.toBe('8.100\u00a0L')
    await expect(buttons(page).allTextContents()).resolves.toEqual(['Po, e konfirmoj', 'Jo, anuloje'])

    const html = await page.content()
    for (const private_ of [
      order.phone.slice(4),
      order.customer.phone.slice(1),
      order.customer.firstName,
      order.customer.lastName,
      order.customer.address,
    ])
      expect(html).not.toContain(private_)
    // The log keeps the order's part of the token, never the whole of it.
    const token = order.link.slice(order.link.lastIndexOf('/') + 1)
    expect(svc.logs.some((line) => line.includes(`/a/${token.slice(0, -16)}`))).toBe(true)
    expect(svc.logs.some((line) => line.includes(token))).toBe(false)

    // At 320 px, the narrowest phone, nothing runs off the side and the buttons take the column's width.
    await page.setViewportSize({ width: 320, height: 640 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    const box = await buttons(page).first().boundingBox()
    expect(box!.width).toBeGreaterThan(250)
    expect(box!.height).toBeGreaterThanOrEqual(48)

    // The language switch: the same page in English, carried in the address, not a cookie.
    await page.getByRole('link', { name: 'English' }).click()
    await expect(buttons(page).allTextContents()).resolves.toEqual(['Yes, I confirm', 'No, cancel it'])
    await expect(summary.locator('h2').textContent()).resolves.toBe(`Order ${view.name}`)
    expect(await page.context().cookies()).toEqual([])
    // Looking changed nothing.
    expect(await orderView(svc, order.orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
    await page.context().close()
  }, 60_000)

  it("tapping confirm closes the order as confirmed, written to the store's order as a call's answer is", async () => {
    const order = await missedOrder()
    const page = await phone()
    await page.goto(order.link)
    await page.getByRole('button', { name: 'Po, e konfirmoj' }).click()
    await expect(page.locator('[data-answer-result]').textContent()).resolves.toContain('Faleminderit! Porosia juaj u konfirmua.')
    expect(await buttons(page).count()).toBe(0)

    const view = await settled(order.orderId)
    expect(view).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.tags()).toContain('call-confirmed')
    expect(order.tags()).not.toContain('call-no-answer')
    expect(order.note()).toContain('“Po, e konfirmoj”')

    // Opened again, the page says how the order was closed, without buttons.
    await page.goto(order.link)
    await expect(page.locator('[data-answer-result]').textContent()).resolves.toContain('Kjo porosi është konfirmuar tashmë.')
    expect(await buttons(page).count()).toBe(0)
    await page.context().close()
  }, 60_000)

  it('is what the SMS to a customer without WhatsApp links to: tapping confirm there confirms the order', async () => {
    const order = await missedOrder()
    // No WhatsApp template in this store, and no WhatsApp on this phone: the SMS goes, with the link.
    let sms: SimulatedMessage | undefined
    await until(() => {
      sms = phones.messaging.list.find((m) => m.direction === 'outbound-api' && m.channel === 'sms' && m.to === order.phone)
      return sms !== undefined
    }, 'the SMS to go out')
    const link = /\bhttps?:\/\/\S+\/a\/\S+/.exec(sms!.body)?.[0]
    expect(link, sms!.body).toBeDefined()
    const page = await phone()
    await page.goto(link!)
    await page.getByRole('button', { name: 'Po, e konfirmoj' }).click()
    await expect(page.locator('[data-answer-result]').textContent()).resolves.toContain('Faleminderit! Porosia juaj u konfirmua.')
    expect(await settled(order.orderId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.tags()).toContain('call-confirmed')
    await page.context().close()
  }, 60_000)

  it('a second tap, from a page opened before the first, changes nothing and says so', async () => {
    const order = await missedOrder()
    const first = await phone()
    const second = await phone()
    await first.goto(order.link)
    await second.goto(order.link)
    await first.getByRole('button', { name: 'Po, e konfirmoj' }).click()
    await expect(first.locator('[data-answer-result]').textContent()).resolves.toContain('u konfirmua')
    const writes = (await settled(order.orderId)).storeWrites.length

    await second.getByRole('button', { name: 'Jo, anuloje' }).click()
    await expect(second.locator('[data-answer-result]').textContent()).resolves.toContain('Kjo porosi është konfirmuar tashmë. Nuk u ndryshua asgjë.')
    const view = await orderView(svc, order.orderId)
    expect(view).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(view.storeWrites).toHaveLength(writes)
    expect(order.tags()).toContain('call-confirmed')
    expect(order.tags()).not.toContain('call-cancelled')
    await first.context().close()
    await second.context().close()
  }, 60_000)

  it("tapping cancel closes the order as cancelled, with the store's cancelled tag", async () => {
    const order = await missedOrder()
    const page = await phone()
    await page.goto(order.link)
    await page.getByRole('button', { name: 'Jo, anuloje' }).click()
    await expect(page.locator('[data-answer-result]').textContent()).resolves.toContain('Porosia juaj u anulua.')
    expect(await settled(order.orderId)).toMatchObject({ status: 'done', outcome: 'cancelled' })
    expect(order.tags()).toContain('call-cancelled')
    expect(order.note()).toContain('“Jo, anuloje”')
    await page.context().close()
  }, 60_000)

  it('a forged or an expired link shows no order, and a tap through it changes nothing', async () => {
    const order = await missedOrder()
    const view = await orderView(svc, order.orderId)
    const token = order.link.slice(order.link.lastIndexOf('/') + 1)
    const forged = `${svc.publicUrl}/a/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    const expired = svc.deps.answerLinks.link(order.orderId, svc.clock.now() - ANSWER_LINK_TTL_MS - 3600_000).url
    const page = await phone()
    for (const [link, status, title] of [
      [forged, 404, 'Kjo lidhje nuk funksionon'],
      [expired, 410, 'Kjo lidhje ka skaduar'],
    ] as const) {
      const res = await page.goto(link)
      expect(res!.status()).toBe(status)
      await expect(page.locator('h1').textContent()).resolves.toBe(title)
      const html = await page.content()
      expect(html).not.toContain(view.name)
      expect(html).not.toContain('Dyqani Lule')
      expect(await buttons(page).count()).toBe(0)
      // The form the page does not show, posted anyway.
      const tapped = await page.request.post(link, { form: { answer: 'confirm' }, headers: { origin: svc.publicUrl } })
      expect(tapped.status()).toBe(status)
    }
    expect(await orderView(svc, order.orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
    await page.context().close()
  }, 60_000)

  it("refuses a tap posted from another site's page", async () => {
    const order = await missedOrder()
    const res = await fetch(order.link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'answer=confirm',
    })
    expect(res.status).toBe(403)
    expect(await orderView(svc, order.orderId)).toMatchObject({ status: 'done', outcome: 'no_answer' })
  }, 60_000)

  it('limits how often one address may open answer pages', async () => {
    const order = await missedOrder()
    const from = (address: string) => fetch(order.link, { headers: { 'x-forwarded-for': address } })
    for (let i = 0; i < ANSWER_RATE_LIMIT.limit; i++) expect((await from('203.0.113.7')).status).toBe(200)
    const refused = await from('203.0.113.7')
    expect(refused.status).toBe(429)
    expect(await refused.text()).toContain('Shumë përpjekje')
    expect(refused.headers.get('cache-control')).toBe('no-store')
    // Another address is not held back by it.
    expect((await from('203.0.113.8')).status).toBe(200)
  }, 60_000)
})
