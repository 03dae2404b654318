import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OVERVIEW_REFRESH_MS } from '../src/dashboard/overviewRefresh.js'
import type { SandboxRun } from '../src/sandbox/start.js'
import { haveBrowser } from './support/browser.js'
import { bodyFont, POLARIS_FONT, sidewaysOverflow, textLines } from './support/pageLook.js'
import { type SandboxWithBrowser, startSandboxWithBrowser } from './support/sandboxBrowser.js'

const browserHere = haveBrowser('dashboard test')
const ADMIN_TOKEN = 'dashboard-test-admin-token-0123'
// `SCREENSHOTS=1 npx vitest run test/dashboard.test.ts test/settings-page.test.ts` refreshes the README's pictures.
const SCREENSHOTS = process.env.SCREENSHOTS === '1'
const root = join(import.meta.dirname, '..')

let world: SandboxWithBrowser
let run: SandboxRun
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  // As `npm start` runs with no credentials: sandbox, sample stores, simulated everything.
  world = await startSandboxWithBrowser({ adminToken: ADMIN_TOKEN })
  ;({ run, browser } = world)
}, 60_000)
afterAll(() => world?.close())

const url = (path: string) => `${run.service.url}${path}`

async function signIn(page: Page) {
  await page.goto(url('/'))
  await expect(page.locator('h1').textContent()).resolves.toBe('callconfirm')
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(url('/'))
}

const stat = (page: Page, id: string) => page.locator(`[data-stat="${id}"] b`).textContent()

describe.skipIf(!browserHere)('the dashboard', () => {
  it('refuses a wrong admin token and keeps pages behind the sign-in', async () => {
    const page = await browser.newPage()
    const res = await page.goto(url('/orders'))
    expect(page.url()).toBe(url('/login?next=%2Forders'))
    expect(res?.status()).toBe(200)
    await page.getByLabel('Admin token').fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.locator('.problem').textContent()).resolves.toContain('not the admin token')
    await page.close()
  })

  it("places a test order, shows the call as it happens, then the outcome, the tags on the store's order, and the stats", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    await signIn(page)
    await expect(stat(page, 'orders')).resolves.toBe('0')

    // A customer of the WooCommerce store orders too, from another tab, and will say no.
    const other = await context.newPage()
    await other.goto(url('/'))
    await other.getByLabel('Store').last().selectOption({ label: 'Butiku Lule (WooCommerce)' })
    await other.getByLabel('The customer').selectOption('cancels')
    await other.getByRole('button', { name: 'Place order' }).click()

    await page.getByLabel('Store').last().selectOption({ label: 'Dyqani Demo (Shopify)' })
    await page.getByLabel('The customer').selectOption('confirms')
    await page.getByRole('button', { name: 'Place order' }).click()
    await page.waitForURL(/\/orders\/\d+$/)
    await expect(page.locator('h1').textContent()).resolves.toContain('Order #1002')

    // Live: the greeting appears in the transcript while the call is still on.
    await page.locator('[data-transcript] .agent', { hasText: 'Dyqani Demo' }).first().waitFor({ timeout: 40_000 })
    await expect(page.locator('#live').getAttribute('data-settled')).resolves.toBe('false')
    // Then the customer's answer, the outcome, and the tag Shopify's order now carries (from the simulated store itself).
    await page.locator('[data-standing] .confirmed').waitFor({ timeout: 60_000 })
    await page.locator('[data-tag="call-confirmed"]').waitFor({ timeout: 20_000 })
    await expect(page.locator('[data-transcript] .customer').first().textContent()).resolves.toContain('Po, e konfirmoj')
    await expect(page.locator('[data-store-side] [data-note]').textContent()).resolves.toMatch(/\[callconfirm\] .* Konfirmuar \(telefonata \d+ s\)/)
    await expect(page.locator('#live').getAttribute('data-settled')).resolves.toBe('true')
    if (SCREENSHOTS) await page.screenshot({ path: join(root, 'docs', 'dashboard-order.png'), fullPage: true })

    await other.locator('[data-standing] .cancelled').waitFor({ timeout: 60_000 })
    // A WooCommerce order has no tags: our meta field and its status are what lands there.
    await other.locator('[data-meta="_callconfirm_outcome"]', { hasText: '_callconfirm_outcome = cancelled' }).waitFor({ timeout: 20_000 })
    await expect(other.locator('[data-store-side] [data-status="cancelled"]').textContent()).resolves.toBe('Cancelled')
    await expect(other.locator('[data-store-side] [data-tag]').count()).resolves.toBe(0)

    // The overview counts both: half confirmed, both answered, each called within seconds.
    await page.goto(url('/'))
    await expect(stat(page, 'orders')).resolves.toBe('2')
    await expect(stat(page, 'confirmation-rate')).resolves.toBe('50%')
    await expect(stat(page, 'answer-rate')).resolves.toBe('100%')
    await expect(stat(page, 'first-call')).resolves.toMatch(/^\d+ s$/)
    await expect(stat(page, 'cost-per-confirmed')).resolves.toMatch(/^\$0\.\d+$/)
    await expect(page.locator('[data-outcome="confirmed"] td').last().textContent()).resolves.toBe('1')
    // How they were confirmed: the one on our call, half of the decided orders; nothing yet on WhatsApp. The API says the same.
    await expect(page.locator('[data-channel="call"] td').allTextContents()).resolves.toEqual(['On our call', '1', '50%'])
    await expect(page.locator('[data-channel="whatsapp"] td').allTextContents()).resolves.toEqual(['On WhatsApp', '0', '0%'])
    const api = await fetch(url('/api/stats'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(((await api.json()) as { confirmedBy: unknown[] }).confirmedBy).toContainEqual({ channel: 'call', orders: 1, share: 0.5 })
    // The chart: round counts up the side, the dates along the bottom (today last), the day's counts on hover.
    await expect(page.locator('.chart-y span').allTextContents()).resolves.toEqual(['0', '1', '2'])
    const today = new Date().toISOString().slice(0, 10)
    const todayLabel = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.parse(today))
    await expect(page.locator('.chart-x span').last().textContent()).resolves.toBe(todayLabel)
    await expect(page.locator(`svg.chart [data-day="${today}"] rect.bar`).count()).resolves.toBe(2)
    await expect(page.locator(`svg.chart [data-day="${today}"] .hit title`).textContent()).resolves.toBe(
      `${todayLabel}: 2 orders (1 confirmed, 1 cancelled)`,
    )
    await expect(page.locator('[role="img"]').getAttribute('aria-label')).resolves.toContain('1 confirmed, 1 cancelled')
    if (SCREENSHOTS) await page.screenshot({ path: join(root, 'docs', 'dashboard.png'), fullPage: true })

    // The calls list filters by outcome.
    await page.goto(url('/orders?outcome=cancelled'))
    await expect(page.locator('tbody tr').count()).resolves.toBe(1)
    await expect(page.locator('tbody tr').textContent()).resolves.toContain('Butiku Lule')
    await context.close()
  }, 150_000)

  it('shows a merchant only their own store, opened from their settings page', async () => {
    const [shop, woo] = run.stores!.stores
    const settings = run.service.deps.settingsLinks.link({ id: woo!.id, linkVersion: 1 }, Date.now()).url
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(settings)
    const [dashboard] = await Promise.all([page.waitForEvent('popup'), page.getByRole('link', { name: 'Shikoni thirrjet tuaja' }).click()])
    const origin = new URL(settings).origin
    await dashboard.waitForURL(`${origin}/`)
    await expect(dashboard.locator('select[name="storeId"]').count()).resolves.toBe(1) // only the test-order form's
    // Their numbers and orders only: the one WooCommerce order, cancelled.
    await expect(stat(dashboard, 'orders')).resolves.toBe('1')
    await expect(dashboard.locator('tr[data-order]').count()).resolves.toBe(1)
    if (SCREENSHOTS) await dashboard.screenshot({ path: join(root, 'docs', 'dashboard-phone.png'), fullPage: true })
    // Another store's order is not there for them.
    const other = await fetch(url('/api/orders?limit=50'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then(
      (r) => r.json() as Promise<{ orders: Array<{ id: number; storeId: string }> }>,
    )
    const foreign = other.orders.find((o) => o.storeId === shop!.id)!
    const res = await dashboard.goto(`${origin}/orders/${foreign.id}`)
    expect(res?.status()).toBe(404)
    await page.context().close()
  })

  it("reads on a phone: the bar on one line, no page wider than the screen, in Polaris's font", async () => {
    const [shop] = run.stores!.stores
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
    const page = await context.newPage()
    await page.goto(url('/login'))
    await expect(bodyFont(page)).resolves.toBe(POLARIS_FONT)
    await expect(sidewaysOverflow(page)).resolves.toBe(0)
    await signIn(page)
    const orders = await fetch(url('/api/orders?limit=1'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then(
      (r) => r.json() as Promise<{ orders: Array<{ id: number }> }>,
    )
    for (const path of ['/', '/orders', `/orders/${orders.orders[0]!.id}`, '/stores']) {
      await page.goto(url(path))
      await expect(sidewaysOverflow(page), path).resolves.toBe(0)
      await expect(bodyFont(page), path).resolves.toBe(POLARIS_FONT)
      // "Sign out" is one line, on the same row as the name: the bar did not wrap.
      await expect(textLines(page, '.topbar button'), path).resolves.toBe(1)
      const brand = (await page.locator('.topbar .brand').boundingBox())!
      const signOut = (await page.getByRole('button', { name: 'Sign out' }).boundingBox())!
      expect(Math.abs(brand.y + brand.height / 2 - (signOut.y + signOut.height / 2)), path).toBeLessThan(4)
      expect(signOut.x + signOut.width, path).toBeLessThanOrEqual(360)
    }
    // The Shopify store's settings, as its merchant sees them on a phone and on a desktop.
    await page.goto(run.service.deps.settingsLinks.link({ id: shop!.id, linkVersion: 1 }, Date.now()).url)
    await expect(sidewaysOverflow(page)).resolves.toBe(0)
    if (SCREENSHOTS) {
      await page.screenshot({ path: join(root, 'docs', 'settings-page-phone.png'), fullPage: true })
      await page.setViewportSize({ width: 1100, height: 900 })
      await page.screenshot({ path: join(root, 'docs', 'settings-page.png'), fullPage: true })
    }
    await context.close()
  })

  it('keeps an open overview up to date by itself: a new order is counted once its call ends, without a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const overview = await context.newPage()
    await signIn(overview)
    const orders = Number(await stat(overview, 'orders'))
    const [confirmed, decided] = (await overview.locator('[data-stat="confirmation-rate"] .stat-detail').textContent())!.match(/\d+/g)!.map(Number)
    await overview.evaluate(() => Object.assign(window, { notReloaded: true }))

    const other = await context.newPage()
    await other.goto(url('/'))
    await other.getByLabel('Store').last().selectOption({ label: 'Dyqani Demo (Shopify)' })
    await other.getByLabel('The customer').selectOption('confirms')
    await other.getByRole('button', { name: 'Place order' }).click()
    await other.locator('[data-standing] .confirmed').waitFor({ timeout: 60_000 })

    const shows = (selector: string, text: string) =>
      overview.waitForFunction(([selector, text]) => document.querySelector(selector!)?.textContent === text, [selector, text], {
        timeout: OVERVIEW_REFRESH_MS + 15_000,
      })
    await shows('[data-stat="orders"] b', String(orders + 1))
    await shows('[data-stat="confirmation-rate"] .stat-detail', `${confirmed! + 1} of ${decided! + 1} decided`)
    await expect(overview.evaluate(() => 'notReloaded' in window)).resolves.toBe(true)
    await context.close()
  }, 120_000)
})
