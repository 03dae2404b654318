import type { NumberRefusal } from '../domain/dialPolicy.js'
import type { Outcome, SkipReason } from '../domain/order.js'

/**
 * Why an action on an order was refused, as facts: the page says it in its reader's language
 * (dashboard/orderActions.tsx refusalText, the pages' `refusal.*` texts of the same names).
 * `countries` are ISO codes, in the order the store gives them.
 */
export type ActionRefusal =
  | { kind: 'gone' }
  | { kind: 'erased' }
  | { kind: 'calling' }
  | { kind: 'queued' }
  | { kind: 'skipped'; skipReason: SkipReason | null }
  | { kind: 'closed'; outcome: Outcome | null }
  | { kind: 'noPhone' }
  | { kind: 'givePhone' }
  | { kind: 'notAPhone'; countries: readonly string[] }
  | NumberRefusal
  | { kind: 'storeOff' }
  | { kind: 'callCap'; calls: number; cap: number }
  | { kind: 'writeNote' }
  | { kind: 'noteTooLong'; max: number; length: number }
  | { kind: 'noteTwice' }
  | { kind: 'noteNowhere' }
  | { kind: 'nothingToWrite' }
