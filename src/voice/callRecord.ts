import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, orders, transcriptLines } from '../db/schema.js'
import type { Outcome } from '../domain/order.js'

/** What the agent writes down during a call: the answer, the words, how it ended. */

/**
 * The customer's answer, with their words as evidence; the call's end makes it final. Only while
 * the order is being called: a redaction ends that, so an erased customer's answer is not kept.
 */
export async function recordAnswer(db: Db, orderId: number, outcome: Outcome, evidence: string, now: number): Promise<void> {
  await db
    .update(orders)
    .set({ outcome, evidence, updatedAt: now })
    .where(and(eq(orders.id, orderId), eq(orders.status, 'calling')))
    .run()
}

/** The customer asked to be called back: the order waits in the queue, with no outcome yet. False if it was no longer being called. */
export async function recordCallback(db: Db, orderId: number, at: number, evidence: string, now: number): Promise<boolean> {
  const queued = await db
    .update(orders)
    .set({ status: 'queued', nextCallAt: at, outcome: null, evidence, leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
    .where(and(eq(orders.id, orderId), eq(orders.status, 'calling')))
    .returning({ id: orders.id })
    .all()
  return queued.length === 1
}

/**
 * Keeps a line of the call's transcript, unless the customer's data has been erased: the check
 * is part of the insert, so a line racing a redaction either lands before it (and is erased with
 * the rest) or not at all. False when the line was refused.
 */
export async function addTranscriptLine(
  db: Db,
  line: { orderId: number; attemptId: string; speaker: 'agent' | 'customer' | 'system'; text: string; at: number },
): Promise<boolean> {
  const value = <T>(v: T, column: string) => sql<T>`${v}`.as(column)
  const kept = await db
    .insert(transcriptLines)
    .select(
      db
        // Drizzle wants every column, in the table's order; a null id is the next rowid.
        .select({
          id: value(null, 'id'),
          orderId: orders.id,
          attemptId: value(line.attemptId, 'attempt_id'),
          speaker: value(line.speaker, 'speaker'),
          text: value(line.text, 'text'),
          at: value(line.at, 'at'),
        })
        .from(orders)
        .where(and(eq(orders.id, line.orderId), isNull(orders.redactedAt))),
    )
    .returning({ id: transcriptLines.id })
    .all()
  return kept.length === 1
}

export interface StreamSummary {
  endReason: string
  usage: Record<string, number>
  modelCostUsd: number
  greetingMs: number | null
  /** Why the agent failed, when it did. */
  error?: string
}

/** The media stream has ended: how, what it used, what its model time cost. */
export async function closeStream(db: Db, attemptId: string, summary: StreamSummary, now: number): Promise<void> {
  await db
    .update(callAttempts)
    .set({
      streamState: 'closed',
      endReason: summary.endReason,
      usage: summary.usage,
      costUsd: summary.modelCostUsd,
      greetingMs: summary.greetingMs,
      ...(summary.error ? { error: summary.error } : {}),
      updatedAt: now,
    })
    .where(eq(callAttempts.id, attemptId))
    .run()
}
