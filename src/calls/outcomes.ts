import { and, count, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import { type CallPrices, telephonyCost } from '../domain/callCost.js'
import { decideSettlement } from '../domain/callOutcome.js'
import type { DialWaitReason } from '../domain/dialPolicy.js'
import { type Evidence, readEvidence, storedEvidence } from '../domain/evidence.js'
import type { Outcome, SkipReason } from '../domain/order.js'
import { WITHDRAWN_REASONS } from '../domain/writeBack.js'
import { queueFollowUp } from '../messages/sendMessages.js'
import type { Metrics } from '../metrics.js'
import { queueOrderWrite } from '../stores/outbox.js'
import { findStore, type StoreDefaults } from '../stores/records.js'
import type { Logger } from '../utils/log.js'
import { type Attempt, findAttempt, latestAttempt, placedAttempts, updateAttempt } from './attempts.js'
import type { VoicePrices } from './pricing.js'
import { type CallState, maskCallSid, TERMINAL_CALL_STATUSES } from './twilio.js'

export interface CallDeps {
  db: Db
  log: Logger
  now: () => number
  storeDefaults: StoreDefaults
  prices: CallPrices
  /** What a minute to the customer's number costs (Twilio's Pricing API, cached). */
  voicePrices: VoicePrices
  metrics: Metrics
}

const beingCalled = (orderId: number) => and(eq(orders.id, orderId), eq(orders.status, 'calling'))
const released = { leaseOwner: null, leaseExpiresAt: null }

/** Orders being called now (claimed for dialling, ringing or on the line), by any worker. */
export async function callsInFlight(db: Db): Promise<number> {
  const row = await db.select({ n: count() }).from(orders).where(eq(orders.status, 'calling')).get()
  return row?.n ?? 0
}

/**
 * Puts an order being called back in the queue for `at` (a retry, a wait for the calling hours or
 * a daily limit). `waitReason` says why it waits past its time, for the dashboard; a plain retry
 * has none. The scheduler clears it when it claims the order again.
 */
export async function requeueOrder(db: Db, orderId: number, at: number, now: number, waitReason: DialWaitReason | null = null): Promise<void> {
  await db
    .update(orders)
    .set({ status: 'queued', nextCallAt: at, waitReason, updatedAt: now, ...released })
    .where(beingCalled(orderId))
    .run()
}

/**
 * Leaves an order being called to recovery: no worker holds it, and its lease lapses at `at`, when
 * whichever worker passes next settles it against Twilio (see recovery.ts).
 */
export async function releaseForRecovery(db: Db, orderId: number, at: number): Promise<void> {
  await db.update(orders).set({ leaseOwner: null, leaseExpiresAt: at }).where(beingCalled(orderId)).run()
}

/** Who holds the calls: a worker, and how long its lease runs without a heartbeat (config.calls). */
export interface LeaseHolder {
  workerId: string
  leaseMs: number
}

/**
 * The lease follows the stream: the worker whose bridge a call's media stream reached holds the
 * order from now on, whoever dialled it (behind a load balancer the stream may reach either
 * worker), and its scheduler renews the lease while the order is being called. So only the death
 * of the process that talks to the customer lets the lease lapse, and recovery hangs up no call
 * that is alive elsewhere. Synchronous: it runs in the transaction that lets the stream in.
 */
export function holdCall(db: Db, orderId: number, holder: LeaseHolder, now: number): void {
  db.update(orders)
    .set({ leaseOwner: holder.workerId, leaseExpiresAt: now + holder.leaseMs })
    .where(beingCalled(orderId))
    .run()
}

/** Renews a holder's lease on an order being called, unless another worker has taken it over since. */
export function renewCall(db: Db, orderId: number, holder: LeaseHolder, now: number): void {
  db.update(orders)
    .set({ leaseExpiresAt: now + holder.leaseMs })
    .where(and(beingCalled(orderId), eq(orders.leaseOwner, holder.workerId)))
    .run()
}

/** The orders being called that a worker holds (claimed, dialled, ringing, or bridged there), with when each last changed. */
export async function callsHeldBy(db: Db, workerId: string): Promise<Array<{ id: number; updatedAt: number }>> {
  return db
    .select({ id: orders.id, updatedAt: orders.updatedAt })
    .from(orders)
    .where(and(eq(orders.status, 'calling'), eq(orders.leaseOwner, workerId)))
    .all()
}

/**
 * Hands a worker's calls to whichever worker passes next, at once rather than when their leases
 * would lapse: for a process about to exit, whose bridges end with it.
 */
export async function handBackCalls(db: Db, workerId: string, now: number): Promise<number[]> {
  const handed = await db
    .update(orders)
    .set({ leaseOwner: null, leaseExpiresAt: now })
    .where(and(eq(orders.status, 'calling'), eq(orders.leaseOwner, workerId)))
    .returning({ id: orders.id })
    .all()
  return handed.map((o) => o.id)
}

/**
 * Gives an order being called its final outcome, and queues telling the store (in one
 * transaction: the outcome is never recorded without the write that reports it). The outcome is
 * decided in domain/callOutcome.ts; this is the one place a call's final outcome is written, so
 * it is counted here, once per order.
 */
export async function closeOrder(
  deps: Pick<CallDeps, 'db' | 'metrics'>,
  orderId: number,
  outcome: Outcome,
  evidence: Evidence,
  now: number,
): Promise<void> {
  const { db } = deps
  const closed = db.transaction(() => {
    const done = db
      .update(orders)
      .set({ status: 'done', outcome, evidence: storedEvidence(evidence), nextCallAt: null, updatedAt: now, ...released })
      .where(beingCalled(orderId))
      .returning({ id: orders.id })
      .all()
    if (done.length) queueOrderWrite(db, orderId, 'outcome', now)
    return done.length > 0
  })
  if (closed) deps.metrics.outcomeDecided(outcome)
}

/**
 * Stops calling an order without an outcome: something in the store says not to call. Where the
 * store can still be told, its `call-pending` mark is withdrawn.
 */
export async function stopCalling(db: Db, orderId: number, reason: SkipReason, now: number): Promise<void> {
  db.transaction(() => {
    const stopped = db
      .update(orders)
      .set({ status: 'skipped', skipReason: reason, nextCallAt: null, updatedAt: now, ...released })
      .where(beingCalled(orderId))
      .returning({ id: orders.id })
      .all()
    if (stopped.length && WITHDRAWN_REASONS.has(reason)) queueOrderWrite(db, orderId, 'withdrawn', now)
  })
}

/**
 * The log of one call: every line carries our attempt id (`callId`), its order, and the masked
 * Call SID once Twilio gave one.
 */
export const callLog = (log: Logger, attempt: Pick<Attempt, 'id' | 'orderId' | 'callSid'>): Logger =>
  log.child({ callId: attempt.id, orderId: attempt.orderId, callSid: maskCallSid(attempt.callSid) })

/**
 * Records that Twilio ended a call, then settles the attempt and its order — unless a media
 * stream still bridges the call: then the bridge settles it when it closes, with what the
 * conversation produced (recovery settles it if the bridge's process died).
 */
export async function callEnded(
  deps: CallDeps,
  attempt: Attempt,
  call: Pick<CallState, 'status' | 'answeredBy' | 'endedAt' | 'durationSeconds'>,
): Promise<void> {
  const now = deps.now()
  if (!TERMINAL_CALL_STATUSES.has(attempt.status))
    await updateAttempt(deps.db, attempt.id, {
      status: call.status,
      answeredBy: call.answeredBy ?? attempt.answeredBy,
      endedAt: call.endedAt ?? now,
      durationSeconds: call.durationSeconds,
      updatedAt: now,
    })
  await settleAttempt(deps, attempt.id)
}

/** What a minute of the call to the order's customer costs; the configured rate for an order with no number left (erased). */
async function destinationPrice(deps: CallDeps, orderId: number): Promise<number> {
  const order = await deps.db.select({ phone: orders.phone }).from(orders).where(eq(orders.id, orderId)).get()
  return order?.phone ? deps.voicePrices.perMinute(order.phone) : deps.prices.telephonyPerMinute
}

/**
 * Applies the end of a call to its order, as decideSettlement (domain/callOutcome.ts) decides:
 * closes it with an outcome, queues it for the next rung of the retry ladder, or leaves it alone
 * (a callback was requested on the call, or the news is an older attempt's). Prices the call's
 * telephony first, at the customer's destination's rate. Settling the same attempt twice changes nothing.
 */
export async function settleAttempt(deps: CallDeps, attemptId: string): Promise<void> {
  const settleable = (a: Attempt | undefined): a is Attempt => !!a && TERMINAL_CALL_STATUSES.has(a.status) && a.streamState !== 'open'
  // Twilio has not ended the call yet: its last callback settles it. A stream still open: the
  // bridge settles it as it closes. Both are read here, after the write that called this, so
  // whichever of the two ends comes last (in this process or another) sees the other's.
  const seen = await findAttempt(deps.db, attemptId)
  if (!settleable(seen)) return
  // The destination's price may wait on Twilio's Pricing API: it is asked for before the attempt is
  // read again, so that from that read to the cost's write nothing waits on the network, and two
  // settles of one attempt (its last callback, its stream's end) cannot both add its minutes.
  const voicePerMinute = await destinationPrice(deps, seen.orderId)
  const now = deps.now()
  const attempt = await findAttempt(deps.db, attemptId)
  if (!settleable(attempt)) return
  const order = await deps.db.select().from(orders).where(eq(orders.id, attempt.orderId)).get()
  const latest = await latestAttempt(deps.db, attempt.orderId)
  const store = order && (await findStore(deps.db, order.storeId, deps.storeDefaults))
  const calls = await placedAttempts(deps.db, attempt.orderId)
  const facts = { attempt, order: order && { ...order, evidence: readEvidence(order.evidence) }, latestAttemptId: latest?.id, calls }
  const settlement = decideSettlement({ ...facts, ladder: store?.settings }, now)
  if (settlement.action === 'leave') return

  const log = callLog(deps.log, attempt)
  if (attempt.durationSeconds !== null)
    await updateAttempt(deps.db, attempt.id, {
      costUsd: (attempt.costUsd ?? 0) + telephonyCost(attempt.durationSeconds, voicePerMinute, deps.prices),
    })
  if (settlement.action === 'requeue') {
    log.info('call ended without an answer; retrying later', {
      attempt: attempt.number,
      status: attempt.status,
      endReason: attempt.endReason ?? undefined,
      retryAt: new Date(settlement.at).toISOString(),
    })
    await requeueOrder(deps.db, attempt.orderId, settlement.at, now)
    // Unanswered calls may be followed by a WhatsApp message or an SMS (the store's `messaging`).
    return queueFollowUp(deps.db, store, { id: attempt.orderId, phone: order?.phone ?? null }, { kind: 'requeue', calls: calls.length }, now)
  }
  if (settlement.ladderRanOut) log.info('calls exhausted', { outcome: settlement.outcome })
  await closeOrder(deps, attempt.orderId, settlement.outcome, settlement.evidence, now)
  const { outcome, ladderRanOut } = settlement
  queueFollowUp(deps.db, store, { id: attempt.orderId, phone: order?.phone ?? null }, { kind: 'close', outcome, ladderRanOut }, now)
}
