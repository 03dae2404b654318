import { and, desc, eq } from 'drizzle-orm'
import { callStats } from '../dashboard/stats.js'
import type { Db } from '../db/index.js'
import { orders, storeWrites } from '../db/schema.js'
import { alertAddresses } from '../domain/settings.js'
import { translator } from '../i18n/index.js'
import { SETTINGS_LINK_TTL_MS, type SettingsLinks } from '../settings/link.js'
import { findStore, type Store, type StoreDefaults, toStore } from '../stores/records.js'
import { firstLine } from '../stores/writeBackError.js'
import type { Logger } from '../utils/log.js'
import { createPassLoop, type PassLoop } from '../utils/passLoop.js'
import { digestLetter, type Letter, reviewLetter, writeFailedLetter } from './alertMail.js'
import {
  type Alert,
  type AlertResult,
  claimAlert,
  digestRecorded,
  dueAlerts,
  finishAlert,
  newOrderEvents,
  ordersNeedingReview,
  recordAlert,
  storesWithAlertAddress,
} from './alertQueue.js'
import { dueDigestDay, localDayBounds } from './digestDay.js'
import { type Mailer, MailRefused, maskEmail } from './mail.js'

export interface AlerterDeps {
  db: Db
  log: Logger
  now: () => number
  storeDefaults: StoreDefaults
  mailer: Mailer
  /** The dashboard's origin, for the links (PUBLIC_URL). */
  publicUrl: string
  /** The links open the dashboard signed in as the store's merchant, as a settings link does. */
  settingsLinks: SettingsLinks
}

export type Alerter = Pick<PassLoop, 'start' | 'tick' | 'stop'>

/** How often the alerter looks for news. */
const POLL_MS = 10_000
/** Alerts sent in one pass; the rest go in the next. */
const SENDS_PER_PASS = 20
/** How long a worker holds an alert it is sending (past nodemailer's timeouts). */
const SEND_HOLD_MS = 5 * 60_000
/** Waits after a failed send: 30 s, doubling, at most 30 minutes; given up three days after the event. */
const FIRST_RETRY_MS = 30_000
const MAX_RETRY_MS = 30 * 60_000
const GIVE_UP_MS = 3 * 24 * 3600_000
/** Orders listed by name in a digest; the rest are one link away. */
const DIGEST_REVIEWS = 20

const retryDelay = (tries: number) => Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, tries - 1))

/**
 * Email alerts to merchants, at the store's alert address (settings `alertEmail`): an order that
 * came to need review, an order whose store write failed for good, and each morning at 08:00 in
 * the store's zone a digest of yesterday. Each pass looks in the database for what happened since
 * (orders' and writes' `updatedAt`, less what the alerts table already holds): one place decides,
 * however an order got there. Each event is recorded before it is sent and marked once sent, so a
 * restart sends what was left and never sends an alert twice; a failed send is retried later with
 * growing waits, on this loop alone, so calls never wait for the mail server.
 *
 * @example
 * const alerter = createAlerter({ db, log, now, storeDefaults, mailer, publicUrl })
 * alerter.start()
 */
export function createAlerter(deps: AlerterDeps): Alerter {
  const { db, log } = deps
  /**
   * A link that opens `path` on the store's dashboard, signed in: the merchant has no session of
   * their own (in the Shopify admin, none outside it). It works as long as a settings link does and
   * is revoked with them.
   */
  const signedIn = (store: Store, path: string, now: number) =>
    `${deps.publicUrl}${deps.settingsLinks.enterPath(store, path, now + SETTINGS_LINK_TTL_MS)}`
  const orderUrl = (store: Store, id: number, now: number) => signedIn(store, `/orders/${id}`, now)
  const addressesOf = (store: Store | undefined) => (store?.row.credentials ? alertAddresses(store.settings.alertEmail) : [])

  async function findEvents(now: number): Promise<void> {
    for (const event of await newOrderEvents(db, now)) {
      const store = await findStore(db, event.storeId, deps.storeDefaults)
      await recordAlert(db, event, addressesOf(store).length ? 'queued' : 'skipped', now)
    }
    for (const row of await storesWithAlertAddress(db)) {
      const store = toStore(row, deps.storeDefaults)
      const day = dueDigestDay(now, store.settings.timezone)
      // A store connected today has no yesterday to tell of.
      if (!day || row.createdAt >= localDayBounds(day, store.settings.timezone).to || (await digestRecorded(db, store.id, day))) continue
      // A day with no orders, no calls and nothing waiting for review is not worth an email.
      const letter = await digestFor(store, day, now)
      await recordAlert(db, { kind: 'digest', storeId: store.id, day }, letter ? 'queued' : 'skipped', now)
    }
  }

  async function digestFor(store: Store, day: string, now: number): Promise<Letter | undefined> {
    const stats = await callStats(db, { ...localDayBounds(day, store.settings.timezone), storeId: store.id })
    const reviews = await ordersNeedingReview(db, store.id, now, DIGEST_REVIEWS)
    if (!stats.orders && !stats.calls && !reviews.count) return undefined
    return digestLetter(translator(store.settings.language), store.settings.companyName, {
      day,
      stats,
      reviews: reviews.newest.map((o) => ({ name: o.name, url: orderUrl(store, o.id, now) })),
      reviewCount: reviews.count,
      reviewsUrl: signedIn(store, '/review', now),
      dashboardUrl: signedIn(store, '/', now),
    })
  }

  /** The alert's letter as things stand now, in the store's language, or nothing to send (the order is gone). */
  async function letterFor(alert: Alert, store: Store, now: number): Promise<Letter | undefined> {
    const shop = store.settings.companyName
    const tr = translator(store.settings.language)
    if (alert.kind === 'digest') return digestFor(store, alert.day!, now)
    const order = await db.select().from(orders).where(eq(orders.id, alert.orderId!)).get()
    if (!order) return undefined
    const about = { name: order.name, url: orderUrl(store, order.id, now) }
    if (alert.kind === 'needs_review') return reviewLetter(tr, shop, about)
    const failed = await db
      .select()
      .from(storeWrites)
      .where(and(eq(storeWrites.orderId, order.id), eq(storeWrites.status, 'failed')))
      .orderBy(desc(storeWrites.id))
      .get()
    return writeFailedLetter(tr, shop, about, { kind: failed?.kind ?? 'outcome', outcome: order.outcome, error: failed?.lastError ?? null })
  }

  /** Sends one alert; false when the mail server failed, so the rest of the pass waits too. */
  async function deliver(alert: Alert, now: number): Promise<boolean> {
    const store = await findStore(db, alert.storeId, deps.storeDefaults)
    // Read again: the merchant may have removed or changed the address since the event.
    const to = addressesOf(store)
    const letter = store && to.length ? await letterFor(alert, store, now) : undefined
    const result: AlertResult = letter ? await send(alert, to, letter, now) : { status: 'skipped' }
    await finishAlert(db, alert, result, deps.now())
    return result.status !== 'retry' && !(result.status === 'failed' && result.givenUp)
  }

  async function send(alert: Alert, to: string[], letter: Letter, now: number): Promise<AlertResult> {
    const fields = { storeId: alert.storeId, kind: alert.kind, orderId: alert.orderId ?? undefined, day: alert.day ?? undefined }
    try {
      await deps.mailer.send({ to, ...letter })
      log.info('alert sent', { ...fields, to: to.map(maskEmail) })
      return { status: 'sent' }
    } catch (caught) {
      const error = firstLine(caught)
      if (caught instanceof MailRefused) {
        log.warn('the mail server refused an alert for good', { ...fields, to: to.map(maskEmail), error })
        return { status: 'failed', error }
      }
      if (now - alert.createdAt > GIVE_UP_MS) {
        log.warn('an alert could not be sent for three days; given up', { ...fields, server: deps.mailer.server, error })
        return { status: 'failed', error: `Given up after three days: ${error}`, givenUp: true }
      }
      const at = now + retryDelay(alert.tries + 1)
      log.warn('an alert could not be sent; it is tried again later', {
        ...fields,
        server: deps.mailer.server,
        error,
        at: new Date(at).toISOString(),
      })
      return { status: 'retry', at, error }
    }
  }

  async function pass(): Promise<void> {
    const now = deps.now()
    await findEvents(now)
    for (const alert of await dueAlerts(db, now, SENDS_PER_PASS)) {
      if (loop.stopped) return
      if (!(await claimAlert(db, alert, now, SEND_HOLD_MS))) continue
      if (!(await deliver(alert, now))) return
    }
  }

  const loop = createPassLoop({ name: 'alerter', pollMs: POLL_MS, log, pass })
  return loop
}
