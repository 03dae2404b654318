import { and, eq, inArray, lt, or, type SQL } from 'drizzle-orm'
import { callAttempts, orders } from '../db/schema.js'
import { type Attempt, latestAttempt, storeCallSid, updateAttempt } from './attempts.js'
import type { DialerDeps } from './dialer.js'
import { callEnded, callLog, callsHeldBy, requeueOrder, settleAttempt } from './outcomes.js'
import { CALL_TIME_LIMIT_SECONDS, type CallState, callsTo, fetchCall, hangUp, RING_TIMEOUT_SECONDS, TERMINAL_CALL_STATUSES } from './twilio.js'

export interface RecoveryDeps extends DialerDeps {
  owner: string
  /** The daily limits, and how long a call taken over stays this worker's without a heartbeat. */
  config: DialerDeps['config'] & { calls: { leaseMs: number } }
}

/** Past this age an unfinished call cannot still be ringing or talking: Twilio's own limits ended it. */
const LONGEST_CALL_MS = (RING_TIMEOUT_SECONDS + CALL_TIME_LIMIT_SECONDS + 60) * 1000

/**
 * Takes over orders left "calling" by a process that is gone — its lease expired, or (on start)
 * it was this worker before a restart — and settles each against Twilio's view of its call:
 * finished calls are finished here (retry or outcome), calls that were never placed are queued
 * again, calls still live are watched until they end. Nobody is called twice: an attempt whose
 * Call SID was lost is found again by asking Twilio for the calls to that number. A call whose
 * stream is open is hung up only if the lease lapsed: the lease follows the stream (holdCall in
 * outcomes.ts), so a lapsed one means the process that talked to the customer is gone.
 */
export async function recoverOrphans(deps: RecoveryDeps, { includeOwn }: { includeOwn: boolean }): Promise<number> {
  const now = deps.now()
  const orphaned: SQL[] = [lt(orders.leaseExpiresAt, now)]
  if (includeOwn) orphaned.push(eq(orders.leaseOwner, deps.owner))
  const takenUntil = now + deps.config.calls.leaseMs
  const taken = await deps.db
    .update(orders)
    .set({ leaseOwner: deps.owner, leaseExpiresAt: takenUntil })
    .where(and(eq(orders.status, 'calling'), or(...orphaned)))
    .returning({ id: orders.id, phone: orders.phone })
    .all()
  for (const order of taken) {
    try {
      await settle(deps, { ...order, takenUntil })
    } catch (error) {
      // Twilio unreachable, say: the lease runs out again and the next pass retries.
      deps.log.error('could not recover an interrupted call yet', { orderId: order.id, error })
    }
  }
  if (taken.length) deps.log.info('recovered interrupted calls', { orders: taken.length })
  return taken.length
}

async function settle(
  deps: RecoveryDeps,
  { id: orderId, phone, takenUntil }: { id: number; phone: string | null; takenUntil: number },
): Promise<void> {
  const now = deps.now()
  let attempt = await latestAttempt(deps.db, orderId)
  // Claimed but never dialled, or dialled and refused: simply due again.
  if (!attempt || attempt.status === 'not-placed') return requeueOrder(deps.db, orderId, now, now)
  if (attempt.status === 'dialing') {
    const found = phone ? await lostCall(deps, attempt, phone) : undefined
    if (!found) {
      await updateAttempt(deps.db, attempt.id, { status: 'not-placed', error: 'interrupted before Twilio placed the call', updatedAt: now })
      return requeueOrder(deps.db, orderId, now, now)
    }
    await storeCallSid(deps.db, attempt.id, found, now)
    attempt = { ...attempt, callSid: found.sid, status: found.status }
  }
  // The process that bridged this call's stream is gone, and the conversation with it — unless the
  // stream was let in after the order was taken here, and holds the order again (alive where it was let in).
  if (attempt.streamState === 'open') {
    if (!(await stillTaken(deps, orderId, takenUntil))) return
    await updateAttempt(deps.db, attempt.id, { streamState: 'closed', endReason: attempt.endReason ?? 'agent_failed', updatedAt: now })
    attempt = { ...attempt, streamState: 'closed', endReason: attempt.endReason ?? 'agent_failed' }
  }
  if (TERMINAL_CALL_STATUSES.has(attempt.status))
    return callEnded(deps, attempt, {
      status: attempt.status,
      answeredBy: attempt.answeredBy,
      endedAt: attempt.endedAt,
      durationSeconds: attempt.durationSeconds,
    })
  const call = await fetchCall(deps.twilio.client, attempt.callSid!)
  if (TERMINAL_CALL_STATUSES.has(call.status)) return callEnded(deps, attempt, call)
  if (now - attempt.createdAt > LONGEST_CALL_MS || attempt.endReason === 'agent_failed') {
    // No one here is talking to the customer any more: end the call rather than hold a dead line.
    await hangUp(deps.twilio.client, call.sid, call.status === 'in-progress')
    return callEnded(deps, attempt, await fetchCall(deps.twilio.client, call.sid))
  }
  // Still ringing or talking: this worker holds it now, and Twilio's callbacks will finish it.
}

/**
 * A call this worker holds, with no stream bridging it here, whose callbacks have been quiet this
 * long is asked about: Twilio does not send a status callback again when its delivery failed (a
 * load balancer's 503, a worker restarting), and without the last one the order would stay
 * `calling` for as long as this worker renews its lease. A ringing call is heard from at least
 * every ring timeout (25 s); a bridged one is the bridge's to settle.
 */
const QUIET_CALL_MS = 60_000

/**
 * Asks Twilio about the calls this worker holds that have gone quiet (QUIET_CALL_MS) and settles
 * those that ended, as their last callback would have; settles those whose end is written but whose
 * order was never settled. One still under way is asked about again after another quiet spell.
 */
export async function checkQuietCalls(deps: RecoveryDeps): Promise<void> {
  const now = deps.now()
  for (const order of await callsHeldBy(deps.db, deps.owner)) {
    const { id } = order
    const attempt = await latestAttempt(deps.db, id)
    if (!attempt?.callSid || attempt.streamState === 'open') continue
    const lastNews = attempt.updatedAt ?? attempt.createdAt
    // The order changed after its latest attempt's last news: it was claimed again (its next call
    // is being dialled, its attempt not recorded yet) or requeued; that attempt is not the call now.
    if (order.updatedAt > lastNews || now - lastNews < QUIET_CALL_MS) continue
    try {
      if (TERMINAL_CALL_STATUSES.has(attempt.status)) {
        // Its end was written but the order never settled (the process died, or the settling failed, in between).
        callLog(deps.log, attempt).warn('a call that ended was never settled; settling it now', { status: attempt.status })
        await settleAttempt(deps, attempt.id)
        continue
      }
      const call = await fetchCall(deps.twilio.client, attempt.callSid)
      if (TERMINAL_CALL_STATUSES.has(call.status)) {
        callLog(deps.log, attempt).warn("Twilio's last callback never arrived; settling the call as Twilio reports it", { status: call.status })
        await callEnded(deps, attempt, call)
      } else await updateAttempt(deps.db, attempt.id, { updatedAt: now })
    } catch (error) {
      deps.log.error('could not ask Twilio about a quiet call yet', { orderId: id, error })
    }
  }
}

/** The order is still leased as recovery took it: no stream has been let in, and so moved the lease, since. */
async function stillTaken(deps: RecoveryDeps, orderId: number, takenUntil: number): Promise<boolean> {
  const lease = await deps.db.select({ owner: orders.leaseOwner, until: orders.leaseExpiresAt }).from(orders).where(eq(orders.id, orderId)).get()
  return lease?.owner === deps.owner && lease.until === takenUntil
}

/**
 * The call Twilio placed for an attempt whose Call SID was never stored: the oldest call to the
 * number since the attempt was recorded that no other attempt claims.
 */
async function lostCall(deps: RecoveryDeps, attempt: Attempt, phone: string): Promise<CallState | undefined> {
  const calls = await callsTo(deps.twilio.client, phone, attempt.createdAt - 5_000)
  if (!calls.length) return undefined
  const claimed = await deps.db
    .select({ sid: callAttempts.callSid })
    .from(callAttempts)
    .where(
      inArray(
        callAttempts.callSid,
        calls.map((c) => c.sid),
      ),
    )
    .all()
  const known = new Set(claimed.map((a) => a.sid))
  // Twilio lists the newest first.
  return calls.filter((c) => !known.has(c.sid)).at(-1)
}
