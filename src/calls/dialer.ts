import { and, eq } from 'drizzle-orm'
import { perDb } from '../db/index.js'
import { orders, storeWrites } from '../db/schema.js'
import { startOfLocalDay } from '../domain/callingWindow.js'
import { type BeforeDialing, type DialRefusal, decideBeforeDialing, decideDialRefusal, noNumberToCall } from '../domain/callOutcome.js'
import { type DailyLimits, type DialDecision, decideDial, STORE_HOLDS, startOfUtcDay } from '../domain/dialPolicy.js'
import { maskPhone } from '../domain/phone.js'
import { accountProblemOf } from '../domain/twilioAccount.js'
import { isDoNotContact } from '../messages/messageLog.js'
import type { ReadStoreOrder } from '../stores/orderState.js'
import { findStore, type Store, storeDailyCallLimit } from '../stores/records.js'
import { currentHold, holdDialling } from './accountHold.js'
import { callsSoFar, recordAttempt, refusedAttempts, storeCallSid, updateAttempt } from './attempts.js'
import { type CallDeps, callLog, closeOrder, releaseForRecovery, requeueOrder, stopCalling } from './outcomes.js'
import { recordingRequested } from './recordings.js'
import type { StreamKeys } from './streamKey.js'
import { endCall, maskCallSid, placeCall, type TwilioAccount, type TwilioClient, twilioErrorCode, twilioHttpStatus } from './twilio.js'

export interface DialerDeps extends CallDeps {
  /** The service's daily limits (config.limits): calls per store by default, calls and spend in all. */
  config: { limits: DailyLimits }
  twilio: { client: TwilioClient; account: TwilioAccount }
  publicUrl: string
  /** Names each call in its media-stream URL. */
  streamKeys: StreamKeys
  readStoreOrder: ReadStoreOrder
}

/** Twilio refuses the number itself: it will never connect. */
const UNDIALLABLE_NUMBER = new Set([21211, 21214, 21217, 21401, 21407])
/** Twilio's geo permissions or the account's settings forbid calling it. */
const FORBIDDEN_NUMBER = new Set([21215, 21216, 13227])
/** Twilio's answer to a `calls.create` that failed, in the words callOutcome decides on. */
function dialRefusal(status: number | undefined, code: number | undefined, times: number): DialRefusal {
  // No clear answer (a timeout, a 5xx): the call may exist.
  if (status === undefined || status >= 500) return { kind: 'no_clear_answer' }
  if (code !== undefined && UNDIALLABLE_NUMBER.has(code)) return { kind: 'undiallable', code }
  if (code !== undefined && FORBIDDEN_NUMBER.has(code)) return { kind: 'forbidden', code }
  return { kind: 'refused', code, account: accountProblemOf(code), times }
}

/**
 * Dials one order the scheduler has claimed: checks the number against the store's policy
 * (a customer's own line, allowed countries, calling hours, the day's limits), reads the order
 * again from the store (cancelled, fulfilled or already answered there: no call), records the
 * attempt, and only then asks Twilio to place the call.
 */
export async function dialOrder(deps: DialerDeps, orderId: number): Promise<void> {
  const now = deps.now()
  const order = await deps.db.select().from(orders).where(eq(orders.id, orderId)).get()
  if (order?.status !== 'calling') return
  const store = await findStore(deps.db, order.storeId, deps.storeDefaults)
  if (!store?.settings.enabled) return stopCalling(deps.db, orderId, 'store_disabled', now)
  const phone = order.phone
  if (!phone) {
    const none = noNumberToCall({ phones: [] })
    return closeOrder(deps, orderId, none.outcome, none.evidence, now)
  }
  // The customer wrote STOP (or NDALO) to one of our messages: no call goes to the number again.
  if (await isDoNotContact(deps.db, phone)) return stopCalling(deps.db, orderId, 'do_not_contact', now)

  const { storeDailyCalls, serviceDailyCalls, serviceDailySpendUsd } = deps.config.limits
  const limits: DailyLimits = { storeDailyCalls: storeDailyCallLimit(store.row, storeDailyCalls), serviceDailyCalls, serviceDailySpendUsd }
  const decide = (at: number) => {
    const counts = callsSoFar(deps.db, {
      phone,
      storeId: store.id,
      storeDayStart: startOfLocalDay(at, store.settings.timezone),
      serviceDayStart: startOfUtcDay(at),
      now: at,
    })
    return decideDial({ now: at, phone, phoneCountry: order.phoneCountry, ...counts }, store.settings, limits)
  }
  const decision = decide(now)
  if (decision.action !== 'dial') return holdBack(deps, { orderId, store, limits }, decision, now)

  const beforeDialing = await storeSaysBeforeCalling(deps, store, order)
  if (beforeDialing.action === 'stop') return stopCalling(deps.db, orderId, beforeDialing.reason, now)

  // Decided again in the transaction that records the attempt (immediate on better-sqlite3: it
  // holds the write lock from its first read; a Durable Object runs one synchronous transaction at
  // a time), so dials side by side, in one process or two, or waiting on a slow store, cannot both
  // take the day's last call, nor dial once Twilio has refused the account.
  const recordedAt = deps.now()
  const recorded = deps.db.transaction(
    () => {
      // Settled, requeued or erased while the store was read: someone else decided; nothing to dial.
      if (deps.db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get()?.status !== 'calling') return undefined
      if (currentHold(deps.db)) return { action: 'wait', until: recordedAt, reason: 'twilio_account' } as const
      const final = decide(recordedAt)
      return final.action === 'dial' ? recordAttempt(deps.db, orderId, recordedAt) : final
    },
    { behavior: 'immediate' },
  )
  if (!recorded) return
  if ('action' in recorded) return holdBack(deps, { orderId, store, limits }, recorded, recordedAt)
  const { attempt, streamToken } = recorded
  const log = callLog(deps.log, attempt)
  const record = store.settings.recordCalls
  if (record) recordingRequested(deps.db, attempt.id, recordedAt)
  try {
    const call = await placeCall(deps.twilio.client, deps.twilio.account, {
      to: phone,
      attemptId: attempt.id,
      streamToken,
      streamKey: deps.streamKeys.key(attempt.id),
      publicUrl: deps.publicUrl,
      record,
    })
    await storeCallSid(deps.db, attempt.id, call, deps.now())
    log.info('call placed', { attempt: attempt.number, callSid: maskCallSid(call.sid), phone: maskPhone(phone) })
    // A redaction that arrived while Twilio was placing the call had no Call SID to hang up.
    if (await isRedacted(deps, orderId)) {
      log.info('customer data erased while the call was placed; hanging up')
      await endCall(deps.twilio.client, call.sid)
    }
  } catch (error) {
    const code = twilioErrorCode(error)
    const status = twilioHttpStatus(error)
    const message = error instanceof Error ? error.message : String(error)
    // This refusal is one more than those before it (its attempt is marked not placed just below).
    const refusal = dialRefusal(status, code, refusedAttempts(deps.db, orderId) + 1)
    // With no clear answer the attempt is left as it is (the call may exist); otherwise it was not placed.
    if (refusal.kind === 'no_clear_answer') await updateAttempt(deps.db, attempt.id, { error: message, updatedAt: deps.now() })
    else await updateAttempt(deps.db, attempt.id, { status: 'not-placed', error: code ? `${code}: ${message}` : message, updatedAt: deps.now() })
    const next = decideDialRefusal(refusal, deps.now())
    switch (next.action) {
      case 'recover':
        // Recovery asks Twilio for the calls to this number before dialling again; the lease lapses at `next.at`.
        log.error('Twilio gave no clear answer to calls.create; recovery will check', { status, error: message })
        return releaseForRecovery(deps.db, orderId, next.at)
      case 'close':
        return closeOrder(deps, orderId, next.outcome, next.evidence, deps.now())
      case 'retry':
        log.error('Twilio did not place the call; trying again shortly', { code, status, error: message })
        return requeueOrder(deps.db, orderId, next.at, deps.now())
      case 'hold':
        // Not Twilio's message: for some codes (21219) it names the customer's number.
        if (holdDialling(deps, next, deps.now()))
          log.error('Twilio refused the account; every call waits until the hold lifts', { code, status, problem: next.problem })
        return requeueOrder(deps.db, orderId, next.at, deps.now(), 'twilio_account')
    }
  }
}

/**
 * Whether the store still wants the order's customer called, read back from the store just before
 * the call (decideBeforeDialing). A store that cannot be reached lets the call go on.
 */
export async function storeSaysBeforeCalling(
  deps: Pick<DialerDeps, 'db' | 'log' | 'readStoreOrder'>,
  store: Store,
  order: { id: number; platformOrderId: string },
): Promise<BeforeDialing> {
  const inStore = await deps.readStoreOrder(store, order.platformOrderId)
  // The store's order carries an outcome of ours when a person called the order again (or its
  // customer rang back): that answer was reopened, not given by someone else.
  const state = inStore.state === 'answered' && (await outcomeWritten(deps, order.id)) ? 'open' : inStore.state
  if (inStore.state === 'unreachable')
    deps.log.warn('could not read the order from the store; calling anyway', { orderId: order.id, reason: inStore.reason })
  return decideBeforeDialing(state)
}

/** Daily-limit warnings already logged, per database: store and reason → the day it was logged. */
const limitsLogged = perDb(() => new Map<string, number>())

/**
 * Acts on a decision not to dial now: closes the order when its number must never be dialled,
 * or queues it for when it may be, saying why it waits. A store held back by a daily limit is
 * logged once a day at warn, for the operator (no phone numbers: the store and the limit say it).
 */
async function holdBack(
  deps: DialerDeps,
  held: { orderId: number; store: Store; limits: DailyLimits },
  decision: Exclude<DialDecision, { action: 'dial' }>,
  now: number,
): Promise<void> {
  const { orderId, store, limits } = held
  if (decision.action === 'refuse') {
    deps.log.warn(
      decision.outcome === 'invalid_phone' ? "number is not a customer's own line; not dialled" : 'number outside the allowed countries; not dialled',
      { orderId, storeId: store.id },
    )
    return closeOrder(deps, orderId, decision.outcome, decision.evidence, now)
  }
  if (STORE_HOLDS.has(decision.reason)) {
    const key = `${store.id}:${decision.reason}`
    const day = decision.reason === 'store_daily_limit' ? startOfLocalDay(now, store.settings.timezone) : startOfUtcDay(now)
    if (limitsLogged(deps.db).get(key) !== day) {
      limitsLogged(deps.db).set(key, day)
      deps.log.warn("daily limit reached; the store's calls wait", {
        storeId: store.id,
        reason: decision.reason,
        ...limits,
        until: new Date(decision.until).toISOString(),
      })
    }
  }
  return requeueOrder(deps.db, orderId, decision.until, now, decision.reason)
}

/** Whether we have written an outcome of this order to its store before: it was closed, then reopened. */
const outcomeWritten = async (deps: Pick<DialerDeps, 'db'>, orderId: number) =>
  (await deps.db
    .select({ id: storeWrites.id })
    .from(storeWrites)
    .where(and(eq(storeWrites.orderId, orderId), eq(storeWrites.kind, 'outcome')))
    .get()) !== undefined

const isRedacted = async (deps: DialerDeps, orderId: number) =>
  (await deps.db.select({ redactedAt: orders.redactedAt }).from(orders).where(eq(orders.id, orderId)).get())?.redactedAt != null
