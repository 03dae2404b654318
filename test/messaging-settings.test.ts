import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import { haveBrowser, launchBrowser } from './support/browser.js'
import { type CallingService, nextCustomerPhone, placeWooOrder, registerWooStore, startCallingService, startTestTwilio } from './support/calling.js'
import { until } from './support/wait.js'

const browserHere = haveBrowser('messaging-settings test')

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

describe.skipIf(!browserHere)('messages on the settings page', () => {
  it('the merchant sets the WhatsApp template and their own SMS text, and the next missed customer gets that SMS', async () => {
    const store = await registerWooStore(svc, woo, { retryDelaysMinutes: [] })
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string
    const page = await browser.newPage()
    await page.goto(link)
    await expect(page.locator('[name="messaging.channels"]').inputValue()).resolves.toBe('whatsapp,sms')

    // A template SID that is not one is refused next to its field.
    await page.locator('[name="messaging.whatsappContentSid"]').fill('not-a-sid')
    await page.getByRole('button', { name: 'Ruaj' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Shablloni i WhatsApp (Content SID): ')
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.messaging.whatsappContentSid).toBeNull()

    const sid = `HX${'0'.repeat(32)}`
    await page.locator('[name="messaging.whatsappContentSid"]').fill(sid)
    await page.locator('[name="messaging.channels"]').selectOption('sms')
    await page.locator('[name="messaging.delayMinutes"]').fill('0')
    await page.locator('[name="messaging.smsText"]').fill('{{shop}}: porosia {{order}} pret pergjigjen tuaj. {{link}} (1 = po, 2 = jo)')
    await page.getByRole('button', { name: 'Ruaj' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('U ruajt')
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.messaging).toEqual({
      channels: ['sms'],
      after: 'last_call',
      delayMinutes: 0,
      whatsappContentSid: sid,
      smsText: { sq: '{{shop}}: porosia {{order}} pret pergjigjen tuaj. {{link}} (1 = po, 2 = jo)' },
    })
    await page.close()

    const phone = nextCustomerPhone()
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'no-answer' }])
    await until(() => twilio.messaging.list.some((m) => m.to === phone), 'the SMS', 20_000)
    const sms = twilio.messaging.list.find((m) => m.to === phone)!
    expect(sms.channel).toBe('sms')
    // The link's token: the order and its expiry in base36, then the signature in base64url (which has - and _).
    expect(sms.body).toMatch(
      new RegExp(
        `^Dyqani Lule: porosia ${placed.platformOrderId} pret pergjigjen tuaj\\. ${svc.publicUrl}/a/[0-9a-z]+[\\w-]{16} \\(1 = po, 2 = jo\\)$`,
      ),
    )
  })
})
