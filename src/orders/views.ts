import { and, asc, count, desc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { attemptRecordings } from '../calls/recordings.js'
import type { Db } from '../db/index.js'
import { callAttempts, orders, stores, transcriptLines } from '../db/schema.js'
import { isTimeZone, timezoneForCountry } from '../domain/countries.js'
import { STORE_HOLDS, type WaitReason } from '../domain/dialPolicy.js'
import { ORDER_STATUSES, OUTCOMES } from '../domain/order.js'
import { firstProblem } from '../domain/validation.js'
import { evidenceText } from '../i18n/index.js'
import { messagesCost, orderMessages } from '../messages/messageLog.js'
import { orderStoreWrites, type StoreWrite } from '../stores/outbox.js'
import { ApiError } from '../utils/errors.js'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

type OrderRow = typeof orders.$inferSelect

/** An order with whether its store may place calls (`approved_at`), which says why it waits. */
const orderWithStore = { order: orders, storeApprovedAt: stores.approvedAt, storeCountry: stores.country, storeSettings: stores.settings }

/**
 * The evidence as the API gives it: English sentences for the operator (the pages say it in their
 * reader's language from the same facts), times in the store's zone (its setting, else its country's).
 */
function operatorEvidence(stored: string | null, store: { storeCountry: string; storeSettings: Record<string, unknown> }): string | null {
  const zone = store.storeSettings.timezone
  return evidenceText(stored, 'en', typeof zone === 'string' && isTimeZone(zone) ? zone : timezoneForCountry(store.storeCountry))
}

/** Why a queued order waits past its time: its store awaiting approval, else what the dialer said. */
function waitReason(row: OrderRow, storeApprovedAt: number | null): WaitReason | null {
  if (row.status !== 'queued') return null
  return storeApprovedAt === null ? 'store_awaiting_approval' : (row.waitReason as WaitReason | null)
}

function orderSummary({ order: row, storeApprovedAt }: { order: OrderRow; storeApprovedAt: number | null }) {
  return {
    id: row.id,
    storeId: row.storeId,
    platformOrderId: row.platformOrderId,
    name: row.name,
    status: row.status,
    outcome: row.outcome,
    skipReason: row.skipReason,
    customerName: row.customerName,
    phone: row.phone,
    city: row.city,
    language: row.language,
    total: row.total,
    currency: row.currency,
    nextCallAt: iso(row.nextCallAt),
    waitReason: waitReason(row, storeApprovedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }
}

/** `2026-11-21` (its first or, for `end`, its last moment, UTC) or an ISO instant, as milliseconds. */
export const dayOrInstant = (edge: 'start' | 'end') =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], 'must be a date (2026-11-21) or an ISO time').transform((v) => {
    if (v.length > 10) return Date.parse(v)
    return Date.parse(`${v}T00:00:00Z`) + (edge === 'end' ? 24 * 3600_000 : 0)
  })

/** A query string read by `schema`, or a 400 naming the first field it refuses. */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
  const parsed = schema.safeParse(query)
  if (parsed.success) return parsed.data
  const { field, message } = firstProblem(parsed.error)
  throw new ApiError(400, 'invalid_query', message, field)
}

export const orderListQuery = z
  .object({
    storeId: z.string().optional(),
    status: z.enum(ORDER_STATUSES).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    /** Orders with a write to their store in this state: `failed` lists what a person must look at. */
    storeWrite: z.enum(['queued', 'sending', 'done', 'failed']).optional(),
    /** Orders received from this day or instant on (a day is a whole UTC day). */
    from: dayOrInstant('start').optional(),
    /** … up to and including this day, or before this instant. */
    to: dayOrInstant('end').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.coerce.number().int().min(1).optional(),
  })
  .strict()

/**
 * `GET /api/orders`: newest first, filtered by store, status and outcome, paginated with an
 * opaque cursor (`nextCursor` is null on the last page).
 */
export async function listOrders(db: Db, query: Record<string, string>) {
  const { storeId, status, outcome, storeWrite, from, to, limit, cursor } = parseQuery(orderListQuery, query)
  const where: SQL[] = []
  if (storeId) where.push(eq(orders.storeId, storeId))
  if (status) where.push(eq(orders.status, status))
  if (outcome) where.push(eq(orders.outcome, outcome))
  if (storeWrite) where.push(sql`exists (select 1 from store_writes w where w.order_id = ${orders.id} and w.status = ${storeWrite})`)
  if (from !== undefined) where.push(gte(orders.createdAt, from))
  if (to !== undefined) where.push(lt(orders.createdAt, to))
  if (cursor) where.push(lt(orders.id, cursor))
  const rows = await db
    .select(orderWithStore)
    .from(orders)
    .innerJoin(stores, eq(stores.id, orders.storeId))
    .where(and(...where))
    .orderBy(desc(orders.id))
    .limit(limit + 1)
    .all()
  const page = rows.slice(0, limit)
  return {
    orders: page.map(orderSummary),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.order.id) : null,
  }
}

/** What callconfirm wrote, or still means to write, on the store's order. */
export function storeWriteView(w: StoreWrite) {
  return {
    id: w.id,
    kind: w.kind,
    status: w.status,
    tries: w.tries,
    lastError: w.lastError,
    nextAttemptAt: w.status === 'queued' ? iso(w.nextAttemptAt) : null,
    doneAt: iso(w.doneAt),
    createdAt: iso(w.createdAt),
  }
}

/** `GET /api/orders/:id`: the order, its call attempts, its outcome and transcript, and what was written to the store. */
export async function orderView(db: Db, id: number) {
  const found = await db.select(orderWithStore).from(orders).innerJoin(stores, eq(stores.id, orders.storeId)).where(eq(orders.id, id)).get()
  if (!found) throw new ApiError(404, 'order_not_found', `no order with id ${id}`)
  const row = found.order
  const attempts = await db.select().from(callAttempts).where(eq(callAttempts.orderId, id)).orderBy(asc(callAttempts.number)).all()
  const recordings = await attemptRecordings(
    db,
    attempts.map((a) => a.id),
  )
  const transcript = await db
    .select()
    .from(transcriptLines)
    .where(eq(transcriptLines.orderId, id))
    .orderBy(asc(transcriptLines.at), asc(transcriptLines.id))
    .all()
  const sentAndReceived = await orderMessages(db, id)
  const callsCost = attempts.some((a) => a.costUsd !== null) ? attempts.reduce((sum, a) => sum + (a.costUsd ?? 0), 0) : null
  const textsCost = messagesCost(sentAndReceived)
  return {
    ...orderSummary(found),
    items: row.items,
    paymentMethod: row.paymentMethod,
    placedAt: row.placedAt,
    evidence: operatorEvidence(row.evidence, found),
    redactedAt: iso(row.redactedAt),
    attempts: attempts.map((a) => ({
      id: a.id,
      number: a.number,
      /** `outbound` (we called), `inbound` (the customer rang back). */
      direction: a.direction,
      status: a.status,
      callSid: a.callSid,
      answeredBy: a.answeredBy,
      startedAt: iso(a.startedAt),
      answeredAt: iso(a.answeredAt),
      endedAt: iso(a.endedAt),
      durationSeconds: a.durationSeconds,
      endReason: a.endReason,
      greetingMs: a.greetingMs,
      usage: a.usage,
      costUsd: a.costUsd,
      error: a.error,
      recording: recordings.get(a.id) ?? null,
    })),
    transcript: transcript.map((t) => ({ speaker: t.speaker, text: t.text, at: iso(t.at) })),
    /** WhatsApp messages and SMS to and from the customer (src/messages/), oldest first. */
    messages: sentAndReceived.map((m) => ({
      id: m.id,
      direction: m.direction,
      channel: m.channel,
      purpose: m.purpose,
      status: m.status,
      errorCode: m.errorCode,
      refusal: m.refusal,
      body: m.body,
      costUsd: m.costUsd,
      createdAt: iso(m.createdAt),
      updatedAt: iso(m.updatedAt),
    })),
    storeWrites: (await orderStoreWrites(db, id)).map(storeWriteView),
    // Model tokens and telephony minutes of every call, and what its messages cost, once known; null before anything cost anything.
    costUsd: callsCost === null && textsCost === null ? null : (callsCost ?? 0) + (textsCost ?? 0),
  }
}

/** An order as `GET /api/orders/:id` answers it and the dashboard's order page shows it. */
export type OrderView = Awaited<ReturnType<typeof orderView>>

/** Every write to the store's order delivered or given up: nothing more will land there. */
export const storeWritesSettled = (order: Pick<OrderView, 'storeWrites'>) =>
  order.storeWrites.every((w) => w.status === 'done' || w.status === 'failed')

/** A store whose calls are held back, why, and how many of its orders wait for it to lift. */
export interface StoreHold {
  storeId: string
  reason: WaitReason
  waiting: number
}

/**
 * The stores held back now — awaiting the operator's approval (with or without orders yet), or
 * with orders waiting on a daily limit — for the dashboard's notices; one store's, or every one.
 */
export async function storeHolds(db: Db, storeId?: string): Promise<StoreHold[]> {
  // As waitReason() above: awaiting approval comes first, whatever the order last waited for.
  const reason = sql<WaitReason>`case when ${stores.approvedAt} is null then 'store_awaiting_approval' else ${orders.waitReason} end`
  return db
    .select({ storeId: stores.id, reason, waiting: count(orders.id) })
    .from(stores)
    .leftJoin(orders, and(eq(orders.storeId, stores.id), eq(orders.status, 'queued')))
    .where(
      and(
        eq(stores.enabled, true),
        storeId ? eq(stores.id, storeId) : undefined,
        or(isNull(stores.approvedAt), inArray(orders.waitReason, [...STORE_HOLDS])),
      ),
    )
    .groupBy(stores.id, reason)
    .orderBy(stores.id)
    .all()
}
