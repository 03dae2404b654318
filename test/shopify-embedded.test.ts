import { join } from 'node:path'
import type { Browser, BrowserContext, Frame, Page, Response as PageResponse } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrderView } from '../src/orders/views.js'
import { SAMPLE_SHOP } from '../src/sandbox/sampleStores.js'
import { appBridgeSessionToken, hostParam } from '../src/sandbox/shopify-admin/oauth.js'
import type { SandboxRun } from '../src/sandbox/start.js'
import { haveBrowser } from './support/browser.js'
import { type SandboxWithBrowser, settledOrder, startSandboxWithBrowser } from './support/sandboxBrowser.js'

const browserHere = haveBrowser('embedded Shopify admin test')
// `SCREENSHOTS=1 npx vitest run test/shopify-embedded.test.ts` refreshes docs/shopify-admin-sq.png.
const SCREENSHOTS = process.env.SCREENSHOTS === '1'
const ADMIN_TOKEN = 'embedded-admin-test-admin-token-1'

let world: SandboxWithBrowser
let run: SandboxRun
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  // As `npm start` runs with no credentials: the sample shop installed through OAuth into the simulated Shopify.
  world = await startSandboxWithBrowser({ adminToken: ADMIN_TOKEN })
  ;({ run, browser } = world)
}, 60_000)
afterAll(() => world?.close())

const url = (path: string) => world.url(path)
const shopStore = () => run.stores!.stores.find((s) => s.platform === 'shopify')!
const wooStore = () => run.stores!.stores.find((s) => s.platform === 'woocommerce')!
const app = () => ({ apiKey: run.service.deps.config.shopify.apiKey!, apiSecret: run.service.deps.config.shopify.apiSecret! })
const launch = (token: string) =>
  new URLSearchParams({ embedded: '1', shop: SAMPLE_SHOP.domain, host: hostParam(SAMPLE_SHOP.domain), id_token: token })
const settled = (id: number, check: (o: OrderView) => boolean) => settledOrder(world, id, check)

/** Where the browser reaches callconfirm (PUBLIC_URL: the admin frames the app's URL there). */
const appOrigin = () => run.service.deps.config.publicUrl

/** The app's frame in the admin page, once it shows the page `at` wants (loaded with a session token). */
async function appFrame(page: Page, at: (url: URL) => boolean): Promise<Frame> {
  await expect
    .poll(() => {
      const frame = page.frame({ name: 'app-iframe' })
      return frame ? at(new URL(frame.url())) : false
    })
    .toBe(true)
  const frame = page.frame({ name: 'app-iframe' })!
  await frame.waitForLoadState()
  return frame
}
const withToken = (path: string) => (u: URL) => u.pathname === path && u.searchParams.has('id_token')

/** The merchant in their Shopify admin with callconfirm open; every page the app's frame loaded is kept. */
async function inTheAdmin(): Promise<{ context: BrowserContext; page: Page; answers: PageResponse[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const answers: PageResponse[] = []
  page.on('response', (r) => {
    if (r.url().startsWith(appOrigin()) && r.request().isNavigationRequest()) answers.push(r)
  })
  await page.goto(run.stores!.shopifyAdminUrl)
  await appFrame(page, withToken('/'))
  return { context, page, answers }
}

describe.skipIf(!browserHere)('callconfirm inside the Shopify admin', () => {
  it('opens the dashboard in the admin, with its sections in the sidebar and the title in the title bar, signed in by the session token alone', async () => {
    const { context, page, answers } = await inTheAdmin()
    await expect.poll(() => page.locator('#title-bar').textContent()).toBe('Përmbledhje')
    expect(await page.locator('#app-nav a').allTextContents()).toEqual(['Përmbledhje', 'Porositë', 'Për shqyrtim', 'Cilësimet'])
    const frame = await appFrame(page, withToken('/'))
    expect(await frame.locator('h1').first().textContent()).toBe('Përmbledhje')
    // The admin is the page's frame: no bar of our own, no "Sign out".
    expect(await frame.locator('header.topbar').count()).toBe(0)

    const overview = answers.find((r) => new URL(r.url()).pathname === '/')!
    const headers = await overview.allHeaders()
    expect(headers['x-frame-options']).toBeUndefined()
    expect(headers['content-security-policy']).toContain(
      `frame-ancestors https://${SAMPLE_SHOP.domain} https://admin.shopify.com ${new URL(run.stores!.shopifyAdminUrl).origin}`,
    )
    // Nothing rests on a cookie: the browser holds none of ours (a framed page's would be a third party's).
    expect(await context.cookies(appOrigin())).toEqual([])
    await context.close()
  })

  it('follows the sidebar and the page’s own links, and marks an order confirmed in the frame: the shop’s order gets call-confirmed', async () => {
    const placed = await run.stores!.placeTestOrder(shopStore().id, 'asks_change')
    await settled(placed.orderId, (o) => o.status === 'done' && o.outcome === 'needs_review')

    const { context, page } = await inTheAdmin()
    await page.locator('#app-nav a', { hasText: 'Për shqyrtim' }).click()
    const queue = await appFrame(page, withToken('/review'))
    await expect.poll(() => page.locator('#title-bar').textContent()).toBe('Për shqyrtim')
    // A link in the page: the links' script asks App Bridge for a token and opens the order with it.
    await queue.locator(`tr[data-order="${placed.orderId}"] a`).first().click()
    const orderPage = await appFrame(page, withToken(`/orders/${placed.orderId}`))
    await orderPage.locator('button[name="do"][value="confirm"]').click()
    await (await appFrame(page, withToken(`/orders/${placed.orderId}`))).locator('[data-action-notice]').waitFor()
    if (SCREENSHOTS) await page.screenshot({ path: join(import.meta.dirname, '..', 'docs', 'shopify-admin-sq.png') })

    const order = await settled(placed.orderId, (o) => o.outcome === 'confirmed')
    expect(order.outcome).toBe('confirmed')
    expect(run.stores!.storeSide(placed.storeId, placed.platformOrderId)!.tags).toContain('call-confirmed')
    expect(await context.cookies(appOrigin())).toEqual([])
    await context.close()
  }, 90_000)

  it('opens and saves the settings in the frame', async () => {
    const { context, page } = await inTheAdmin()
    await page.locator('#app-nav a', { hasText: 'Cilësimet' }).click()
    const settings = await appFrame(page, (u) => u.pathname === '/settings')
    await expect.poll(() => page.locator('#title-bar').textContent()).toBe('Cilësimet')
    await settings.getByLabel('Emri i dyqanit që thotë agjenti').fill('Dyqani Demo Tiranë')
    await settings.locator('form[action^="/settings"] button[type="submit"]').click()
    await (await appFrame(page, withToken('/settings'))).locator('.notice.success').waitFor()
    const stored = await world.api(`/api/stores/${shopStore().id}`)
    expect(stored.companyName).toBe('Dyqani Demo Tiranë')
    // Still in the admin: its title bar names the page.
    await expect.poll(() => page.locator('#title-bar').textContent()).toBe('Cilësimet')
    await context.close()
  })

  it('opens “talk to your agent” in a tab of its own, where the browser may lend it the microphone', async () => {
    const { context, page } = await inTheAdmin()
    const overview = await appFrame(page, withToken('/'))
    const [tab] = await Promise.all([context.waitForEvent('page'), overview.locator('form[action^="/talk/outside"] button').click()])
    await tab.waitForURL((u) => u.pathname === '/talk')
    expect(new URL(tab.url()).searchParams.get('store')).toBe(shopStore().id)
    expect(await tab.locator('h1').first().textContent()).toContain('Fol me agjentin tuaj')
    await context.close()
  })
})

describe.skipIf(!browserHere)('the session token, as a stranger would try it', () => {
  const forged = () => appBridgeSessionToken({ apiKey: app().apiKey, apiSecret: 'shpss_not_the_apps_secret' }, SAMPLE_SHOP.domain)

  it('refuses a forged token on a fetch, and sends a page load with one to App Bridge’s bounce page for a real one', async () => {
    const fetched = await fetch(url('/orders'), { headers: { authorization: `Bearer ${forged()}` } })
    expect(fetched.status).toBe(401)
    expect(fetched.headers.get('x-shopify-retry-invalid-session-request')).toBe('1')

    const loaded = await fetch(url(`/?${launch(forged())}`), { redirect: 'manual' })
    expect(loaded.status).toBe(302)
    const bounce = new URL(loaded.headers.get('location')!, url('/'))
    expect(bounce.pathname).toBe('/shopify/session-token')
    expect(bounce.searchParams.get('id_token')).toBeNull()
    expect(bounce.searchParams.get('shopify-reload')).toBe(`/?embedded=1&shop=${SAMPLE_SHOP.domain}&host=${hostParam(SAMPLE_SHOP.domain)}`)
  })

  it('will not send App Bridge’s token to another site from the bounce page', async () => {
    const res = await fetch(url(`/shopify/session-token?shop=${SAMPLE_SHOP.domain}&shopify-reload=${encodeURIComponent('https://evil.example/')}`))
    expect(res.status).toBe(400)
  })

  it('shows a shop’s merchant their own store only', async () => {
    const woo = await run.stores!.placeTestOrder(wooStore().id, 'confirms')
    const token = appBridgeSessionToken(app(), SAMPLE_SHOP.domain)
    const res = await fetch(url(`/orders/${woo.orderId}?${launch(token)}`))
    expect(res.status).toBe(404)
  })

  it('lets a token for a shop without the app see nothing, and keeps the dashboard out of frames elsewhere', async () => {
    const stranger = appBridgeSessionToken(app(), 'someone-else.myshopify.com')
    const res = await fetch(url('/'), { headers: { authorization: `Bearer ${stranger}` } })
    expect(res.status).toBe(401)

    const outside = await fetch(url('/'), { redirect: 'manual' })
    expect(outside.status).toBe(303)
    expect(outside.headers.get('location')).toBe('/login?next=%2F')
    expect(outside.headers.get('x-frame-options')).toBe('DENY')
  })

  it('sends a shop that has not installed the app out of the frame to install it', async () => {
    const res = await fetch(
      url(
        `/shopify/app?${new URLSearchParams({ ...Object.fromEntries(launch(appBridgeSessionToken(app(), 'new-shop.myshopify.com'))), shop: 'new-shop.myshopify.com' })}`,
      ),
    )
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain(`open("${run.service.deps.config.publicUrl}/shopify/install?shop=new-shop.myshopify.com", '_top')`)
  })
})
