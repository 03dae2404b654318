import type { Browser } from 'playwright-core'
import { Temporal } from 'temporal-polyfill'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import { haveBrowser, launchBrowser } from './support/browser.js'
import { type CallingService, orderView, placeWooOrder, registerWooStore, startCallingService, startTestTwilio } from './support/calling.js'
import { bodyFont, POLARIS_FONT, polarisColor, sidewaysOverflow, textLines } from './support/pageLook.js'
import { until, zoneWhereItIs } from './support/wait.js'

const browserHere = haveBrowser('settings-page test')

let twilio: TwilioSimulator
let woo: WooCommerceSimulator
let svc: CallingService
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  twilio = await startTestTwilio()
  woo = await startWooCommerceSimulator()
  svc = await startCallingService(twilio)
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await svc?.close()
  await Promise.all([twilio?.close(), woo?.close()])
})

describe.skipIf(!browserHere)('the settings page', () => {
  it('changes the calling window, and the next order waits for it', async () => {
    // A store where it is noon now, calling 09:00–20:00.
    const timezone = zoneWhereItIs(12)
    const store = await registerWooStore(svc, woo, { timezone, callingHours: { start: '09:00', end: '20:00' } })
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string

    const page = await browser.newPage()
    await page.goto(link)
    await expect(page.locator('h1').textContent()).resolves.toContain('Dyqani Lule')

    // A window that ends before it starts is refused, next to the field, and what was typed stays.
    await page.locator('[name="callingHours.start"]').fill('15:00')
    await page.locator('[name="callingHours.end"]').fill('14:00')
    await page.getByRole('button', { name: 'Ruaj' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Deri: duhet të jetë më vonë se fillimi')
    await expect(page.locator('[name="callingHours.start"]').inputValue()).resolves.toBe('15:00')
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.callingHours).toEqual({ start: '09:00', end: '20:00' })

    await page.locator('[name="callingHours.end"]').fill('19:00')
    await page.getByRole('button', { name: 'Ruaj' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('U ruajt')
    await expect(page.locator('[name="callingHours.end"]').inputValue()).resolves.toBe('19:00')
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.callingHours).toEqual({ start: '15:00', end: '19:00' })
    await page.close()

    // It is noon at the store: the next order is not called now but at 15:00 its time.
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human' }])
    const opening = Temporal.Now.zonedDateTimeISO(timezone).with({ hour: 15, minute: 0, second: 0, millisecond: 0, microsecond: 0, nanosecond: 0 })
    await until(
      async () => (await orderView(svc, placed.orderId)).nextCallAt === new Date(opening.epochMilliseconds).toISOString(),
      'the call to wait for 15:00',
    )
    expect((await orderView(svc, placed.orderId)).status).toBe('queued')
    expect(twilio.calls.filter((c) => c.to === placed.phone)).toEqual([])
  })

  it("reads on a phone in Polaris's look: nothing wider than the screen, the wrong field marked, Save standing out", async () => {
    const store = await registerWooStore(svc, woo)
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
    await page.goto(link)
    await expect(bodyFont(page)).resolves.toBe(POLARIS_FONT)
    await expect(sidewaysOverflow(page)).resolves.toBe(0)
    // The one dark button on the page is the one that saves.
    const save = page.getByRole('button', { name: 'Ruaj' })
    await expect(save.evaluate((b) => getComputedStyle(b).backgroundColor)).resolves.toBe(polarisColor('color-bg-fill-brand'))
    await expect(textLines(page, 'form button[type=submit]')).resolves.toBe(1)

    // A time zone that does not exist: the field itself turns red, with the reason under it.
    await page.locator('[name="timezone"]').fill('Europe/Atlantis')
    await save.click()
    await page.locator('#timezone-problem').waitFor()
    await expect(page.locator('#timezone').evaluate((i) => getComputedStyle(i).borderColor)).resolves.toBe(
      polarisColor('color-border-critical-secondary'),
    )
    await expect(page.locator('#timezone-problem').evaluate((p) => getComputedStyle(p).color)).resolves.toBe(polarisColor('color-text-critical'))
    await expect(sidewaysOverflow(page)).resolves.toBe(0)
    await page.close()
  })

  it('refuses a link that was tampered with', async () => {
    const store = await registerWooStore(svc, woo)
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string
    const page = await browser.newPage()
    const res = await page.goto(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))
    expect(res?.status()).toBe(404)
    await expect(page.locator('h1').textContent()).resolves.toContain('does not open any settings')
    await page.close()
  })
})
