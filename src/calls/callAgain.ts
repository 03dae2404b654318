import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import { startOfLocalDay } from '../domain/callingWindow.js'
import { type DailyLimits, type DialWaitReason, decideDial, startOfUtcDay } from '../domain/dialPolicy.js'
import { maxCalls } from '../domain/retryLadder.js'
import type { ActionRefusal } from '../orders/refusals.js'
import { mayCallAgain } from '../orders/reviewQueue.js'
import { queueStoreWrite } from '../stores/outbox.js'
import { type Store, storeDailyCallLimit } from '../stores/records.js'
import { currentHold } from './accountHold.js'
import { callsSoFar, placedAttempts } from './attempts.js'

/**
 * The most calls one order gets, a person's "call again" included: its retry ladder's calls
 * once more. Beyond that a customer who never answers is not rung again by anyone.
 */
export const callCapOf = (settings: Pick<Store['settings'], 'retryDelaysMinutes'>) => 2 * maxCalls(settings)

export type CallAgainPlan =
  /**
   * The call may be queued for `at`: now, or when the dial policy lets it go out (`waitReason`).
   * `pausedForService`: Twilio refuses the service's account for now; `awaitingApproval`: the
   * operator has not approved the store yet. Either way it waits in the queue.
   */
  | { ok: true; at: number; waitReason: DialWaitReason | null; pausedForService: boolean; awaitingApproval: boolean }
  | { ok: false; refusal: ActionRefusal }

export interface CallAgainDeps {
  db: Db
  now: () => number
  /** The service's daily limits (config.limits). */
  config: { limits: DailyLimits }
}

/**
 * Whether an order may be called again at `phone`, by the scheduler's own rules, and when: the
 * store calls, the order has calls left under its cap, the number is a customer's own line in a
 * country the store calls, and the calling hours and the day's limits (calls to the number, the
 * store's, the service's calls and spend) say when it goes out — decideDial, as the dialer decides
 * it, which decides again when the call is due. Changes nothing.
 */
export async function planCallAgain(
  deps: CallAgainDeps,
  store: Store,
  orderId: number,
  phone: string,
  phoneCountry: string | null,
): Promise<CallAgainPlan> {
  const { settings } = store
  if (!settings.enabled) return { ok: false, refusal: { kind: 'storeOff' } }
  const calls = (await placedAttempts(deps.db, orderId)).length
  const cap = callCapOf(settings)
  if (calls >= cap) return { ok: false, refusal: { kind: 'callCap', calls, cap } }
  const now = deps.now()
  const { storeDailyCalls, serviceDailyCalls, serviceDailySpendUsd } = deps.config.limits
  const limits = { storeDailyCalls: storeDailyCallLimit(store.row, storeDailyCalls), serviceDailyCalls, serviceDailySpendUsd }
  const counts = callsSoFar(deps.db, {
    phone,
    storeId: store.id,
    storeDayStart: startOfLocalDay(now, settings.timezone),
    serviceDayStart: startOfUtcDay(now),
    now,
  })
  const decision = decideDial({ now, phone, phoneCountry, ...counts }, settings, limits)
  if (decision.action === 'refuse') return { ok: false, refusal: decision.why }
  const wait = decision.action === 'wait' ? decision : undefined
  return {
    ok: true,
    at: wait?.until ?? now,
    waitReason: wait?.reason ?? null,
    pausedForService: currentHold(deps.db) !== undefined,
    awaitingApproval: store.row.approvedAt === null,
  }
}

/**
 * Puts a closed order back in the call queue for `plan.at`, at `phone` (the same number, or the
 * one a person corrected): its outcome and evidence are cleared for the next call's, and the
 * store's order is marked pending again (the `pending` write takes the old outcome's tag or meta
 * off). Only an order that may be called again is reopened, in the same UPDATE that checks it:
 * false when it was not (a second submit, a call already under way), and nothing changed.
 */
export function reopenForCall(
  db: Db,
  order: { id: number; storeId: string },
  call: { at: number; waitReason: DialWaitReason | null; phone: string; phoneCountry: string | null },
  now: number,
): boolean {
  return db.transaction(() => {
    const reopened = db
      .update(orders)
      .set({
        status: 'queued',
        outcome: null,
        evidence: null,
        phone: call.phone,
        phoneCountry: call.phoneCountry,
        nextCallAt: call.at,
        waitReason: call.waitReason,
        updatedAt: now,
      })
      .where(and(eq(orders.id, order.id), mayCallAgain))
      .returning({ id: orders.id })
      .all()
    if (reopened.length) queueStoreWrite(db, { orderId: order.id, storeId: order.storeId, kind: 'pending' }, now)
    return reopened.length > 0
  })
}
