/**
 * A customer ringing our number back: which of their orders the call is about, and whether the
 * agent takes it or the caller hears a short message and is hung up. Pure: the facts come in, a
 * decision goes out; calls/incomingCalls.ts reads the facts and answers Twilio.
 */
import type { DailyLimits } from './dialPolicy.js'
import type { OrderStatus, Outcome } from './order.js'

/** Outcomes a call-back may still confirm: every call went unanswered (or reached a machine). */
export const CALL_BACK_OUTCOMES = ['no_answer', 'voicemail'] as const satisfies readonly Outcome[]

/** Order statuses a call-back may confirm, besides those closed with CALL_BACK_OUTCOMES: waiting for its first call or a retry, or being called. */
export const CALL_BACK_STATUSES = ['queued', 'calling'] as const satisfies readonly OrderStatus[]

/** Why the caller hears a message instead of the agent; each is a text in the catalogs (`callBack.*`). */
export type CallBackMessage = 'withheldNumber' | 'nothingToConfirm' | 'beingCalled' | 'linesBusy'

export type CallBackAnswer = { action: 'connect' } | { action: 'say'; message: CallBackMessage }

/** Twilio's From for a caller who hides their number ("anonymous", "Restricted"…, or this made-up number). */
const ANONYMOUS_NUMBER = '+266696687'

/**
 * The caller's number as E.164, or undefined when it is withheld or not a number at all.
 *
 * @example
 * callerNumber('+355691234567') // → '+355691234567'
 * callerNumber('anonymous')     // → undefined
 */
export function callerNumber(from: string | undefined): string | undefined {
  if (!from || from === ANONYMOUS_NUMBER || !/^\+[1-9]\d{6,14}$/.test(from)) return undefined
  return from
}

export interface CallBackFacts {
  /** The caller's number (callerNumber), or undefined. */
  caller: string | undefined
  /** Their most recent open order, as it is now; undefined when they have none. */
  order: { status: OrderStatus } | undefined
  /** The order's store, read back just now, says not to call it (cancelled, fulfilled, gone). */
  storeSaysStop: boolean
  /** Calls in flight now: across the service, and for the order's store. */
  callsInFlight: number
  storeCallsInFlight: number
  /** The service's calls and estimated spend since midnight UTC. */
  serviceCallsToday: number
  serviceSpendTodayUsd: number
}

export interface CallBackLimits extends Pick<DailyLimits, 'serviceDailyCalls' | 'serviceDailySpendUsd'> {
  /** Calls at once across the service (config.calls.maxConcurrent), and for the store (its maxConcurrentCalls). */
  maxConcurrent: number
  storeMaxConcurrent: number
}

/**
 * What a call to our number gets. The agent takes it when the caller's number finds an open order
 * the store still wants confirmed, that order is not being called this moment (a second
 * conversation about one order is never opened), and the service has a line and the day's budget
 * for it: the caps that bound our calls bound a call-back too. The store's own daily call limit and
 * calling hours are not applied: those spare customers calls they did not ask for, and this one
 * they made themselves.
 *
 * @example
 * decideCallBack({ caller: undefined, order: undefined, storeSaysStop: false, ...room }, limits)
 * // → { action: 'say', message: 'withheldNumber' }
 */
export function decideCallBack(facts: CallBackFacts, limits: CallBackLimits): CallBackAnswer {
  const say = (message: CallBackMessage): CallBackAnswer => ({ action: 'say', message })
  if (!facts.caller) return say('withheldNumber')
  if (!facts.order || facts.storeSaysStop) return say('nothingToConfirm')
  if (facts.order.status === 'calling') return say('beingCalled')
  const full =
    facts.callsInFlight >= limits.maxConcurrent ||
    facts.storeCallsInFlight >= limits.storeMaxConcurrent ||
    facts.serviceCallsToday >= limits.serviceDailyCalls ||
    facts.serviceSpendTodayUsd >= limits.serviceDailySpendUsd
  return full ? say('linesBusy') : { action: 'connect' }
}
