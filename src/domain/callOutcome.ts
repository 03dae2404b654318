/**
 * Every decision about how an order's calling ends, in one place: an order with no number to
 * call, what the store says just before dialling, Twilio refusing a call, the customer's answer
 * (a tool the agent calls or a key they press), and a call that has ended. Pure: the facts and
 * `now` come in, a decision goes out; `calls/` and `voice/` do the writing and the telephony.
 * (The dial policy's own refusals — not a customer's line, outside the allowed countries — are
 * decided with the rest of that policy, in dialPolicy.ts decideDial.)
 */
import { type CallingHours, callbackTime } from './callingWindow.js'
import { type Answered, type CallKind, type Evidence, withEarlier } from './evidence.js'
import type { Outcome, SkipReason } from './order.js'
import { maskPhone } from './phone.js'
import { type LadderSettings, nextRetryAt } from './retryLadder.js'
import type { AccountProblem } from './twilioAccount.js'

// — no number to call ——————————————————————————————————————————————

/** A final outcome with what it rests on (evidence.ts: the merchant reads it in their language). */
export interface ClosedWith {
  outcome: Outcome
  evidence: Evidence
}

/**
 * An order that has no number we may dial is closed as `invalid_phone`, saying why without
 * repeating the number: the first reason a number was refused (premium-rate and the like), else
 * that the first number is not valid where the order is, else that there was none.
 *
 * @example
 * noNumberToCall({ phones: [] })
 * // → { outcome: 'invalid_phone', evidence: { kind: 'no_phone' } }
 */
export function noNumberToCall(found: {
  /** The numbers on the order, most useful first. */
  phones: readonly string[]
  /** The countries they were read against (shipping, billing, the store's). */
  countries?: readonly string[]
  /** Why a valid number was still refused (lineTypeRefusal), if one was. */
  refused?: string | undefined
}): ClosedWith & { outcome: 'invalid_phone' } {
  const first = found.phones[0]
  if (found.refused) return { outcome: 'invalid_phone', evidence: found.refused }
  if (first === undefined) return { outcome: 'invalid_phone', evidence: { kind: 'no_phone' } }
  return { outcome: 'invalid_phone', evidence: { kind: 'invalid_number', maskedPhone: maskPhone(first), countries: [...(found.countries ?? [])] } }
}

// — the store, just before dialling ———————————————————————————————————

/**
 * What the store says about an order when it is read back just before the call: still open,
 * cancelled, fulfilled, `answered` (it carries one of our final call tags or meta: someone got the
 * answer already), `not_found`, `access_revoked` (the store refuses our credentials: the app was
 * removed or the keys revoked), or `unreachable`. stores/platform.ts's StoreOrderState is built on it.
 */
export type OrderInStore = 'open' | 'cancelled' | 'fulfilled' | 'answered' | 'not_found' | 'access_revoked' | 'unreachable'

export type BeforeDialing = { action: 'call' } | { action: 'stop'; reason: SkipReason }

const STOP_FOR: Partial<Record<OrderInStore, SkipReason>> = {
  cancelled: 'cancelled_in_store',
  fulfilled: 'fulfilled_in_store',
  answered: 'already_answered',
  not_found: 'order_not_found',
  access_revoked: 'store_access_revoked',
}

/**
 * Whether to place the call, given the order as the store has it now. Cancelled, fulfilled,
 * already answered, gone, or a store that refuses our credentials: calling stops, with that
 * reason. A store that cannot be reached does not stop the confirmation; the customer will say.
 *
 * @example
 * decideBeforeDialing('fulfilled') // → { action: 'stop', reason: 'fulfilled_in_store' }
 * decideBeforeDialing('unreachable') // → { action: 'call' }
 */
export function decideBeforeDialing(state: OrderInStore): BeforeDialing {
  const reason = STOP_FOR[state]
  return reason ? { action: 'stop', reason } : { action: 'call' }
}

// — Twilio refusing the call ——————————————————————————————————————————

/**
 * How Twilio answered a `calls.create` that did not place the call: no clear answer (a timeout,
 * a 5xx: the call may exist), a number it will never dial, a number the account may not call,
 * or a refusal for now (429, other 4xx). `code` is Twilio's error code, when it gave one.
 */
export type DialRefusal =
  | { kind: 'no_clear_answer' }
  | { kind: 'undiallable' | 'forbidden'; code: number | undefined }
  /**
   * Refused for now: `account` names the problem when the refusal is about the Twilio account,
   * not this call (twilioAccount.ts accountProblemOf: credentials, the `From` number, a suspended
   * or trial account, its rate); `times`: how often Twilio has now refused this order's call,
   * this refusal included.
   */
  | { kind: 'refused'; code: number | undefined; account: AccountProblem | undefined; times: number }

export type AfterRefusal =
  | { action: 'close'; outcome: 'invalid_phone' | 'failed'; evidence: Evidence }
  /** Leave the attempt for recovery, which asks Twilio for the calls to the number before dialling again. */
  | { action: 'recover'; at: number }
  /** Try again at `at`; the refused attempt is not counted as a call. */
  | { action: 'retry'; at: number }
  /**
   * Hold back every call, whichever order or store, until the account's `problem` (Twilio's
   * `code`) is put right (calls/accountHold.ts); this order goes back in the queue for `at`.
   */
  | { action: 'hold'; problem: AccountProblem; code: number; at: number }

/** How long before recovery looks for a call whose creation went unanswered. */
const RECOVERY_DELAY_MS = 60_000
/** How long to wait before trying again when Twilio refused to place a call for now; it doubles with each refusal, up to an hour. */
const TWILIO_UNAVAILABLE_RETRY_MS = 60_000
const LONGEST_REFUSAL_WAIT_MS = 3600_000
/** Refusals of one order's call before it is closed as `failed`: Twilio will not place it. */
const MAX_REFUSALS = 6

/**
 * What a refused dial means for the order: an undiallable number closes it as `invalid_phone`,
 * a forbidden one as `failed` (the operator must check the geo permissions); no clear answer
 * leaves it to recovery; any other refusal tries again after 1, 2, 4… minutes (at most an hour).
 * A refusal about this call closes the order as `failed` the sixth time, naming Twilio's code,
 * rather than retrying for ever; one about the account never does: every order would fail with it.
 * It holds back every call instead, and they go out once the account is right again.
 *
 * @example
 * decideDialRefusal({ kind: 'undiallable', code: 21211 }, now)
 * // → { action: 'close', outcome: 'invalid_phone', evidence: { kind: 'twilio_refused_number', code: 21211 } }
 */
export function decideDialRefusal(refusal: DialRefusal, now: number): AfterRefusal {
  switch (refusal.kind) {
    case 'no_clear_answer':
      return { action: 'recover', at: now + RECOVERY_DELAY_MS }
    case 'undiallable':
      return { action: 'close', outcome: 'invalid_phone', evidence: { kind: 'twilio_refused_number', code: refusal.code } }
    case 'forbidden':
      return { action: 'close', outcome: 'failed', evidence: { kind: 'twilio_forbidden', code: refusal.code } }
    case 'refused': {
      if (!refusal.account && refusal.times >= MAX_REFUSALS)
        return { action: 'close', outcome: 'failed', evidence: { kind: 'twilio_refused', times: refusal.times, code: refusal.code } }
      const at = now + Math.min(TWILIO_UNAVAILABLE_RETRY_MS * 2 ** (refusal.times - 1), LONGEST_REFUSAL_WAIT_MS)
      return refusal.account && refusal.code !== undefined
        ? { action: 'hold', problem: refusal.account, code: refusal.code, at }
        : { action: 'retry', at }
    }
  }
}

// — the customer's answer ————————————————————————————————————————————

/** The functions the agent may call (their definitions for the model: voice/tools.ts). */
export const TOOL_NAMES = ['confirm_order', 'cancel_order', 'request_changes', 'request_callback', 'wrong_number', 'end_call'] as const
export type ToolName = (typeof TOOL_NAMES)[number]

export type Answer =
  /** The customer answered: the outcome the call's end makes final. */
  | { action: 'answer'; outcome: Outcome; evidence: Answered }
  /** Not final: the order is queued again for `at`. */
  | { action: 'call_back'; at: number; evidence: Answered }
  /** The agent has said goodbye; nothing is recorded. */
  | { action: 'end_call' }
  /** The model called a function it was never given. */
  | { action: 'unknown_tool' }

export interface AnswerContext {
  /** The customer's last transcribed words, quoted as evidence. */
  lastWords: string | undefined
  now: number
  callingHours: CallingHours
  timezone: string
}

/** Longest text taken from a tool's argument: the model is not trusted to keep it short. */
const MAX_ARGUMENT_CHARS = 500
/** "Later" with no time: called back this long after now, inside the calling hours. */
const DEFAULT_CALLBACK_MS = 2 * 3600_000

/** What the model wrote (a reason, the changes asked for) as a clause the note ends itself: no trailing full stop. */
const clause = (text: string) => text.trim().replace(/[\s.…]+$/u, '')
/** The same words whatever their case, spacing and punctuation: the model often passes the customer's own words as the reason. */
const sameWords = (a: string, b: string | undefined) => {
  const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
  return b !== undefined && bare(a) === bare(b)
}

function readArguments(json: string): (key: string) => string {
  let args: Record<string, unknown> = {}
  try {
    args = JSON.parse(json)
  } catch {
    // arguments the model garbled: the words on record still say what the customer wanted
  }
  return (key) => (typeof args?.[key] === 'string' ? (args[key] as string).slice(0, MAX_ARGUMENT_CHARS) : '')
}

/**
 * What a function the agent called records: `confirm_order` → `confirmed`, `cancel_order` →
 * `cancelled` with the reason, `request_changes` → `needs_review` with what they want,
 * `wrong_number` → `invalid_phone`, `request_callback` → queued again at the next such local time
 * within the calling hours (two hours on if no time was understood). The evidence keeps the
 * customer's last words, and the reason or the changes the model wrote down (as a clause: the
 * note ends the sentence; a reason that only repeats the customer's words is left to the quote).
 *
 * @example
 * decideToolCall('cancel_order', '{"reason":"too dear"}', { lastWords: 'Jo', now, callingHours, timezone })
 * // → { action: 'answer', outcome: 'cancelled', evidence: { kind: 'cancelled', reason: 'too dear', words: 'Jo' } }
 */
export function decideToolCall(name: string, argumentsJson: string, context: AnswerContext): Answer {
  const text = readArguments(argumentsJson)
  const words = context.lastWords?.trim() || undefined
  const answer = (outcome: Outcome, evidence: Answered): Answer => ({ action: 'answer', outcome, evidence })
  switch (name as ToolName) {
    case 'confirm_order':
      return answer('confirmed', { kind: 'confirmed', words })
    case 'cancel_order': {
      const reason = clause(text('reason'))
      return answer('cancelled', { kind: 'cancelled', reason: reason && !sameWords(reason, words) ? reason : undefined, words })
    }
    case 'request_changes':
      return answer('needs_review', { kind: 'changes', details: clause(text('details')) || undefined, words })
    case 'wrong_number':
      return answer('invalid_phone', { kind: 'wrong_number', words })
    case 'request_callback': {
      const { now, callingHours, timezone } = context
      const asked = callbackTime(text('when'), now, callingHours, timezone)
      const at = asked ?? callbackTime(new Date(now + DEFAULT_CALLBACK_MS).toISOString(), now, callingHours, timezone)!
      return { action: 'call_back', at, evidence: { kind: 'callback', at, timeGiven: asked !== undefined, words } }
    }
    case 'end_call':
      return { action: 'end_call' }
    default:
      return { action: 'unknown_tool' }
  }
}

/** A keypad answer: the outcome, its evidence, and what the key means (told to the model). */
export interface KeyAnswer extends ClosedWith {
  evidence: Answered
  meaning: string
}

const KEYS: Record<string, KeyAnswer> = {
  '1': { outcome: 'confirmed', evidence: { kind: 'key', digit: '1' }, meaning: 'to confirm the order' },
  '2': { outcome: 'cancelled', evidence: { kind: 'key', digit: '2' }, meaning: 'to cancel the order' },
}

/**
 * What a key the customer pressed answers: 1 confirms, 2 cancels, any other key nothing.
 *
 * @example
 * decideKey('1') // → { outcome: 'confirmed', evidence: { kind: 'key', digit: '1' }, meaning: 'to confirm the order' }
 * decideKey('5') // → undefined
 */
export function decideKey(digit: string): KeyAnswer | undefined {
  return Object.hasOwn(KEYS, digit) ? KEYS[digit] : undefined
}

/**
 * A later answer in the same call replaces an earlier one ("Po… jo, anuloje" ends cancelled),
 * with both in the evidence so the merchant sees the change of mind. The same answer again (a
 * model that calls the tool twice, a customer who repeats "po") changes nothing: undefined.
 *
 * @example
 * laterAnswer({ outcome: 'confirmed', evidence: { kind: 'confirmed', words: 'Po' } },
 *   { outcome: 'cancelled', evidence: { kind: 'cancelled', words: 'Jo, anuloje' } })
 * // → { outcome: 'cancelled', evidence: { kind: 'cancelled', words: 'Jo, anuloje', before: { kind: 'confirmed', words: 'Po' } } }
 */
export function laterAnswer(earlier: AnsweredWith | undefined, answer: AnsweredWith): AnsweredWith | undefined {
  if (!earlier) return answer
  if (earlier.outcome === answer.outcome) return undefined
  return { outcome: answer.outcome, evidence: withEarlier(answer.evidence, earlier.evidence) }
}

/** An outcome the customer gave on the call, with what they said. */
export interface AnsweredWith extends ClosedWith {
  evidence: Answered
}

/**
 * The agent failed (the model's responses failed twice, the Realtime connection dropped) after the
 * customer had spoken to it, with no answer recorded: calling again would ask a second time what
 * they may have answered, so a person looks, with their words. Before they spoke: undefined, and
 * the retry ladder calls again.
 *
 * @example
 * afterAgentFailure({ spoke: true, words: 'Po, e konfirmoj' })
 * // → { outcome: 'needs_review', evidence: { kind: 'agent_failed', words: 'Po, e konfirmoj' } }
 */
export function afterAgentFailure(customer: { spoke: boolean; words: string | undefined }): AnsweredWith | undefined {
  if (!customer.spoke) return undefined
  return { outcome: 'needs_review', evidence: { kind: 'agent_failed', words: customer.words?.trim() || undefined } }
}

// — a call that has ended ———————————————————————————————————————————

/** True when Twilio's `AnsweredBy` says a machine (or a fax) picked up, not a person. */
export const isMachine = (answeredBy: string | null | undefined): boolean => !!answeredBy && /^(machine|fax)/.test(answeredBy)

/** A call as the settlement weighs it: Twilio's final status and who answered. */
export interface CallFacts {
  status: string
  answeredBy: string | null
}

export interface EndedCall extends CallFacts {
  id: string
  /** How the conversation ended, when there was one (`agent_ended`, `customer_hung_up`, `agent_failed`, `silence`, `time_limit`). */
  endReason: string | null
  endedAt: number | null
}

export interface SettlementFacts {
  /** The attempt whose call Twilio has ended. */
  attempt: EndedCall
  /** Its order now: undefined when it is gone; `outcome` is the answer recorded on the call, if any. */
  order: { status: string; outcome: Outcome | null; evidence: Evidence | null } | undefined
  /** The order's newest attempt: news of an older one changes nothing. */
  latestAttemptId: string | undefined
  /** Every call the order has had (placed attempts, this one included), oldest first. */
  calls: readonly CallFacts[]
  /** The store's retry ladder; undefined when the store is gone (no more calls). */
  ladder: LadderSettings | undefined
}

export type Settlement =
  | { action: 'leave' }
  /** `ladderRanOut`: closed because the retry ladder had no rung left. */
  | { action: 'close'; outcome: Outcome; evidence: Evidence; ladderRanOut: boolean }
  | { action: 'requeue'; at: number }

/** Conversations that ended before an answer, where calling again is right. */
const RETRY_END_REASONS = new Set(['customer_hung_up', 'agent_failed'])

/** How an order's calls went when they ran out, kinds in the order they first happened ("4 calls: 1 busy, 3 not answered."). */
export function ladderSummary(calls: readonly CallFacts[]): Evidence {
  const kinds = new Map<CallKind, number>()
  for (const call of calls) {
    const kind = isMachine(call.answeredBy) ? 'voicemail' : call.status === 'busy' ? 'busy' : call.status === 'failed' ? 'failed' : 'unanswered'
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  return { kind: 'calls', calls: [...kinds] }
}

/**
 * What the end of a call means for its order. Left alone when the order is no longer being
 * called (a callback was requested on the call) or a newer attempt exists. A call a person
 * answered closes the order with the answer recorded on it; with none, `needs_review`, unless the
 * conversation broke off (the customer hung up, the agent failed), which climbs the retry ladder
 * like an unanswered call (busy, no answer, a machine, a failure). When the ladder runs out:
 * `needs_review` if a person ever answered, `voicemail` if the last call reached a machine,
 * `failed` if no call ever connected, else `no_answer`, with a summary of the calls.
 *
 * @example
 * decideSettlement({ attempt: { id: 'att_1', status: 'busy', answeredBy: null, endReason: null, endedAt: now },
 *   order: { status: 'calling', outcome: null, evidence: null }, latestAttemptId: 'att_1',
 *   calls: [{ status: 'busy', answeredBy: null }], ladder: store.settings }, now)
 * // → { action: 'requeue', at: now + 15 min (or the calling hours' next opening) }
 */
export function decideSettlement(facts: SettlementFacts, now: number): Settlement {
  const { attempt, order, calls, ladder } = facts
  if (order?.status !== 'calling' || facts.latestAttemptId !== attempt.id) return { action: 'leave' }
  const close = (outcome: Outcome, evidence: Evidence, ladderRanOut = false): Settlement => ({ action: 'close', outcome, evidence, ladderRanOut })

  const conversation = attempt.status === 'completed' && !isMachine(attempt.answeredBy)
  if (conversation && order.outcome) return close(order.outcome, order.evidence ?? '')
  if (conversation && !RETRY_END_REASONS.has(attempt.endReason ?? ''))
    return close('needs_review', order.evidence ?? { kind: 'call_ended_unanswered' })

  const retryAt = ladder && nextRetryAt(calls.length, attempt.endedAt ?? now, ladder)
  if (retryAt !== undefined) return { action: 'requeue', at: retryAt }
  const spoke = calls.some((c) => c.status === 'completed' && !isMachine(c.answeredBy))
  if (spoke) return close('needs_review', order.evidence ?? { kind: 'never_answered' }, true)
  const outcome: Outcome = isMachine(attempt.answeredBy) ? 'voicemail' : calls.every((c) => c.status === 'failed') ? 'failed' : 'no_answer'
  return close(outcome, ladderSummary(calls), true)
}
