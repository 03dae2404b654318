import { Temporal } from 'temporal-polyfill'
import { describeEvidence, type Evidence, type NoteKey, type NoteWords } from './evidence.js'
import type { Outcome, SkipReason } from './order.js'
import type { StoreSettings } from './settings.js'

/**
 * What callconfirm writes on a store's own order, decided without I/O: the platform adapters
 * turn a plan into API calls. Three moments write: the call job is created (`pending`), the
 * order has its final outcome (`outcome`), or calling stopped without one (`withdrawn`: the
 * order was cancelled or fulfilled in the store, or someone already had the answer).
 */
export type WriteKind = 'pending' | 'outcome' | 'withdrawn'

/** The value of the `_callconfirm_outcome` meta (WooCommerce) at each moment. */
export type OutcomeMarker = Outcome | 'pending' | 'not_called'

export interface WriteBackPlan {
  /** Shopify tags to add and to remove (tagsAdd / tagsRemove leave every other tag alone). */
  addTags: string[]
  removeTags: string[]
  /** One line appended to the order's note (Shopify) or added as a private note (WooCommerce). */
  noteLine: string | null
  marker: OutcomeMarker
  /** `_callconfirm_summary` (WooCommerce): the note line, or what the marker means. */
  summary: string
  /** Move a WooCommerce order to this status (the store's mapping), if it is still open. */
  wooStatus: string | null
  /** Cancel the Shopify order (the store's `cancelOnDecline`); a COD order has nothing to refund. */
  cancelOrder: boolean
  /** Hold the Shopify order's fulfillment while the call is pending, release it once confirmed. */
  fulfillmentHold: 'place' | 'release' | null
}

export interface WriteBackFacts {
  kind: WriteKind
  outcome: Outcome | null
  /** What the customer said or what happened, as recorded on the order (evidence.ts readEvidence). */
  evidence: Evidence | null
  skipReason: SkipReason | null
  /** Seconds the customer was on the line, if a call was answered. */
  callSeconds: number | null
  /** When the write was decided: the note line's date, so a retry writes the very same line. */
  decidedAt: number
}

export const OUTCOME_TAG: Record<Outcome, keyof StoreSettings['tags']> = {
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  needs_review: 'needsReview',
  no_answer: 'noAnswer',
  voicemail: 'voicemail',
  invalid_phone: 'invalidPhone',
  failed: 'failed',
}

const WITHDRAWN_WORDS: Partial<Record<SkipReason, NoteKey>> = {
  cancelled_in_store: 'notCalledCancelledInStore',
  fulfilled_in_store: 'notCalledFulfilledInStore',
  already_answered: 'notCalledAlreadyAnswered',
  store_disabled: 'notCalledStoreDisabled',
  do_not_contact: 'notCalledDoNotContact',
}

/** Calling stopped for these reasons: the store can still be told (not for a revoked or erased store). */
export const WITHDRAWN_REASONS = new Set(Object.keys(WITHDRAWN_WORDS) as SkipReason[])

/** Every note line callconfirm writes starts with this, so a person (and a retry) can find it. */
export const NOTE_PREFIX = '[callconfirm]'
const MAX_EVIDENCE = 300

function localTime(at: number, timeZone: string): string {
  const t = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}`
}

const duration = (seconds: number, words: NoteWords) =>
  seconds < 60 ? words.note('seconds', { seconds }) : words.note('minutesSeconds', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 })

/**
 * The note line for a final outcome, in the store's language and time zone:
 * `[callconfirm] 2026-11-21 14:05 Confirmed (call 1 min 12 s): Confirmed on the call: “Po”.`
 * `[callconfirm] 2026-11-21 14:05 Konfirmuar (telefonata 1 min 12 s): Konfirmoi në telefon: “Po”.`
 * Built from the order's stored facts only, so a retried delivery writes the same line (unless
 * the store's language changed in between: then it writes the line in the new language too).
 * The call's length belongs to an outcome reached on the call: a person marking the order from
 * the dashboard, or a customer answering in writing, reached theirs without one (an earlier call's length would read as this one's).
 */
export function outcomeNoteLine(
  outcome: Outcome,
  facts: Pick<WriteBackFacts, 'evidence' | 'callSeconds' | 'decidedAt'>,
  timeZone: string,
  words: NoteWords,
): string {
  // A written answer came without a call, too.
  const offCall = typeof facts.evidence === 'object' && (facts.evidence?.kind === 'marked' || facts.evidence?.kind === 'written')
  const call = facts.callSeconds && !offCall ? ` ${words.note('callLength', { duration: duration(facts.callSeconds, words) })}` : ''
  const evidence = facts.evidence === null ? '' : describeEvidence(facts.evidence, words, timeZone).trim()
  const said = evidence ? `: ${evidence.length > MAX_EVIDENCE ? `${evidence.slice(0, MAX_EVIDENCE - 1)}…` : evidence}` : ''
  return `${NOTE_PREFIX} ${localTime(facts.decidedAt, timeZone)} ${words.outcome(outcome)}${call}${said}`.replace(/\s*\n\s*/g, ' ')
}

/**
 * What one write must leave on the store's order; its note and summary in `words`, the store's
 * language (src/i18n noteWords(settings.language)).
 */
export function planWriteBack(
  facts: WriteBackFacts,
  settings: Pick<StoreSettings, 'tags' | 'actions' | 'timezone'>,
  words: NoteWords,
): WriteBackPlan {
  const { tags, actions } = settings
  const none = { noteLine: null, wooStatus: null, cancelOrder: false }
  if (facts.kind === 'pending')
    return {
      ...none,
      addTags: [tags.pending],
      removeTags: [],
      marker: 'pending',
      summary: words.note('pending'),
      fulfillmentHold: actions.holdUntilConfirmed ? 'place' : null,
    }
  if (facts.kind === 'withdrawn' || !facts.outcome) {
    const why = words.note((facts.skipReason && WITHDRAWN_WORDS[facts.skipReason]) || 'notCalledOther')
    return {
      ...none,
      addTags: [],
      removeTags: [tags.pending],
      marker: 'not_called',
      summary: words.note('notCalled', { why }),
      fulfillmentHold: actions.holdUntilConfirmed ? 'release' : null,
    }
  }
  const outcome = facts.outcome
  const noteLine = outcomeNoteLine(outcome, facts, settings.timezone, words)
  return {
    addTags: [tags[OUTCOME_TAG[outcome]]],
    removeTags: [tags.pending],
    noteLine,
    marker: outcome,
    summary: noteLine.slice(NOTE_PREFIX.length + 1),
    wooStatus: outcome === 'confirmed' ? actions.wooStatusOnConfirmed : outcome === 'cancelled' ? actions.wooStatusOnCancelled : null,
    cancelOrder: outcome === 'cancelled' && actions.cancelOnDecline,
    // Only a confirmation lifts the hold; any other outcome leaves the order for a person.
    fulfillmentHold: outcome === 'confirmed' && actions.holdUntilConfirmed ? 'release' : null,
  }
}

/** Waits between deliveries that failed in a way worth retrying; after the last, the write is failed. */
export const WRITE_RETRY_DELAYS_MS = [10_000, 60_000, 5 * 60_000, 15 * 60_000, 3600_000, 3 * 3600_000, 6 * 3600_000, 12 * 3600_000]

/** When to try a write again after its `tries`-th failure, or undefined to give up (about a day in all). */
export function nextWriteAttempt(tries: number, now: number): number | undefined {
  const delay = WRITE_RETRY_DELAYS_MS[tries - 1]
  return delay === undefined ? undefined : now + delay
}
