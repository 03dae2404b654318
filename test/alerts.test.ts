import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { alerts } from '../src/db/schema.js'
import { wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { speak } from '../src/sandbox/speech.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  callThrough,
  customer,
  nextOrderId,
  orderView,
  registerWooStore,
  startCallingService,
  startVoiceWorld,
  type VoiceWorld,
  type WooStore,
} from './support/calling.js'
import { type ReceivedMail, type SmtpSink, startSmtpSink } from './support/smtpSink.js'
import { until, zoneWhereItIs } from './support/wait.js'

const MERCHANT = 'porosite@dyqani.al'
const FROM = 'callconfirm <alerts@callconfirm.test>'
// A quarter-hour zone: the digest's 08:00 is the store's, not UTC's nor a whole-hour offset's.
const ZONE = 'Asia/Kathmandu'
// Calls at any hour there, so the tests do not depend on when they run.
const ALWAYS = { start: '00:00', end: '23:59' }

/** The customer answers after the greeting (about 2.5 s at the simulated model's pace). */
const saying = (text: string) => ({ speech: [{ atMs: 3_000, audio: speak(text, 40) }] })
/** A customer who asks for a change: the call ends needing review. */
const ASKS_FOR_A_CHANGE = saying('Dua ta ndryshoj adresën e dërgesës.')

const startWorld = (env: Record<string, string>, store: Record<string, unknown>) =>
  startVoiceWorld({
    realtime: { msPerChar: 10, firstAudioMs: 0 },
    env,
    service: { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000, helloWaitMs: 0 } },
    // English unless a test says otherwise (a store's default language is its country's).
    store: { language: 'en', timezone: ZONE, callingHours: ALWAYS, retryDelaysMinutes: [], ...store },
  })

let sink: SmtpSink
let world: VoiceWorld

beforeAll(async () => {
  sink = await startSmtpSink()
  world = await startWorld({ SMTP_URL: sink.url, ALERT_FROM: FROM }, { alertEmail: MERCHANT })
})
afterAll(async () => {
  await world?.close()
  await sink?.close()
})

/** Runs the alerter's passes now (its loop also runs them every 10 s). */
const passes = async (n = 2) => {
  for (let i = 0; i < n; i++) await world.svc.alerter!.tick()
}
const mailAbout = (subject: string) => sink.messages.filter((m) => m.subject.includes(subject))
/** Mail to the merchant of the test's stores (every store here is called Dyqani Lule). */
const merchantMail = (subject: string) => mailAbout(subject).filter((m) => m.to.includes(MERCHANT))
async function received(subject: string): Promise<ReceivedMail> {
  await until(
    async () => {
      await passes(1)
      return merchantMail(subject).length > 0
    },
    `an email about “${subject}”`,
    15_000,
  )
  return merchantMail(subject)[0]!
}

/** An order whose webhook arrives for an order the store no longer has: writing to it fails for good. */
async function orderGoneFromStore(svc: CallingService, store: WooStore, woo = world.woo) {
  const id = nextOrderId()
  const payload = wooOrderPayload({ id, customer: customer(id).customer })
  const res = await deliverWooWebhook({
    url: `${svc.url}/webhooks/woocommerce/${store.id}`,
    secret: store.secret,
    source: woo.siteUrl,
    payload,
  })
  return (res.body as { orderId: number }).orderId
}

/** The link in a mail that opens `path` on the dashboard, checked to open it signed in as the store's merchant (who has no session of their own). */
async function signedLinkTo(text: string, path: string): Promise<string> {
  const origin = world.svc.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const link = new RegExp(`${origin}/enter\\?t=[^\\s&]+&next=${encodeURIComponent(path)}(?=\\s|$)`, 'm').exec(text)?.[0]
  expect(link, `a link to ${path}`).toBeDefined()
  const entered = await fetch(link!, { redirect: 'manual' })
  expect(entered.status).toBe(303)
  expect(entered.headers.get('location')).toBe(path)
  const cookie = entered.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  expect((await fetch(`${world.svc.url}${path}`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200)
  return link!
}

describe('alert email', () => {
  it('tells the merchant once when an order needs review: the shop, the order, its link, and nothing of the customer', async () => {
    const { order, phone } = await callThrough(world, ASKS_FOR_A_CHANGE)
    expect(order.outcome).toBe('needs_review')
    const mail = await received(`order ${order.name} needs review`)
    expect(mail).toMatchObject({ to: [MERCHANT], from: 'alerts@callconfirm.test', user: 'alerts' })
    expect(mail.headers.from).toBe(FROM)
    expect(mail.subject).toBe(`Dyqani Lule: order ${order.name} needs review`)
    expect(mail.text).toContain(`Order ${order.name} at Dyqani Lule needs a person to look at it.`)
    expect(mail.text).toContain(`Open the order: ${await signedLinkTo(mail.text, `/orders/${order.id}`)}`)
    // Neither the customer's number (in any form) nor their words.
    expect(mail.text).not.toContain(phone.slice(4))
    expect(mail.text).not.toContain('ndryshoj')
    // Later passes, past the time a send may take (a worker holds an alert that long), send no second one.
    world.svc.clock.offset += 10 * 60_000
    await passes(3)
    expect(mailAbout(order.name)).toHaveLength(1)
    // The SMTP password never reaches the logs.
    expect(world.svc.logs.join('\n')).not.toContain(sink.password)
  })

  it('writes to an Albanian store’s merchant in Albanian', async () => {
    const woo = await startWooCommerceSimulator()
    try {
      const store = await registerWooStore(world.svc, woo, {
        language: 'sq',
        alertEmail: MERCHANT,
        timezone: ZONE,
        callingHours: ALWAYS,
        retryDelaysMinutes: [],
      })
      const { order, phone } = await callThrough({ ...world, woo, store }, ASKS_FOR_A_CHANGE)
      expect(order.outcome).toBe('needs_review')
      const mail = await received(`porosia ${order.name} ka nevojë për shqyrtim`)
      expect(mail.subject).toBe(`Dyqani Lule: porosia ${order.name} ka nevojë për shqyrtim`)
      expect(mail.text).toContain(`Porosia ${order.name} në Dyqani Lule duhet parë nga dikush.`)
      expect(mail.text).toContain(`Hapni porosinë: ${await signedLinkTo(mail.text, `/orders/${order.id}`)}`)
      expect(mail.text).not.toContain(phone.slice(4))
    } finally {
      await woo.close()
    }
  })

  it('tells the merchant once when the store would not take the outcome', async () => {
    const orderId = await orderGoneFromStore(world.svc, world.store)
    const order = await orderView(world.svc, orderId)
    const mail = await received(`order ${order.name} could not be updated in your store`)
    expect(mail.text).toContain(`What the store said: Order ${order.platformOrderId} no longer exists in the store.`)
    await signedLinkTo(mail.text, `/orders/${orderId}`)
    // Later writes of the same order failing too (calling stopped) make no second email.
    await until(async () => (await orderView(world.svc, orderId)).status !== 'queued', 'the order to leave the queue')
    await passes(3)
    expect(mailAbout(order.name)).toHaveLength(1)
  })

  it('sends nothing about a store that has no alert address', async () => {
    const woo: WooCommerceSimulator = await startWooCommerceSimulator()
    try {
      const store = await registerWooStore(world.svc, woo, { timezone: ZONE, callingHours: ALWAYS, retryDelaysMinutes: [] })
      const { order } = await callThrough({ ...world, woo, store }, ASKS_FOR_A_CHANGE)
      expect(order.outcome).toBe('needs_review')
      await passes(3)
      expect(mailAbout(order.name)).toEqual([])
      const kept = await world.svc.deps.db.select().from(alerts).where(eq(alerts.orderId, order.id)).all()
      expect(kept.map((a) => a.status)).toEqual(['skipped'])
    } finally {
      await woo.close()
    }
  })

  it('waits while the mail server is down, and sends the alert once it is back', async () => {
    await sink.down()
    const { order } = await callThrough(world, ASKS_FOR_A_CHANGE)
    await passes(2)
    expect(world.svc.logs.some((l) => l.includes('an alert could not be sent; it is tried again later'))).toBe(true)
    await sink.up()
    // Tried again 30 s later (the service's clock moved on), not lost.
    world.svc.clock.offset += 31_000
    const mail = await received(`order ${order.name} needs review`)
    await signedLinkTo(mail.text, `/orders/${order.id}`)
    await passes(2)
    expect(mailAbout(order.name)).toHaveLength(1)
  })

  it('gives up at once on an address the mail server says does not exist', async () => {
    const woo = await startWooCommerceSimulator()
    sink.unknownMailboxes.add('nobody@dyqani.al')
    try {
      // Closed for calls now: only the store write happens, and fails.
      const store = await registerWooStore(world.svc, woo, { alertEmail: 'nobody@dyqani.al', timezone: zoneWhereItIs(3) })
      const orderId = await orderGoneFromStore(world.svc, store, woo)
      const kept = () => world.svc.deps.db.select().from(alerts).where(eq(alerts.orderId, orderId)).all()
      await until(async () => {
        await passes(1)
        return (await kept()).some((a) => a.status !== 'queued')
      }, 'the alert to be settled')
      expect(await kept()).toMatchObject([{ status: 'failed', tries: 1, lastError: expect.stringContaining('Mailbox does not exist') }])
      expect(world.svc.logs.some((l) => l.includes('the mail server refused an alert for good'))).toBe(true)
    } finally {
      sink.unknownMailboxes.clear()
      await woo.close()
    }
  })

  it('keeps an alert it could not send across a restart, and sends it once after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callconfirm-alerts-'))
    const env = { DATABASE_PATH: join(dir, 'callconfirm.db'), SMTP_URL: sink.url, ALERT_FROM: FROM }
    const failedSend = (svc: CallingService) => svc.logs.some((l) => l.includes('an alert could not be sent'))
    let name = ''
    await sink.down()
    try {
      const first = await startCallingService(world.twilio, env)
      try {
        // Closed for calls now: only the store write happens, and fails.
        const store = await registerWooStore(first, world.woo, { language: 'en', alertEmail: MERCHANT, timezone: zoneWhereItIs(3) })
        const orderId = await orderGoneFromStore(first, store)
        name = (await orderView(first, orderId)).name
        await until(async () => {
          await first.alerter!.tick()
          return failedSend(first)
        }, 'a send to fail')
      } finally {
        await first.close()
      }
      await sink.up()
      const second = await startCallingService(world.twilio, env)
      try {
        second.clock.offset = 31_000
        await until(async () => {
          await second.alerter!.tick()
          return mailAbout(`order ${name} could not be updated`).length > 0
        }, 'the alert after the restart')
        second.clock.offset += 10 * 60_000
        await second.alerter!.tick()
        expect(mailAbout(name)).toHaveLength(1)
      } finally {
        await second.close()
      }
    } finally {
      await sink.up()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('sends the digest of yesterday at 08:00 on the store’s clock, once', async () => {
    const confirmed = await callThrough(world, saying('Po, e konfirmoj.'))
    const review = await callThrough(world, ASKS_FOR_A_CHANGE)
    expect([confirmed.order.outcome, review.order.outcome]).toEqual(['confirmed', 'needs_review'])
    // 08:00 in Kathmandu the day after these calls.
    const today = Temporal.Instant.fromEpochMilliseconds(world.svc.clock.now()).toZonedDateTimeISO(ZONE).toPlainDate()
    const eight = today.add({ days: 1 }).toZonedDateTime({ timeZone: ZONE, plainTime: '08:00' }).epochMilliseconds
    const longDay = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${today.toString()}T12:00:00Z`),
    )
    const digests = () => merchantMail(`Dyqani Lule, ${longDay}`)

    world.svc.clock.offset = eight - 5_000 - Date.now()
    await passes(2)
    expect(digests()).toEqual([])

    world.svc.clock.offset = eight + 1_000 - Date.now()
    const digest = await received(`Dyqani Lule, ${longDay}`)
    expect(digest.to).toEqual([MERCHANT])
    expect(digest.text).toContain(`Dyqani Lule on ${longDay}`)
    expect(digest.text).toMatch(/^Confirmed: 1$/m)
    expect(digest.text).toMatch(/^Calls placed: \d+/m)
    expect(digest.text).toMatch(/^No answer: 0$/m)
    expect(digest.text).toContain(`  ${review.order.name}  ${await signedLinkTo(digest.text, `/orders/${review.order.id}`)}`)
    await signedLinkTo(digest.text, '/')
    expect(digest.text).not.toContain(review.phone.slice(4))
    world.svc.clock.offset += 10 * 60_000
    await passes(3)
    expect(digests()).toHaveLength(1)
  })
})

describe('alert email, switched off', () => {
  it('sends nothing while SMTP_URL is unset, and calls go on', async () => {
    const before = sink.messages.length
    const quiet = await startWorld({}, { alertEmail: MERCHANT })
    try {
      expect(quiet.svc.alerter).toBeUndefined()
      const { order } = await callThrough(quiet, ASKS_FOR_A_CHANGE)
      expect(order.outcome).toBe('needs_review')
      expect(await quiet.svc.deps.db.select().from(alerts).all()).toEqual([])
      expect(sink.messages.length).toBe(before)
    } finally {
      await quiet.close()
    }
  })

  it('asks for ALERT_FROM when SMTP_URL is set, without repeating the URL’s password', () => {
    const env = { SANDBOX: '1', SMTP_URL: 'smtp://alerts:hunter2-secret@mail.example.com:587' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(/ALERT_FROM: required when SMTP_URL is set/)
    const wrong = () => loadConfig({ SANDBOX: '1', SMTP_URL: 'http://alerts:hunter2-secret@mail.example.com', ALERT_FROM: FROM })
    expect(wrong).toThrow(/SMTP_URL: must be a URL such as smtp:\/\//)
    expect(wrong).not.toThrow(/hunter2/)
    expect(loadConfig({ ...env, ALERT_FROM: FROM }).alerts).toEqual({ smtpUrl: env.SMTP_URL, from: FROM })
  })
})

describe('the alert address setting', () => {
  it('is saved from the settings page, and a wrong address is refused by name', async () => {
    const { svc, store } = world
    const link = (await svc.api('POST', `/api/stores/${store.id}/settings-link`)).body.url as string
    const page = await (await fetch(link)).text()
    expect(page).toContain(`value="${MERCHANT}"`)
    const t = new URL(link).searchParams.get('t')!
    const save = (alertEmail: string) =>
      fetch(`${svc.url}/settings`, {
        method: 'POST',
        headers: { origin: svc.url },
        body: new URLSearchParams({ t, enabled: 'on', alertEmail }),
      })
    const wrong = await save('porosite@dyqani')
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('Email alerts to: must be email addresses such as orders@dyqani.al, separated by commas')
    expect((await save(`${MERCHANT}; shefi@dyqani.al`)).status).toBe(200)
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.alertEmail).toBe(`${MERCHANT}, shefi@dyqani.al`)
    expect((await save('')).status).toBe(200)
    expect((await svc.api('GET', `/api/stores/${store.id}`)).body.alertEmail).toBe('')
  })
})
