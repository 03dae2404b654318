import type { Outcome } from './order.js'

/**
 * Each outcome in words, as people read it: the dashboard's badges and filters, and the note
 * line written on the store's order. The note line is matched by its exact text when a write is
 * retried, so changing a label here makes a retry after the change write a second line.
 *
 * @example
 * OUTCOME_LABELS.invalid_phone // → 'Invalid phone number'
 */
export const OUTCOME_LABELS: Record<Outcome, string> = {
  confirmed: 'Confirmed',
  cancelled: 'Cancelled',
  needs_review: 'Needs review',
  no_answer: 'No answer',
  voicemail: 'Voicemail',
  invalid_phone: 'Invalid phone number',
  failed: 'Call failed',
}
