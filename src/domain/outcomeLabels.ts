import type { Outcome } from './order.js'

/**
 * Each outcome in English words, as the dashboard's badges and filters show it until the pages
 * read src/i18n's catalogs (`outcome.*`, which the note on the store's order already uses).
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
