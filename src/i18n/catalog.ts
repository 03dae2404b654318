import type { NoteKey } from '../domain/evidence.js'
import type { Outcome } from '../domain/order.js'

/** Note texts with a count: the catalogs give `_one` and `_other` forms (Intl.PluralRules picks). */
type CountedNoteKey = 'calls' | 'callsVoicemail' | 'callsBusy' | 'callsFailed' | 'callsUnanswered'
type NoteTexts = Record<Exclude<NoteKey, CountedNoteKey>, string> & Record<`${CountedNoteKey}_${'one' | 'other'}`, string>

/** The alert emails' texts (alerts/alertMail.ts); those with a count give `_one` and `_other`. */
type CountedAlertKey = 'digestConfirmed' | 'digestCancelled' | 'digestToReview' | 'digestMoreReviews'
type AlertKey =
  | 'footer'
  | 'openOrder'
  | 'reviewSubject'
  | 'reviewText'
  | 'reviewWhy'
  | 'writeFailedSubject'
  | 'writeFailedText'
  | 'writePending'
  | 'writeNote'
  | 'writeOutcome'
  | 'writeOutcomeUnknown'
  | 'writeWithdrawn'
  | 'storeSaid'
  | 'nothingLost'
  | 'digestSubject'
  | 'digestHeading'
  | 'digestOrders'
  | 'digestCalls'
  | 'digestInProgress'
  | 'digestNoReview'
  | 'digestReviews'
  | 'digestDashboard'
type AlertTexts = Record<AlertKey, string> & Record<`${CountedAlertKey}_${'one' | 'other'}`, string>

/**
 * One language's texts. Keys say what the text says. `note` is what callconfirm writes on the
 * store's order (their `{{said}}` is the customer's quoted words), with the reason of a Shopify
 * hold and the staff note of a cancellation; `alert` the emails to the store's merchant; `speech`
 * prepares the order for the agent to read aloud; `outcome` names each outcome. A note line is
 * matched by its exact text when a write is retried, so changing an `outcome` or `note` text
 * makes a retry after the change write a second line.
 */
export interface Catalog {
  outcome: Record<Outcome, string>
  note: NoteTexts
  /** The emails to a store's merchant (plain text), in the store's language. */
  alert: AlertTexts
  speech: {
    /** Small quantities as words: index 1 to 10 (index 0 unused). Albanian counts "copë" (pieces), a feminine noun: "tri". */
    numbers: string[]
    item: string
    moreItems_one: string
    moreItems_other: string
    /** A shoe or number size ("42"); a letter size ("XL"). */
    numberSize: string
    letterSize: string
    amount: string
    amountWithCents: string
    /** Currency words, by ISO code, with `_one`/`_other` where the word changes; other currencies use Intl's name. */
    currency: Record<string, string>
    /** What the agent tells a customer who rang back: why we called ({{order}}, {{shop}}). */
    calledAbout: string
  }
  /**
   * Messages to a customer the calls did not reach (src/messages/): `ask` is what our record of the
   * WhatsApp template says was sent; `sms` the SMS's default text (a store may set its own); the
   * rest answer their replies. The SMS is written without ë and ç on purpose: one of those makes
   * an SMS UCS-2, 70 characters a part instead of 160, and so two or three times the price.
   */
  message: Record<'ask' | 'sms' | 'choices' | 'thanksConfirmed' | 'thanksCancelled' | 'closed' | 'stopped', string>
  /** What a caller to our number hears before the line hangs up, when no agent takes the call (calls/incomingCalls.ts). */
  callBack: Record<'nothingToConfirm' | 'withheldNumber' | 'beingCalled' | 'linesBusy', string>
}
