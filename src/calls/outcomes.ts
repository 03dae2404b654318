import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import type { Outcome, SkipReason } from '../domain/order.js'
import { nextRetryAt } from '../domain/retryLadder.js'
import { findStore, type StoreDefaults } from '../stores/records.js'
import type { Logger } from '../utils/log.js'
import { latestAttempt, placedAttempts, updateAttempt, type Attempt } from './attempts.js'
import { TERMINAL_CALL_STATUSES, type CallState } from './twilio.js'

export interface CallDeps {
  db: Db
  log: Logger
  now: () => number
  storeDefaults: StoreDefaults
}

const beingCalled = (orderId: number) => and(eq(orders.id, orderId), eq(orders.status, 'calling'))
const released = { leaseOwner: null, leaseExpiresAt: null }

/** Puts an order being called back in the queue for `at` (a retry, a wait for the calling hours). */
export async function requeueOrder(db: Db, orderId: number, at: number, now: number): Promise<void> {
  await db.update(orders).set({ status: 'queued', nextCallAt: at, updatedAt: now, ...released }).where(beingCalled(orderId)).run()
}

/**
 * Leaves an order being called to recovery: no worker holds it, and its lease lapses at `at`, when
 * whichever worker passes next settles it against Twilio (see recovery.ts).
 */
export async function releaseForRecovery(db: Db, orderId: number, at: number): Promise<void> {
  await db.update(orders).set({ leaseOwner: null, leaseExpiresAt: at }).where(beingCalled(orderId)).run()
}

/** Gives an order being called its final outcome; an outcome the agent already recorded stands. */
export async function closeOrder(db: Db, orderId: number, outcome: Outcome, evidence: string, now: number): Promise<void> {
  await db
    .update(orders)
    .set({ status: 'done', outcome, evidence, nextCallAt: null, updatedAt: now, ...released })
    .where(beingCalled(orderId))
    .run()
}

/** Stops calling an order without an outcome: something in the store says not to call. */
export async function stopCalling(db: Db, orderId: number, reason: SkipReason, now: number): Promise<void> {
  await db
    .update(orders)
    .set({ status: 'skipped', skipReason: reason, nextCallAt: null, updatedAt: now, ...released })
    .where(beingCalled(orderId))
    .run()
}

const isMachine = (answeredBy: string | null) => !!answeredBy && /^(machine|fax)/.test(answeredBy)

/** What the merchant reads when an order's calls ran out: "4 calls: 1 busy, 3 not answered." */
function ladderSummary(attempts: Attempt[]): string {
  const kinds = new Map<string, number>()
  for (const a of attempts) {
    const kind = isMachine(a.answeredBy) ? 'reached voicemail' : a.status === 'busy' ? 'busy' : a.status === 'failed' ? 'failed to connect' : 'not answered'
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const parts = [...kinds].map(([kind, n]) => `${n} ${kind}`)
  return `${attempts.length} call${attempts.length === 1 ? '' : 's'}: ${parts.join(', ')}.`
}

/**
 * Applies the end of a call to its attempt and its order. A call a person answered ends the
 * order's calling: with the outcome the agent recorded, or `needs_review` when the line dropped
 * before the customer said yes or no. An unanswered call (busy, no answer, a machine, a failure)
 * climbs the retry ladder, or closes the order as `no_answer`, `voicemail` or `failed` when it
 * has run out. Applying the same end twice changes nothing.
 */
export async function finishAttempt(deps: CallDeps, attempt: Attempt, call: Pick<CallState, 'status' | 'answeredBy' | 'endedAt' | 'durationSeconds'>): Promise<void> {
  const now = deps.now()
  const endedAt = call.endedAt ?? now
  const wasOpen = !TERMINAL_CALL_STATUSES.has(attempt.status)
  if (wasOpen)
    await updateAttempt(deps.db, attempt.id, {
      status: call.status,
      answeredBy: call.answeredBy ?? attempt.answeredBy,
      endedAt,
      durationSeconds: call.durationSeconds,
      updatedAt: now,
    })
  const order = await deps.db.select().from(orders).where(eq(orders.id, attempt.orderId)).get()
  const latest = await latestAttempt(deps.db, attempt.orderId)
  // A callback requested on the call, or an older attempt's late news, leaves the order alone.
  if (!order || order.status !== 'calling' || latest?.id !== attempt.id) return

  const answeredBy = call.answeredBy ?? attempt.answeredBy
  if (call.status === 'completed' && !isMachine(answeredBy)) {
    if (order.outcome) return closeOrder(deps.db, order.id, order.outcome, order.evidence ?? '', now)
    return closeOrder(deps.db, order.id, 'needs_review', 'The customer answered, but the call ended before they confirmed or cancelled.', now)
  }

  const store = await findStore(deps.db, order.storeId, deps.storeDefaults)
  const calls = await placedAttempts(deps.db, order.id)
  const retryAt = store && nextRetryAt(calls.length, endedAt, store.settings)
  if (retryAt !== undefined) {
    deps.log.info('call unanswered; retrying later', { orderId: order.id, attempt: attempt.number, status: call.status, retryAt: new Date(retryAt).toISOString() })
    return requeueOrder(deps.db, order.id, retryAt, now)
  }
  const outcome: Outcome = isMachine(answeredBy) ? 'voicemail' : calls.every((a) => a.status === 'failed') ? 'failed' : 'no_answer'
  deps.log.info('calls exhausted', { orderId: order.id, outcome })
  await closeOrder(deps.db, order.id, outcome, ladderSummary(calls), now)
}
