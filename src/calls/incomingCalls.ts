import { and, count, desc, eq, inArray, isNotNull, isNull, or, type SQL } from 'drizzle-orm'
import { orders, stores } from '../db/schema.js'
import { CALL_BACK_OUTCOMES, CALL_BACK_STATUSES, type CallBackFacts, callerNumber, decideCallBack } from '../domain/callBack.js'
import { startOfLocalDay } from '../domain/callingWindow.js'
import type { DailyLimits } from '../domain/dialPolicy.js'
import { startOfUtcDay } from '../domain/dialPolicy.js'
import { maskPhone } from '../domain/phone.js'
import { translator } from '../i18n/index.js'
import type { ReadStoreOrder } from '../stores/orderState.js'
import { findStore, type Store } from '../stores/records.js'
import { addTranscriptLine } from '../voice/callRecord.js'
import { type Attempt, attemptOfCall, callsSoFar, recordAttempt } from './attempts.js'
import type { CallbackDeps } from './callbacks.js'
import { storeSaysBeforeCalling } from './dialer.js'
import { callLog, type LeaseHolder } from './outcomes.js'
import type { StreamKeys } from './streamKey.js'
import { maskCallSid, sayAndHangUpTwiml, streamTwiml } from './twilio.js'

export interface IncomingCallDeps extends CallbackDeps {
  config: { calls: LeaseHolder & { maxConcurrent: number }; limits: DailyLimits }
  /** Names the call in its media-stream URL, as for a call we place. */
  streamKeys: StreamKeys
  readStoreOrder: ReadStoreOrder
}

/** What Twilio asked us about: the call ringing our number (its voice webhook's CallSid and From). */
export interface IncomingCall {
  callSid: string
  from: string | undefined
}

/**
 * The language of what a caller hears when no order of theirs is found: the store's when the
 * service has one store (whose number it is), else Albanian, our first market's.
 */
const SERVICE_LANGUAGE = 'sq'

/** How long the store has to say whether the order is still wanted before the caller is answered anyway (Twilio gives the whole answer 15 s). */
const STORE_READ_MS = 4_000

/** An order a call-back may confirm: open (waiting for a call, or being called) or closed unanswered, in a store that calls. */
const openForCallBack: SQL = and(
  isNull(orders.redactedAt),
  or(inArray(orders.status, [...CALL_BACK_STATUSES]), and(eq(orders.status, 'done'), inArray(orders.outcome, [...CALL_BACK_OUTCOMES]))),
)!

/**
 * Answers a call to our number (the number's voice webhook). The caller's number finds their most
 * recent open order (decideCallBack says which may be taken); the agent then takes the call
 * exactly as it takes one we place: the same TwiML and media stream, an attempt of the order
 * (`inbound`), the same tools, outcome, evidence and write-back. The order is claimed for the
 * call in one transaction with the checks of the service's caps, so a retry that was waiting no
 * longer goes out, and no scheduler dials it meanwhile. Anyone else hears a short message in the
 * store's language and is hung up. Returns the TwiML.
 */
export async function answerIncomingCall(deps: IncomingCallDeps, call: IncomingCall): Promise<string> {
  const caller = callerNumber(call.from)
  // Twilio asked twice about one call (a retried webhook): its attempt is open already.
  const known = await attemptOfCall(deps.db, call.callSid)
  const found = caller && !known ? await latestOpenOrder(deps, caller) : undefined
  const storeSays = found && found.order.status !== 'calling' ? await boundedStoreCheck(deps, found.store, found.order) : undefined
  const answer = deps.db.transaction(
    () => {
      const now = deps.now()
      const order =
        found &&
        deps.db
          .select()
          .from(orders)
          .where(and(eq(orders.id, found.order.id), openForCallBack))
          .get()
      const decision = decideCallBack(
        {
          caller,
          order: known ? { status: 'calling' } : order,
          storeSaysStop: storeSays?.action === 'stop',
          ...(found && caller ? lineFor(deps, found.store, caller, now) : NO_CALLS),
        },
        {
          maxConcurrent: deps.config.calls.maxConcurrent,
          storeMaxConcurrent: found?.store.settings.maxConcurrentCalls ?? 0,
          serviceDailyCalls: deps.config.limits.serviceDailyCalls,
          serviceDailySpendUsd: deps.config.limits.serviceDailySpendUsd,
        },
      )
      if (decision.action === 'say') return decision
      if (!order) return { action: 'say', message: 'nothingToConfirm' } as const
      // Reopened for this call: whatever the unanswered calls left (an outcome, a retry's time) gives way to this conversation's.
      deps.db
        .update(orders)
        .set({
          status: 'calling',
          outcome: null,
          evidence: null,
          nextCallAt: null,
          waitReason: null,
          leaseOwner: deps.config.calls.workerId,
          leaseExpiresAt: now + deps.config.calls.leaseMs,
          updatedAt: now,
        })
        .where(eq(orders.id, order.id))
        .run()
      return { action: 'connect', ...recordAttempt(deps.db, order.id, now, { callSid: call.callSid }) } as const
    },
    { behavior: 'immediate' },
  )
  if (answer.action === 'say') {
    deps.log.info('incoming call answered with a message', {
      callSid: maskCallSid(call.callSid),
      caller: maskPhone(caller),
      message: answer.message,
      ...(found && { orderId: found.order.id }),
    })
    const words = translator(found?.order.language ?? (await serviceLanguage(deps)))
    return sayAndHangUpTwiml(words.t(`callBack.${answer.message}`), words.language)
  }
  return connectAgent(deps, answer.attempt, answer.streamToken, caller!)
}

type CallsNow = Pick<CallBackFacts, 'callsInFlight' | 'storeCallsInFlight' | 'serviceCallsToday' | 'serviceSpendTodayUsd'>
/** What is weighed when no order was found: nothing, since without one the caller is not connected. */
const NO_CALLS: CallsNow = { callsInFlight: 0, storeCallsInFlight: 0, serviceCallsToday: 0, serviceSpendTodayUsd: 0 }

/** The calls the service's caps weigh, as they stand: in flight (all, and the store's), and the service's day so far. Synchronous: it runs in the claiming transaction. */
function lineFor(deps: Pick<IncomingCallDeps, 'db'>, store: Store, caller: string, now: number): CallsNow {
  const inFlight = (where?: SQL) =>
    deps.db
      .select({ n: count() })
      .from(orders)
      .where(and(eq(orders.status, 'calling'), where))
      .get()!.n
  const today = callsSoFar(deps.db, {
    phone: caller,
    storeId: store.id,
    storeDayStart: startOfLocalDay(now, store.settings.timezone),
    serviceDayStart: startOfUtcDay(now),
    now,
  })
  return {
    callsInFlight: inFlight(),
    storeCallsInFlight: inFlight(eq(orders.storeId, store.id)),
    serviceCallsToday: today.serviceCallsToday,
    serviceSpendTodayUsd: today.serviceSpendTodayUsd,
  }
}

/** The agent takes the call: its session opens while Twilio connects the stream, and the order's page says who rang whom. */
async function connectAgent(deps: IncomingCallDeps, attempt: Attempt, streamToken: string, caller: string): Promise<string> {
  deps.prewarmAgent(attempt.id)
  callLog(deps.log, attempt).info('the customer rang back; the agent answers', { attempt: attempt.number, caller: maskPhone(caller) })
  await addTranscriptLine(deps.db, {
    orderId: attempt.orderId,
    attemptId: attempt.id,
    speaker: 'system',
    text: 'The customer rang back',
    at: deps.now(),
  })
  return streamTwiml({ attemptId: attempt.id, streamToken, streamKey: deps.streamKeys.key(attempt.id), publicUrl: deps.publicUrl })
}

/** The caller's most recent open order (openForCallBack) in a store that places calls, and that store. */
async function latestOpenOrder(
  deps: Pick<IncomingCallDeps, 'db' | 'storeDefaults'>,
  caller: string,
): Promise<{ order: typeof orders.$inferSelect; store: Store } | undefined> {
  const row = await deps.db
    .select({ order: orders })
    .from(orders)
    .innerJoin(stores, eq(stores.id, orders.storeId))
    .where(and(eq(orders.phone, caller), openForCallBack, eq(stores.enabled, true), isNotNull(stores.approvedAt)))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(1)
    .get()
  const store = row && (await findStore(deps.db, row.order.storeId, deps.storeDefaults))
  return row && store?.settings.enabled ? { order: row.order, store } : undefined
}

/** The store's word on the order (storeSaysBeforeCalling), or none if it takes longer than the caller should wait. */
async function boundedStoreCheck(deps: IncomingCallDeps, store: Store, order: { id: number; platformOrderId: string }) {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), STORE_READ_MS)
  })
  try {
    return await Promise.race([storeSaysBeforeCalling(deps, store, order), late])
  } finally {
    clearTimeout(timer)
  }
}

/** The language of a caller with no order of ours: the store's when the service has one, else SERVICE_LANGUAGE. */
async function serviceLanguage(deps: Pick<IncomingCallDeps, 'db' | 'storeDefaults'>): Promise<string> {
  const some = await deps.db.select({ id: stores.id }).from(stores).limit(2).all()
  const only = some.length === 1 ? await findStore(deps.db, some[0]!.id, deps.storeDefaults) : undefined
  return only?.settings.language ?? SERVICE_LANGUAGE
}
