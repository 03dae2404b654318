import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDateTime } from '../src/i18n/index.js'
import type { SandboxRun } from '../src/sandbox/start.js'
import { haveBrowser } from './support/browser.js'
import { type SandboxWithBrowser, startSandboxWithBrowser } from './support/sandboxBrowser.js'

const browserHere = haveBrowser('albanian pages test')
const ADMIN_TOKEN = 'albanian-pages-test-admin-token-0'
// `SCREENSHOTS=1 npx vitest run test/albanian-pages.test.ts` refreshes docs/<page>-<sq|en>[-phone].png.
const SCREENSHOTS = process.env.SCREENSHOTS === '1'
const docs = join(import.meta.dirname, '..', 'docs')

let world: SandboxWithBrowser
let run: SandboxRun
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  // As `npm start` runs with no credentials: the two Albanian sample stores (Europe/Tirane, lek).
  world = await startSandboxWithBrowser({ adminToken: ADMIN_TOKEN })
  ;({ run, browser } = world)
}, 60_000)
afterAll(() => world?.close())

const url = (path: string) => `${run.service.url}${path}`
const lang = (page: Page) => page.locator('html').getAttribute('lang')
const h1 = (page: Page) => page.locator('h1').first().textContent()
const api = (path: string, init: RequestInit = {}) => world.api<Record<string, any>>(path, init)

/** An operator whose browser asks for Albanian. */
async function albanianOperator(viewport = { width: 1100, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'sq-AL', viewport })
  const page = await context.newPage()
  await page.goto(url('/'))
  await page.getByLabel('Tokeni i administratorit').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Hyr' }).click()
  await page.waitForURL(url('/'))
  return { context, page }
}

/** A test order from the sandbox's form, in Albanian as the page is, waited to its outcome. */
async function placeOrder(page: Page, store: string, customer: string, outcome: string) {
  await page.goto(url('/'))
  await page.locator('select[name="storeId"]').last().selectOption({ label: store })
  await page.getByLabel('Klienti').selectOption(customer)
  await page.getByRole('button', { name: 'Bëj porosinë' }).click()
  await page.waitForURL(/\/orders\/\d+$/)
  await page.locator(`[data-standing] .${outcome}`).waitFor({ timeout: 60_000 })
  return Number(new URL(page.url()).pathname.split('/').pop())
}

/** What the simulated store shows on the order, once the write-back has reached it (the page is loaded again until then). */
async function storeSideOnceWritten(page: Page, written: string) {
  const side = page.locator('[data-store-side]')
  for (let tries = 0; !(await side.textContent())?.includes(written); tries++) {
    if (tries > 60) throw new Error(`the store's order never showed ${written}`)
    await page.waitForTimeout(500)
    await page.reload()
  }
  return side
}

const shot = async (page: Page, name: string) => {
  if (SCREENSHOTS) await page.screenshot({ path: join(docs, `${name}.png`), fullPage: true })
}

describe.skipIf(!browserHere)('the pages in Albanian and English', () => {
  it("speak Albanian to an operator whose browser asks for it, with the store's time and money, and the switch turns them English and back", async () => {
    const { context, page } = await albanianOperator()
    expect(await lang(page)).toBe('sq')
    expect(await h1(page)).toBe('Përmbledhje')
    await expect(page.locator('.sections').textContent()).resolves.toContain('Për shqyrtim')
    // The sandbox's test-order form speaks the page's language too.
    const form = page.locator('form[action="/test-orders"]').locator('xpath=..')
    await expect(form.locator('h2').textContent()).resolves.toBe('Bëni një porosi provë')
    await expect(form.locator('.hint').textContent()).resolves.toBe(
      'Sandbox: një klient i simuluar porosit në një dyqan shembull dhe i përgjigjet thirrjes siç zgjidhni ju. Askush nuk telefonohet vërtet.',
    )
    await expect(form.locator('option[value="confirms"]').textContent()).resolves.toBe('Konfirmon (“Po, e konfirmoj”)')
    await expect(form.locator('option[value="asks_change"]').textContent()).resolves.toBe('Konfirmon, por kërkon një adresë tjetër (për shqyrtim)')

    const id = await placeOrder(page, 'Dyqani Demo (Shopify)', 'confirms', 'confirmed')
    // The order's page: its words, its lek as an Albanian shop writes them, the call's time in Tirana.
    expect(await h1(page)).toContain('Porosia #')
    await expect(page.locator('[data-total]').textContent()).resolves.toBe('8.100\u00a0L')
    await expect(page.locator('[data-standing] .confirmed').textContent()).resolves.toBe('Konfirmuar')
    // What the customer said, in the page's language too (the JSON API keeps its English sentence).
    await expect(page.locator('[data-standing]').textContent()).resolves.toContain('Konfirmoi në telefon: “Po, e konfirmoj')
    await expect(page.locator('#live h2').first().textContent()).resolves.toBe('Thirrjet')
    const order = (await api(`/api/orders/${id}`)) as { attempts: Array<{ startedAt: string }> }
    const started = formatDateTime(Date.parse(order.attempts[0]!.startedAt), 'Europe/Tirane', 'sq')
    await expect(page.locator('[data-attempt="1"] td').nth(2).textContent()).resolves.toBe(started)
    expect(started).toMatch(/^\d+ [a-zë]+ \d{4} në \d\d:\d\d$/)
    await expect(page.locator('[data-attempt="1"]').textContent()).resolves.not.toMatch(/completed|machine|_/)
    // What the Shopify store shows on its order: its tags, and the note.
    const shopifySide = await storeSideOnceWritten(page, 'call-confirmed')
    await expect(shopifySide.locator('p').first().textContent()).resolves.toBe('Etiketat e porosisë në Shopify: call-confirmed')
    await expect(shopifySide.locator('p').nth(1).textContent()).resolves.toBe('Shënimi i porosisë:')
    await shot(page, 'order-sq')

    // The switch: the same order in English, and the choice sticks for the next page.
    await page.getByRole('link', { name: 'English' }).click()
    expect(await lang(page)).toBe('en')
    expect(await h1(page)).toContain('Order #')
    await expect(page.locator('[data-total]').textContent()).resolves.toBe('ALL\u00a08,100')
    await expect(page.locator('[data-standing] .confirmed').textContent()).resolves.toBe('Confirmed')
    await expect(page.locator('[data-standing]').textContent()).resolves.toContain('Confirmed on the call: “Po, e konfirmoj')
    await expect(page.locator('[data-store-side] p').first().textContent()).resolves.toBe('Tags on the Shopify order: call-confirmed')
    await shot(page, 'order-en')
    await page.goto(url('/'))
    expect(await h1(page)).toBe('Overview')
    await expect(form.locator('h2').textContent()).resolves.toBe('Place a test order')
    await expect(form.locator('option[value="confirms"]').textContent()).resolves.toBe('Confirms (“Po, e konfirmoj”)')
    await expect(form.getByRole('button').textContent()).resolves.toBe('Place order')
    await shot(page, 'overview-en')
    await page.getByRole('link', { name: 'Shqip' }).click()
    expect(await lang(page)).toBe('sq')
    expect(await h1(page)).toBe('Përmbledhje')
    await expect(page.locator('[data-stat="confirmation-rate"] .stat-label').textContent()).resolves.toBe('Të konfirmuara')
    await shot(page, 'overview-sq')
    await context.close()
  }, 120_000)

  it('shows the review queue in Albanian, no internal code on it, and in English after the switch', async () => {
    const { context, page } = await albanianOperator()
    await placeOrder(page, 'Butiku Lule (WooCommerce)', 'voicemail', 'voicemail')
    // A WooCommerce order has no tags: our meta field, its status and private notes, as WooCommerce shows them.
    const wooSide = await storeSideOnceWritten(page, '_callconfirm_outcome = voicemail')
    await expect(wooSide.locator('[data-tag]').count()).resolves.toBe(0)
    await expect(wooSide.locator('p').first().textContent()).resolves.toBe(
      'Fusha meta e porosisë në WooCommerce: _callconfirm_outcome = voicemail · Statusi: Në pritje',
    )
    await expect(wooSide.locator('p').nth(1).textContent()).resolves.toBe('Shënimet private:')
    await page.goto(url('/review'))
    expect(await lang(page)).toBe('sq')
    expect(await h1(page)).toBe('Për shqyrtim')
    const row = page.locator('[data-review-queue] tbody tr').first()
    await expect(row.locator('.badge').textContent()).resolves.toBe('Postë zanore')
    await expect(row.getByRole('button', { name: 'Telefono përsëri tani' }).count()).resolves.toBe(1)
    await expect(row.getByRole('button', { name: 'Shëno si të konfirmuar' }).count()).resolves.toBe(1)
    await shot(page, 'review-sq')
    await page.getByRole('link', { name: 'English' }).click()
    expect(await h1(page)).toBe('Review')
    await expect(row.getByRole('button', { name: 'Mark confirmed' }).count()).resolves.toBe(1)
    await shot(page, 'review-en')
    await context.close()
  }, 120_000)

  it("speaks the store's language to its merchant: Albanian settings, with every mistake named at once, and English for an English store", async () => {
    const [shop, woo] = run.stores!.stores
    const link = (id: string) => run.service.deps.settingsLinks.link({ id, linkVersion: 1 }, Date.now()).url
    // A merchant of an Albanian store whose browser is in English: the store's language wins.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    await page.goto(link(woo!.id))
    expect(await lang(page)).toBe('sq')
    expect(await h1(page)).toBe('callconfirm për Butiku Lule')
    await shot(page, 'settings-sq')
    await page.locator('[name="retryDelaysMinutes"]').fill('15, pesë')
    await page.locator('[name="timezone"]').fill('Europe/Atlantis')
    await page.getByRole('button', { name: 'Ruaj' }).click()
    await expect(page.getByRole('alert').locator('li').allTextContents()).resolves.toEqual(
      expect.arrayContaining([
        'Telefono përsëri pas (minutash): vonesa e dytë duhet të jetë një numër i plotë minutash',
        'Zona kohore: nuk është zonë kohore; shkruani emrin IANA, p.sh. Europe/Tirane',
      ]),
    )
    // The switch keeps the settings open, in English.
    await page.getByRole('link', { name: 'English' }).click()
    expect(await lang(page)).toBe('en')
    await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(1)
    await shot(page, 'settings-en')
    await page.getByRole('link', { name: 'Shqip' }).click()
    expect(await h1(page)).toBe('callconfirm për Butiku Lule')
    await context.close()

    // The Shopify store turns English: its merchant, in an Albanian browser, reads English.
    const patched = await api(`/api/stores/${shop!.id}`, { method: 'PATCH', body: JSON.stringify({ language: 'en' }) })
    expect(patched.language).toBe('en')
    const english = await browser.newContext({ locale: 'sq-AL', viewport: { width: 1100, height: 900 } })
    const merchant = await english.newPage()
    await merchant.goto(link(shop!.id))
    expect(await lang(merchant)).toBe('en')
    await expect(merchant.getByRole('button', { name: 'Save' }).count()).resolves.toBe(1)
    const [dashboard] = await Promise.all([merchant.waitForEvent('popup'), merchant.getByRole('link', { name: 'See your calls' }).click()])
    await dashboard.waitForURL(/\/$/)
    expect(await lang(dashboard)).toBe('en')
    expect(await h1(dashboard)).toBe('Overview')
    await english.close()
    await api(`/api/stores/${shop!.id}`, { method: 'PATCH', body: JSON.stringify({ language: 'sq' }) })
  }, 60_000)

  it.runIf(SCREENSHOTS)(
    'looks right on a phone in both languages',
    async () => {
      const { context, page } = await albanianOperator({ width: 390, height: 844 })
      const orders = (await api('/api/orders?limit=1')) as { orders: Array<{ id: number }> }
      const settings = run.service.deps.settingsLinks.link({ id: run.stores!.stores[1]!.id, linkVersion: 1 }, Date.now()).url
      for (const language of ['sq', 'en']) {
        for (const [name, path] of [
          ['overview', url('/')],
          ['order', url(`/orders/${orders.orders[0]!.id}`)],
          ['review', url('/review')],
          ['settings', settings],
        ] as const) {
          const at = new URL(path)
          at.searchParams.set('lang', language)
          await page.goto(at.href)
          await shot(page, `${name}-${language}-phone`)
        }
      }
      await context.close()
    },
    60_000,
  )
})
