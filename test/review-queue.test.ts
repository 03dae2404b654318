import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrderView } from '../src/orders/views.js'
import type { CustomerBehaviour } from '../src/sandbox/customers.js'
import { speak } from '../src/sandbox/speech.js'
import type { SandboxRun } from '../src/sandbox/start.js'
import { haveBrowser } from './support/browser.js'
import { type SandboxWithBrowser, settledOrder, startSandboxWithBrowser } from './support/sandboxBrowser.js'

const browserHere = haveBrowser('review queue test')
const ADMIN_TOKEN = 'review-queue-test-admin-token-01'

let world: SandboxWithBrowser
let run: SandboxRun
let browser: Browser
const logs: string[] = []

beforeAll(async () => {
  if (!browserHere) return
  // As `npm start` runs with no credentials: sandbox, sample stores, simulated everything.
  world = await startSandboxWithBrowser({ adminToken: ADMIN_TOKEN, log: (line) => logs.push(line) })
  ;({ run, browser } = world)
}, 60_000)
afterAll(() => world?.close())

const url = (path: string) => world.url(path)
const shop = () => run.stores!.stores.find((s) => s.platform === 'shopify')!
const woo = () => run.stores!.stores.find((s) => s.platform === 'woocommerce')!

const api = <T>(path: string) => world.api<T>(path)
const orderOf = (id: number) => api<OrderView>(`/api/orders/${id}`)

/** Waits until the order is settled as `check` wants it, every write to its store delivered. */
const settled = (id: number, check: (o: OrderView) => boolean, timeoutMs?: number) => settledOrder(world, id, check, timeoutMs)
const closedAs = (outcome: string) => (o: OrderView) => o.status === 'done' && o.outcome === outcome

/** The order as the simulated store's own admin shows it. */
const storeSide = (order: { storeId: string; platformOrderId: string }) => run.stores!.storeSide(order.storeId, order.platformOrderId)!

async function operator(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  await page.goto(url('/login'))
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(url('/'))
  return { context, page }
}

/** A merchant of `storeId`, signed in to their dashboard through a settings link's way in. */
async function merchant(storeId: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const token = run.service.deps.settingsLinks.token({ id: storeId, linkVersion: 1 }, Date.now() + 3600_000)
  await page.goto(url(`/enter?t=${token}`))
  await page.waitForURL(url('/'))
  return { context, page }
}

const row = (page: Page, id: number) => page.locator(`tr[data-order="${id}"]`)
/** A person who picks up and confirms. */
const confirmer = { kind: 'human' as const, ringMs: 1_000, script: { turns: [{ say: speak('Po, e konfirmoj porosinë.') }] } }

describe.skipIf(!browserHere)('the review queue', () => {
  const placed: Record<string, { orderId: number; storeId: string; platformOrderId: string }> = {}

  beforeAll(async () => {
    const orders: Array<[string, 'shopify' | 'woocommerce', CustomerBehaviour]> = [
      ['changeShop', 'shopify', 'asks_change'],
      ['changeWoo', 'woocommerce', 'asks_change'],
      ['noAnswerWoo', 'woocommerce', 'no_answer'],
      ['wrongShop', 'shopify', 'wrong_number'],
      ['voicemailShop', 'shopify', 'voicemail'],
      ['noAnswerShop', 'shopify', 'no_answer'],
      ['voicemailWoo', 'woocommerce', 'voicemail'],
      ['outsideHoursWoo', 'woocommerce', 'no_answer'],
    ]
    for (const [key, platform, behaviour] of orders)
      placed[key] = await run.stores!.placeTestOrder((platform === 'shopify' ? shop() : woo()).id, behaviour)
    const expected: Record<string, string> = {
      changeShop: 'needs_review',
      changeWoo: 'needs_review',
      noAnswerWoo: 'no_answer',
      wrongShop: 'invalid_phone',
      voicemailShop: 'voicemail',
      noAnswerShop: 'no_answer',
      voicemailWoo: 'voicemail',
      outsideHoursWoo: 'no_answer',
    }
    await Promise.all(Object.entries(placed).map(([key, p]) => settled(p.orderId, closedAs(expected[key]!))))
  }, 150_000)

  it("lists the orders that need a person, with why, the customer's words, the store's link and the number masked until shown", async () => {
    const { context, page } = await operator()
    await page.getByRole('link', { name: 'Review', exact: true }).click()
    await page.waitForURL(url('/review'))
    // The sandbox's customer who asked for another address is there, with their own words.
    const change = row(page, placed.changeShop!.orderId)
    await expect(change.locator('[data-reason] .badge').textContent()).resolves.toBe('Needs review')
    await expect(change.locator('[data-last-words]').textContent()).resolves.toContain('ndryshojeni adresën në Rrugën e Durrësit 12')
    for (const key of ['noAnswerWoo', 'wrongShop', 'voicemailShop', 'voicemailWoo'])
      await expect(row(page, placed[key]!.orderId).count()).resolves.toBe(1)
    // Each links to the order in its store's own admin.
    await expect(change.locator('[data-store-admin]').getAttribute('href')).resolves.toBe(
      `https://dyqani-demo.myshopify.com/admin/orders/${placed.changeShop!.platformOrderId}`,
    )
    const wooLink = await row(page, placed.noAnswerWoo!.orderId).locator('[data-store-admin]').getAttribute('href')
    expect(wooLink).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/wp-admin/post\\.php\\?post=${placed.noAnswerWoo!.platformOrderId}&action=edit$`))

    // The number is masked, nowhere in the page whole, until "Show" is used, for that one order.
    const phone = (await orderOf(placed.changeShop!.orderId)).phone!
    expect(phone).toMatch(/^\+35569\d{7}$/)
    await expect(change.locator('[data-phone="masked"]').textContent()).resolves.toBe(`+355 69 *** **${phone.slice(-2)}`)
    expect(await page.content()).not.toContain(phone.slice(4))
    await change.getByRole('button', { name: 'Show' }).click()
    await expect(row(page, placed.changeShop!.orderId).locator('[data-phone="shown"]').textContent()).resolves.toBe(
      `+355 69 ${phone.slice(6, 9)} ${phone.slice(9)}`,
    )
    await expect(page.locator('[data-phone="shown"]').count()).resolves.toBe(1)
    // The access is logged, the number masked in the log.
    const access = logs.filter((l) => l.includes('customer phone number shown'))
    expect(access).toHaveLength(1)
    expect(access[0]).toContain(`"orderId":${placed.changeShop!.orderId}`)
    expect(access[0]).not.toContain(phone.slice(4))
    await context.close()
  })

  it("marks orders confirmed or cancelled, written to the store's order like a call's outcome, with who did it", async () => {
    const { context, page } = await operator()
    await page.goto(url('/review'))
    // From the queue: the Shopify order that asked for a change, confirmed by the operator.
    await row(page, placed.changeShop!.orderId).getByRole('button', { name: 'Mark confirmed' }).click()
    await expect(page.locator('[data-action-notice]').textContent()).resolves.toContain('marked confirmed')
    await expect(row(page, placed.changeShop!.orderId).count()).resolves.toBe(0)
    await settled(placed.changeShop!.orderId, closedAs('confirmed'))
    const shopSide = storeSide(placed.changeShop!)
    expect(shopSide.tags).toContain('call-confirmed')
    expect(shopSide.tags).not.toContain('call-needs-review')
    expect(shopSide.notes.join('\n')).toMatch(
      // The note line as a call's outcome writes it (in the store's language), with who marked it as its evidence.
      /\n\[callconfirm\] \d{4}-\d\d-\d\d \d\d:\d\d Konfirmuar: Shënuar si e konfirmuar nga operatori \(ishte: Për shqyrtim\)\.$/,
    )

    // A second submit of the same form changes nothing, and says so.
    const writes = (await orderOf(placed.changeShop!.orderId)).storeWrites.length
    const again = await page.request.post(url('/review'), {
      form: { order: String(placed.changeShop!.orderId), do: 'confirm' },
      headers: { origin: url('') },
    })
    expect(again.status()).toBe(409)
    expect(await again.text()).toContain('This order is already closed: confirmed. Nothing was changed.')
    expect((await orderOf(placed.changeShop!.orderId)).storeWrites).toHaveLength(writes)

    // From its page: the WooCommerce order, cancelled by its merchant.
    const shopper = await merchant(woo().id)
    await shopper.page.goto(url(`/orders/${placed.changeWoo!.orderId}`))
    await shopper.page.getByRole('button', { name: 'Shëno si të anuluar' }).click()
    await expect(shopper.page.locator('[data-action-notice]').textContent()).resolves.toContain('u shënua: anuluar')
    await settled(placed.changeWoo!.orderId, closedAs('cancelled'))
    const wooSide = storeSide(placed.changeWoo!)
    expect(wooSide.meta).toEqual({ _callconfirm_outcome: 'cancelled' })
    expect(wooSide.status).toBe('cancelled')
    expect(wooSide.notes.at(-1)).toMatch(
      /^\[callconfirm\] \d{4}-\d\d-\d\d \d\d:\d\d Anuluar: Shënuar si e anuluar nga tregtari \(ishte: Për shqyrtim\)\.$/,
    )
    // Sent again, it is refused in the merchant's language, as their page speaks.
    const twice = await shopper.page.request.post(url(`/orders/${placed.changeWoo!.orderId}`), {
      form: { do: 'cancel' },
      headers: { origin: url('') },
    })
    expect(twice.status()).toBe(409)
    expect(await twice.text()).toContain(
      `${(await orderOf(placed.changeWoo!.orderId)).name}: Kjo porosi është mbyllur tashmë: anuluar. Nuk u ndryshua asgjë.`,
    )
    await shopper.context.close()
    await context.close()
  }, 60_000)

  it('calls an order again and lands the new outcome; calls a corrected number and refuses a wrong one', async () => {
    const { context, page } = await operator()
    // The WooCommerce customer who did not answer will, this time.
    const noAnswer = await orderOf(placed.noAnswerWoo!.orderId)
    run.simulators.twilio!.script(noAnswer.phone!, confirmer)
    await page.goto(url('/review'))
    await row(page, noAnswer.id).getByRole('button', { name: 'Call again now' }).click()
    await expect(page.locator('[data-action-notice]').textContent()).resolves.toBe(`Calling ${noAnswer.name} now.`)

    // The wrong number, corrected on the order's page: a number that is not one is refused first.
    const wrong = await orderOf(placed.wrongShop!.orderId)
    await page.goto(url(`/orders/${wrong.id}`))
    await page.getByLabel('Right number').fill('12 34')
    await page.getByRole('button', { name: 'Fix the number and call' }).click()
    await expect(page.locator('[data-action-problem]').textContent()).resolves.toContain('That is not a valid phone number')
    expect(await orderOf(wrong.id)).toMatchObject({ status: 'done', outcome: 'invalid_phone', phone: wrong.phone })
    // A premium-rate number is refused as intake refuses one.
    await page.getByLabel('Right number').fill('0900 12345')
    await page.getByRole('button', { name: 'Fix the number and call' }).click()
    await expect(page.locator('[data-action-problem]').textContent()).resolves.toMatch(/premium-rate|not a valid phone number/)
    const fixed = '+355695550123'
    run.simulators.twilio!.script(fixed, confirmer)
    await page.getByLabel('Right number').fill('069 555 0123')
    await page.getByRole('button', { name: 'Fix the number and call' }).click()
    await expect(page.locator('[data-action-notice]').textContent()).resolves.toBe(`Calling ${wrong.name} at the new number now.`)

    const called = await settled(noAnswer.id, closedAs('confirmed'))
    expect(called.attempts).toHaveLength(2)
    const wooSide = storeSide(placed.noAnswerWoo!)
    expect(wooSide.meta).toEqual({ _callconfirm_outcome: 'confirmed' })
    expect(wooSide.status).toBe('processing')
    expect(wooSide.notes.at(-1)).toContain('“Po, e konfirmoj porosinë.”')

    const corrected = await settled(wrong.id, closedAs('confirmed'))
    expect(corrected.phone).toBe(fixed)
    expect(run.simulators.twilio!.calls.filter((c) => c.to === fixed)).toHaveLength(1)
    const shopSide = storeSide(placed.wrongShop!)
    expect(shopSide.tags).toContain('call-confirmed')
    expect(shopSide.tags).not.toContain('call-invalid-phone')
    expect(shopSide.tags).not.toContain('call-pending')

    // Called again, and again no answer: a third call would pass the order's cap (two here: the
    // sample stores call each order once), so it is refused, saying why.
    const silent = await orderOf(placed.noAnswerShop!.orderId)
    run.simulators.twilio!.script(silent.phone!, { kind: 'no-answer' })
    await page.goto(url('/review'))
    await row(page, silent.id).getByRole('button', { name: 'Call again now' }).click()
    await expect(page.locator('[data-action-notice]').textContent()).resolves.toBe(`Calling ${silent.name} now.`)
    await settled(silent.id, (o) => closedAs('no_answer')(o) && o.attempts.length === 2)
    await page.goto(url('/review'))
    await row(page, silent.id).getByRole('button', { name: 'Call again now' }).click()
    await expect(page.locator('[data-action-problem]').textContent()).resolves.toBe(
      `${silent.name}: This order has had 2 calls, the most one order gets (2); it is not called again. Nothing was changed.`,
    )
    expect((await orderOf(silent.id)).status).toBe('done')
    await context.close()
  }, 150_000)

  it('says when an order called again cannot be called now, and why, and queues it for when it can', async () => {
    const { context, page } = await operator()
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Tirane', hour: '2-digit', hourCycle: 'h23' }).format(new Date()))
    const start = (hour + 3) % 24 >= 23 ? 1 : (hour + 3) % 24
    const clock = (h: number) => `${String(h).padStart(2, '0')}:00`
    const patch = (callingHours: { start: string; end: string }) =>
      fetch(url(`/api/stores/${woo().id}`), {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ callingHours }),
      })
    expect((await patch({ start: clock(start), end: clock(start + 1) })).status).toBe(200)
    try {
      const order = await orderOf(placed.outsideHoursWoo!.orderId)
      await page.goto(url(`/orders/${order.id}`))
      await page.getByRole('button', { name: 'Call again now' }).click()
      await expect(page.locator('[data-action-notice]').textContent()).resolves.toMatch(
        new RegExp(
          `^${order.name} cannot be called now\\. It is queued to be called: outside the store's calling hours; next try \\w{3} ${clock(start)}\\.$`,
        ),
      )
      expect(await orderOf(order.id)).toMatchObject({ status: 'queued', waitReason: 'outside_calling_hours' })
    } finally {
      await patch({ start: '00:00', end: '23:59' })
    }
    await context.close()
  })

  it("adds a note to the store's order, and confirms the selected orders at once", async () => {
    const { context, page } = await operator()
    await page.goto(url(`/orders/${placed.voicemailShop!.orderId}`))
    await page.getByLabel("Note for the store's order").fill('Customer will collect it at the shop')
    await page.getByRole('button', { name: 'Add note' }).click()
    await expect(page.locator('[data-action-notice]').textContent()).resolves.toContain('Note added')
    await settled(placed.voicemailShop!.orderId, closedAs('voicemail'))
    expect(storeSide(placed.voicemailShop!).notes.join('\n')).toMatch(
      /\n\[callconfirm\] \d{4}-\d\d-\d\d \d\d:\d\d Shënim nga operatori: Customer will collect it at the shop$/,
    )
    expect(storeSide(placed.voicemailShop!).tags).toContain('call-voicemail')

    await page.goto(url('/review'))
    for (const key of ['noAnswerShop', 'voicemailWoo']) await row(page, placed[key]!.orderId).getByRole('checkbox').check()
    await page.locator('#bulk').getByRole('button', { name: 'Mark confirmed' }).click()
    const notice = await page.locator('[data-action-notice]').textContent()
    for (const key of ['noAnswerShop', 'voicemailWoo']) {
      const order = await settled(placed[key]!.orderId, closedAs('confirmed'))
      expect(notice).toContain(`${order.name} marked confirmed`)
      await expect(row(page, order.id).count()).resolves.toBe(0)
    }
    expect(storeSide(placed.noAnswerShop!).tags).toContain('call-confirmed')
    expect(storeSide(placed.noAnswerShop!).tags).not.toContain('call-no-answer')
    expect(storeSide(placed.voicemailWoo!).meta).toEqual({ _callconfirm_outcome: 'confirmed' })
    await context.close()
  }, 120_000)

  it("lets a merchant act on their own store's orders only, and refuses a form from another site", async () => {
    const order = placed.voicemailShop!
    const before = { view: await orderOf(order.orderId), side: structuredClone(storeSide(order)) }
    const shopper = await merchant(woo().id)
    const origin = url('')
    // Another store's order: not found, whichever way it is asked for, alone or among their own.
    for (const [path, form] of [
      ['/review', { order: String(order.orderId), do: 'confirm' }],
      [`/orders/${order.orderId}`, { do: 'cancel' }],
      [`/orders/${order.orderId}`, { do: 'show_phone' }],
    ] as const) {
      const res = await shopper.page.request.post(url(path), { form, headers: { origin } })
      expect(res.status(), path).toBe(404)
    }
    const mixed = new URLSearchParams([
      ['do', 'confirm'],
      ['orders', String(placed.changeWoo!.orderId)],
      ['orders', String(order.orderId)],
    ])
    const bulk = await shopper.page.request.post(url('/review'), {
      data: mixed.toString(),
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(bulk.status()).toBe(404)
    // Their own store's order answers them, and their queue holds their store's orders only.
    const own = await shopper.page.request.post(url(`/orders/${placed.outsideHoursWoo!.orderId}`), {
      form: { do: 'show_phone' },
      headers: { origin },
    })
    expect(own.status()).toBe(200)
    await shopper.page.goto(url('/review'))
    await expect(row(shopper.page, order.orderId).count()).resolves.toBe(0)
    // (Their store's orders there were all resolved above; the Shopify store's voicemail still waits.)
    await expect(shopper.page.locator('[data-queue-empty]').count()).resolves.toBe(1)
    await shopper.context.close()

    // Without the dashboard's CSRF check passing (no Origin, or another site's), the operator's own session is refused too.
    const { context } = await operator()
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
    const attempts: Array<Record<string, string>> = [{ cookie }, { cookie, origin: 'https://evil.example' }]
    for (const headers of attempts) {
      const res = await fetch(url(`/orders/${order.orderId}`), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ do: 'confirm' }),
        redirect: 'manual',
      })
      expect(res.status).toBe(403)
    }
    // The same session with the dashboard's own origin is let through.
    const sameSite = await fetch(url(`/orders/${order.orderId}`), {
      method: 'POST',
      headers: { cookie, origin: url(''), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ do: 'show_phone' }),
    })
    expect(sameSite.status).toBe(200)
    await context.close()
    const after = await orderOf(order.orderId)
    expect({ status: after.status, outcome: after.outcome, writes: after.storeWrites.length }).toEqual({
      status: before.view.status,
      outcome: before.view.outcome,
      writes: before.view.storeWrites.length,
    })
    expect(storeSide(order)).toEqual(before.side)
  })

  it("opens a store's settings for the operator from the Stores page, and a merchant's own from the header", async () => {
    const { context, page } = await operator()
    await page.goto(url('/stores'))
    const [settings] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator(`tr[data-store="${shop().id}"]`).getByRole('button', { name: 'Settings' }).click(),
    ])
    await settings.waitForURL(/\/settings\?t=/)
    await expect(settings.locator('#companyName').inputValue()).resolves.toBe('Dyqani Demo')
    await context.close()

    const shopper = await merchant(woo().id)
    await shopper.page.getByRole('link', { name: 'Cilësimet' }).click()
    await shopper.page.waitForURL(/\/settings\?t=/)
    await expect(shopper.page.locator('#companyName').inputValue()).resolves.toBe('Butiku Lule')
    await shopper.context.close()
  })
})
