import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, orders, transcriptLines } from '../db/schema.js'
import type { Outcome } from '../domain/order.js'

/** What the agent writes down during a call: the answer, the words, how it ended. */

/** The customer's answer, with their words as evidence; the call's end makes it final. */
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
    .run()
  return queued.changes === 1
}

export async function addTranscriptLine(
  db: Db,
  line: { orderId: number; attemptId: string; speaker: 'agent' | 'customer' | 'system'; text: string; at: number },
): Promise<void> {
  await db.insert(transcriptLines).values(line).run()
}

export interface StreamSummary {
  endReason: string
  usage: Record<string, number>
  modelCostUsd: number
  greetingMs: number | null
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
      updatedAt: now,
    })
    .where(eq(callAttempts.id, attemptId))
    .run()
}
