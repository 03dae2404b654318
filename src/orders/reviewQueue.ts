import { and, desc, eq, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, storeWrites, transcriptLines } from '../db/schema.js'
import type { Outcome } from '../domain/order.js'

/** The outcomes a person has to look at: nobody (or no machine) gave an answer we can ship on. */
export const REVIEW_OUTCOMES = ['needs_review', 'no_answer', 'voicemail', 'failed', 'invalid_phone'] as const satisfies readonly Outcome[]

/** The order's newest write to its store was given up on: the store does not show what we decided. */
export const latestWriteFailed: SQL = sql`(select ${storeWrites.status} from ${storeWrites} where ${storeWrites.orderId} = ${orders.id}
  order by ${storeWrites.id} desc limit 1) = 'failed'`

/**
 * The one rule for "this order needs a person": it ended without an answer to ship on, or the store
 * never took our last write about it. The queue lists by it, and every action that resolves an
 * order checks it in the same UPDATE that acts, so two submits of one form act once.
 */
export const inReviewQueue: SQL = and(
  // An order whose customer's data was erased is done with: nothing more is done or written about them.
  isNull(orders.redactedAt),
  or(and(eq(orders.status, 'done'), inArray(orders.outcome, [...REVIEW_OUTCOMES])), latestWriteFailed),
)!

/** Orders that may be called again (or at a corrected number): closed without an answer, not closed with one. */
export const mayCallAgain: SQL = and(eq(orders.status, 'done'), inArray(orders.outcome, [...REVIEW_OUTCOMES]))!

/** One line of the review queue. */
export interface ReviewLine {
  id: number
  storeId: string
  platformOrderId: string
  name: string
  customerName: string | null
  phone: string | null
  status: (typeof orders.$inferSelect)['status']
  outcome: Outcome | null
  evidence: string | null
  /** Why the store does not show the outcome, when its last write failed for good. */
  writeError: string | null
  /** The last thing the customer said on any call, if anything was transcribed. */
  lastWords: string | null
  /** When the order last changed: for a closed order, when it closed. */
  updatedAt: number
}

/**
 * The orders that need a person, newest first: one store's or every store's, `limit` at a time,
 * before order `before` (the page's cursor).
 *
 * @example
 * const { lines, nextCursor } = await reviewQueue(db, { storeId: 'st_1', limit: 100 })
 */
export async function reviewQueue(
  db: Db,
  query: { storeId?: string | undefined; limit: number; before?: number | undefined },
): Promise<{ lines: ReviewLine[]; nextCursor: number | null }> {
  const rows = await db
    .select({
      id: orders.id,
      storeId: orders.storeId,
      platformOrderId: orders.platformOrderId,
      name: orders.name,
      customerName: orders.customerName,
      phone: orders.phone,
      status: orders.status,
      outcome: orders.outcome,
      evidence: orders.evidence,
      updatedAt: orders.updatedAt,
      failed: latestWriteFailed.mapWith(Boolean),
    })
    .from(orders)
    .where(and(inReviewQueue, query.storeId ? eq(orders.storeId, query.storeId) : undefined, query.before ? lt(orders.id, query.before) : undefined))
    .orderBy(desc(orders.id))
    .limit(query.limit + 1)
    .all()
  const page = rows.slice(0, query.limit)
  const ids = page.map((r) => r.id)
  const words = await lastWords(db, ids)
  const errors = await writeErrors(
    db,
    page.filter((r) => r.failed).map((r) => r.id),
  )
  return {
    lines: page.map(({ failed: _, ...r }) => ({ ...r, writeError: errors.get(r.id) ?? null, lastWords: words.get(r.id) ?? null })),
    nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
  }
}

/** The customer's last transcribed words on each order. */
async function lastWords(db: Db, orderIds: number[]): Promise<Map<number, string>> {
  if (!orderIds.length) return new Map()
  const rows = await db
    .select({ orderId: transcriptLines.orderId, text: transcriptLines.text })
    .from(transcriptLines)
    .where(
      and(
        inArray(transcriptLines.orderId, orderIds),
        eq(transcriptLines.speaker, 'customer'),
        sql`${transcriptLines.id} = (select max(t.id) from ${transcriptLines} t where t.order_id = ${transcriptLines.orderId} and t.speaker = 'customer')`,
      ),
    )
    .all()
  return new Map(rows.map((r) => [r.orderId, r.text]))
}

/** Why each order's last store write failed. */
async function writeErrors(db: Db, orderIds: number[]): Promise<Map<number, string>> {
  if (!orderIds.length) return new Map()
  const rows = await db
    .select({ orderId: storeWrites.orderId, error: storeWrites.lastError })
    .from(storeWrites)
    .where(
      and(
        inArray(storeWrites.orderId, orderIds),
        sql`${storeWrites.id} = (select max(w.id) from ${storeWrites} w where w.order_id = ${storeWrites.orderId})`,
      ),
    )
    .all()
  return new Map(rows.map((r) => [r.orderId, r.error ?? 'the store refused it']))
}
