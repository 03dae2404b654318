import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { type ALERT_KINDS, alerts, orders, stores, storeWrites } from '../db/schema.js'

/**
 * The alerts table: what the alerter found, and whether it went out. An event is kept once (the
 * unique keys: one alert of a kind per order, one digest per store and day), so two workers, or
 * a pass after a restart, that find the same event record it once.
 */

export type Alert = typeof alerts.$inferSelect
export type AlertKind = (typeof ALERT_KINDS)[number]
type OrderAlertKind = Exclude<AlertKind, 'digest'>

const DAY = 24 * 3600_000
/** Events older than this are not alerted any more (the alerter was off, or SMTP_URL was set later): news that old is no news. */
export const EVENT_LOOKBACK_MS = 2 * DAY
/** Only orders received this recently are looked at for events, on the orders' creation index. */
const ORDER_AGE_MS = 14 * DAY
const SCAN_LIMIT = 500

export interface OrderEvent {
  kind: OrderAlertKind
  storeId: string
  orderId: number
}

const noAlert = (kind: OrderAlertKind, orderId: unknown) =>
  sql`not exists (select 1 from ${alerts} where ${alerts.kind} = ${kind} and ${alerts.orderId} = ${orderId})`

/**
 * Orders that came to need a person lately, and orders whose store write failed for good lately,
 * that no alert was recorded for. The one place that decides what an event is.
 */
export async function newOrderEvents(db: Db, now: number): Promise<OrderEvent[]> {
  const since = now - EVENT_LOOKBACK_MS
  const reviews = await db
    .select({ storeId: orders.storeId, orderId: orders.id })
    .from(orders)
    .where(
      and(
        gte(orders.createdAt, now - ORDER_AGE_MS),
        eq(orders.status, 'done'),
        eq(orders.outcome, 'needs_review'),
        gte(orders.updatedAt, since),
        noAlert('needs_review', orders.id),
      ),
    )
    .limit(SCAN_LIMIT)
    .all()
  // Failed writes are few (the status index finds them); an order whose writes all failed gets one alert.
  const failures = await db
    .selectDistinct({ storeId: storeWrites.storeId, orderId: storeWrites.orderId })
    .from(storeWrites)
    .where(and(eq(storeWrites.status, 'failed'), gte(storeWrites.updatedAt, since), noAlert('write_failed', storeWrites.orderId)))
    .limit(SCAN_LIMIT)
    .all()
  return [...reviews.map((e) => ({ kind: 'needs_review' as const, ...e })), ...failures.map((e) => ({ kind: 'write_failed' as const, ...e }))]
}

/** Keeps an event: `queued` to be sent, or `skipped` (the store has no alert address, a digest with nothing to say). */
export async function recordAlert(
  db: Db,
  event: { kind: AlertKind; storeId: string; orderId?: number; day?: string },
  status: 'queued' | 'skipped',
  now: number,
): Promise<void> {
  await db
    .insert(alerts)
    .values({ ...event, status, nextAttemptAt: now, createdAt: now })
    .onConflictDoNothing()
    .run()
}

/** Whether the store's digest for the day was recorded already. */
export async function digestRecorded(db: Db, storeId: string, day: string): Promise<boolean> {
  const row = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(eq(alerts.storeId, storeId), eq(alerts.day, day)))
    .get()
  return row !== undefined
}

/** The stores that have an alert address, and credentials (an uninstalled store's merchant is not written to). */
export const storesWithAlertAddress = (db: Db) =>
  db
    .select()
    .from(stores)
    .where(and(isNotNull(stores.credentials), sql`coalesce(json_extract(${stores.settings}, '$.alertEmail'), '') <> ''`))
    .all()

/** Alerts to send now, longest due first. */
export const dueAlerts = (db: Db, now: number, limit: number) =>
  db
    .select()
    .from(alerts)
    .where(and(eq(alerts.status, 'queued'), lte(alerts.nextAttemptAt, now)))
    .orderBy(asc(alerts.nextAttemptAt), asc(alerts.id))
    .limit(limit)
    .all()

/**
 * Takes a due alert for this worker, by moving its next attempt past the time a send can take:
 * false if another worker took it first. A worker that dies while sending leaves it due again.
 */
export async function claimAlert(db: Db, alert: Alert, now: number, holdMs: number): Promise<boolean> {
  const won = await db
    .update(alerts)
    .set({ nextAttemptAt: now + holdMs })
    .where(and(eq(alerts.id, alert.id), eq(alerts.status, 'queued'), eq(alerts.nextAttemptAt, alert.nextAttemptAt)))
    .returning({ id: alerts.id })
    .all()
  return won.length === 1
}

export type AlertResult =
  | { status: 'sent' }
  | { status: 'skipped' }
  /** `givenUp`: the server kept failing (rather than refusing this message). */
  | { status: 'failed'; error: string; givenUp?: boolean }
  | { status: 'retry'; at: number; error: string }

export async function finishAlert(db: Db, alert: Alert, result: AlertResult, now: number): Promise<void> {
  const change =
    result.status === 'sent'
      ? { status: 'sent' as const, sentAt: now }
      : result.status === 'skipped'
        ? { status: 'skipped' as const }
        : result.status === 'failed'
          ? { status: 'failed' as const, tries: alert.tries + 1, lastError: result.error }
          : { tries: alert.tries + 1, nextAttemptAt: result.at, lastError: result.error }
  await db.update(alerts).set(change).where(eq(alerts.id, alert.id)).run()
}

/** How many of the store's recent orders still need review, and the newest of them. */
export async function ordersNeedingReview(db: Db, storeId: string, now: number, limit: number) {
  const where = and(
    eq(orders.storeId, storeId),
    gte(orders.createdAt, now - ORDER_AGE_MS),
    eq(orders.status, 'done'),
    eq(orders.outcome, 'needs_review'),
  )
  const [count] = await db.select({ n: sql<number>`count(*)` }).from(orders).where(where).all()
  const newest = await db.select({ id: orders.id, name: orders.name }).from(orders).where(where).orderBy(desc(orders.id)).limit(limit).all()
  return { count: count?.n ?? 0, newest }
}
