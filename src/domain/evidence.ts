import type { Outcome } from './order.js'

/**
 * What an order's outcome rests on, as facts rather than a sentence, so the note on the store's
 * order and the pages can say it in their reader's language (describeEvidence, with the words of
 * src/i18n). A plain string is a sentence callconfirm wrote in English: evidence stored before it
 * was structured, and the refusals of the dial policy (phone.ts lineTypeRefusal, dialPolicy.ts).
 */
export type Evidence = Answered | Found | Marked | Written | string

/** Who acted on an order from the dashboard, as its notes and evidence name them. */
export type Actor = 'merchant' | 'operator'

/** A person gave the order its outcome from the dashboard; `was`: the outcome it had before. */
export interface Marked {
  kind: 'marked'
  outcome: 'confirmed' | 'cancelled'
  by: Actor
  was?: Outcome
}

/** Where a customer answered in writing: a WhatsApp or SMS reply, or the answer page an SMS links to. */
export type WrittenChannel = 'whatsapp' | 'sms' | 'link'

/**
 * The customer answered in writing (src/messages/): `words` are the reply as written (a button's
 * text, "1", "po"); `unclear` when it was neither yes nor no, so a person looks.
 */
export interface Written {
  kind: 'written'
  answer: 'confirm' | 'cancel' | 'unclear'
  channel: WrittenChannel
  words: string
}

/** What the customer answered on the call; `words` are theirs as transcribed. */
export type Answered = (
  | { kind: 'confirmed'; words?: string }
  | { kind: 'cancelled'; reason?: string; words?: string }
  | { kind: 'changes'; details?: string; words?: string }
  | { kind: 'wrong_number'; words?: string }
  /** `at`: when they will be called; `timeGiven`: false when they said no time we understood. */
  | { kind: 'callback'; at: number; timeGiven: boolean; words?: string }
  | { kind: 'key'; digit: '1' | '2' }
  /** They spoke, and the agent failed before it recorded an answer. */
  | { kind: 'agent_failed'; words?: string }
) & {
  /** The answer this one replaced, on the same call: the merchant sees the change of mind. */
  before?: Answered
}

/**
 * The answer, with `earlier` as what came before it (after any change of mind it already carries).
 *
 * @example
 * withEarlier({ kind: 'cancelled', words: 'Jo, anuloje' }, { kind: 'confirmed', words: 'Po' })
 * // → { kind: 'cancelled', words: 'Jo, anuloje', before: { kind: 'confirmed', words: 'Po' } }
 */
export function withEarlier(answer: Answered, earlier: Answered): Answered {
  return { ...answer, before: answer.before ? withEarlier(answer.before, earlier) : earlier }
}

/** How each call of an order's ladder went, for one that ran out without an answer. */
export type CallKind = 'voicemail' | 'busy' | 'failed' | 'unanswered'

/** What callconfirm found when no answer was given. */
export type Found =
  | { kind: 'no_phone' }
  | { kind: 'invalid_number'; maskedPhone: string; countries: string[] }
  | { kind: 'twilio_refused_number'; code?: number }
  | { kind: 'twilio_forbidden'; code?: number }
  | { kind: 'twilio_refused'; times: number; code?: number }
  | { kind: 'call_ended_unanswered' }
  | { kind: 'never_answered' }
  /** Kinds in the order they first happened, each with how many calls went that way. */
  | { kind: 'calls'; calls: Array<[CallKind, number]> }

/** The evidence as the orders table keeps it (text): a sentence as it is, facts as JSON. */
export function storedEvidence(evidence: Evidence): string
export function storedEvidence(evidence: Evidence | null): string | null
export function storedEvidence(evidence: Evidence | null): string | null {
  return evidence === null || typeof evidence === 'string' ? evidence : JSON.stringify(evidence)
}

/** The evidence from its stored text; text that is not our JSON is a sentence (written before evidence was structured). */
export function readEvidence(stored: string | null): Evidence | null {
  if (stored === null || !stored.startsWith('{')) return stored
  try {
    const facts = JSON.parse(stored)
    return typeof facts?.kind === 'string' ? (facts as Evidence) : stored
  } catch {
    return stored
  }
}

/** The texts describeEvidence and the note line use; src/i18n's catalogs hold each, in each language. */
export type NoteKey =
  | 'said'
  | 'saidNothing'
  | 'confirmed'
  | 'cancelled'
  | 'cancelledWithReason'
  | 'changes'
  | 'changesNotSaid'
  | 'wrongNumber'
  | 'callbackAt'
  | 'callbackLater'
  | 'keyConfirm'
  | 'keyCancel'
  | 'agentFailed'
  | 'before'
  | 'noPhone'
  | 'invalidNumber'
  | 'twilioRefusedNumber'
  | 'twilioForbidden'
  | 'twilioRefused'
  | 'noErrorCode'
  | 'callEndedUnanswered'
  | 'neverAnswered'
  | 'calls'
  | 'callsVoicemail'
  | 'callsBusy'
  | 'callsFailed'
  | 'callsUnanswered'
  | 'callLength'
  | 'seconds'
  | 'minutesSeconds'
  | 'pending'
  | 'notCalled'
  | 'notCalledCancelledInStore'
  | 'notCalledFulfilledInStore'
  | 'notCalledAlreadyAnswered'
  | 'notCalledStoreDisabled'
  | 'notCalledDoNotContact'
  | 'notCalledOther'
  | 'markedConfirmed'
  | 'markedConfirmedWas'
  | 'markedCancelled'
  | 'markedCancelledWas'
  | 'byMerchant'
  | 'byOperator'
  | 'noteFrom'
  | 'holdReason'
  | 'cancelledStaffNote'
  | 'writtenConfirmed'
  | 'writtenCancelled'
  | 'writtenUnclear'
  | 'channelWhatsapp'
  | 'channelSms'
  | 'channelLink'

/**
 * The store's language as a note needs it: src/i18n `noteWords(language)` makes one. `count`
 * among the values picks the plural form.
 */
export interface NoteWords {
  note(key: NoteKey, values?: Record<string, string | number>): string
  outcome(outcome: Outcome): string
  dateTime(at: number, timeZone: string): string
}

/** The customer's words quoted; after their own full stop (or ? or !) no second one is added. */
function quoteToEnd(words: string | undefined, w: NoteWords): string {
  const spoken = words?.trim()
  if (!spoken) return `${w.note('saidNothing')}.`
  const quoted = w.note('said', { words: spoken })
  return /[.!?…]$/u.test(spoken) ? quoted : `${quoted}.`
}

const ACTOR_KEYS: Record<Actor, NoteKey> = { merchant: 'byMerchant', operator: 'byOperator' }

/**
 * A note a person adds to an order, as the store's order shows it, in the words given.
 *
 * @example
 * personsNote('Do ta marrë në dyqan', 'merchant', noteWords('sq')) // → 'Shënim nga tregtari: Do ta marrë në dyqan'
 */
export function personsNote(text: string, by: Actor, w: NoteWords): string {
  return w.note('noteFrom', { by: w.note(ACTOR_KEYS[by]), text })
}

/** The sentence for a marked outcome, without and with the outcome it had before. */
const MARKED_KEYS: Record<Marked['outcome'], [NoteKey, NoteKey]> = {
  confirmed: ['markedConfirmed', 'markedConfirmedWas'],
  cancelled: ['markedCancelled', 'markedCancelledWas'],
}

const WRITTEN_KEYS: Record<Written['answer'], NoteKey> = { confirm: 'writtenConfirmed', cancel: 'writtenCancelled', unclear: 'writtenUnclear' }
const CHANNEL_KEYS: Record<WrittenChannel, NoteKey> = { whatsapp: 'channelWhatsapp', sms: 'channelSms', link: 'channelLink' }

const CALL_KEYS: Record<CallKind, NoteKey> = {
  voicemail: 'callsVoicemail',
  busy: 'callsBusy',
  failed: 'callsFailed',
  unanswered: 'callsUnanswered',
}

/**
 * The evidence as one or more sentences in the words given, times in the store's zone.
 *
 * @example
 * describeEvidence({ kind: 'cancelled', reason: 'too dear', words: 'Jo' }, noteWords('en'), 'Europe/Tirane')
 * // → 'Cancelled on the call: too dear. The customer said “Jo”.'
 */
export function describeEvidence(evidence: Evidence, w: NoteWords, timeZone: string): string {
  if (typeof evidence === 'string') return evidence
  const said = 'words' in evidence ? quoteToEnd(evidence.words, w) : ''
  const sentence = ((): string => {
    switch (evidence.kind) {
      case 'confirmed':
        return w.note('confirmed', { said })
      case 'cancelled':
        return evidence.reason ? w.note('cancelledWithReason', { reason: evidence.reason, said }) : w.note('cancelled', { said })
      case 'changes':
        return w.note('changes', { details: evidence.details || w.note('changesNotSaid'), said })
      case 'wrong_number':
        return w.note('wrongNumber', { said })
      case 'callback':
        return w.note(evidence.timeGiven ? 'callbackAt' : 'callbackLater', { at: w.dateTime(evidence.at, timeZone), said })
      case 'key':
        return w.note(evidence.digit === '1' ? 'keyConfirm' : 'keyCancel')
      case 'agent_failed':
        return w.note('agentFailed', { said })
      case 'no_phone':
        return w.note('noPhone')
      case 'invalid_number':
        return w.note('invalidNumber', { phone: evidence.maskedPhone, countries: evidence.countries.join(', ') })
      case 'twilio_refused_number':
        return w.note('twilioRefusedNumber', { code: evidence.code ?? w.note('noErrorCode') })
      case 'twilio_forbidden':
        return w.note('twilioForbidden', { code: evidence.code ?? w.note('noErrorCode') })
      case 'twilio_refused':
        return w.note('twilioRefused', { times: evidence.times, code: evidence.code ?? w.note('noErrorCode') })
      case 'call_ended_unanswered':
        return w.note('callEndedUnanswered')
      case 'never_answered':
        return w.note('neverAnswered')
      case 'calls': {
        const parts = evidence.calls.map(([kind, count]) => w.note(CALL_KEYS[kind], { count }))
        return w.note('calls', { count: evidence.calls.reduce((n, [, count]) => n + count, 0), parts: parts.join(', ') })
      }
      case 'marked': {
        const by = w.note(ACTOR_KEYS[evidence.by])
        const [alone, withWas] = MARKED_KEYS[evidence.outcome]
        return evidence.was ? w.note(withWas, { by, was: w.outcome(evidence.was) }) : w.note(alone, { by })
      }
      case 'written':
        return w.note(WRITTEN_KEYS[evidence.answer], { channel: w.note(CHANNEL_KEYS[evidence.channel]), said })
    }
  })()
  const before = 'before' in evidence ? evidence.before : undefined
  return before ? w.note('before', { answer: sentence, earlier: describeEvidence(before, w, timeZone) }) : sentence
}
