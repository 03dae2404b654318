import type { CallStats } from '../dashboard/stats.js'
import type { Outcome } from '../domain/order.js'
import type { Translator } from '../i18n/index.js'
import type { StoreWrite } from '../stores/outbox.js'

/**
 * The alerts' words: plain text, in the store's language (`tr`, src/i18n's `alert.*` texts),
 * naming the shop, the order and what happened, with a link to the order on the dashboard. Never
 * the customer's phone, their words or the transcript: an email is forwarded and kept where we
 * cannot erase it; the order's page has the rest.
 */
export interface AlertOrder {
  /** The store's order name, `#1234`. */
  name: string
  /** The order's page on the dashboard. */
  url: string
}

export interface Letter {
  subject: string
  text: string
}

const footer = (tr: Translator, shop: string) => `\n\n-- \ncallconfirm\n${tr.t('alert.footer', { shop })}`

// An international number in a store's error text ("+355 69 …") is the customer's: it stays out.
const PHONE = /\+\d(?:[\s-]?\d){7,14}/g
const withoutPhones = (text: string) => text.replace(PHONE, (m) => `${m.slice(0, 4)}…`)

/**
 * An order's call ended needing a person: a change was asked for, or the answer was unclear.
 *
 * @example
 * reviewLetter(translator('sq'), 'Dyqani Lule', { name: '#1001', url }).subject
 * // → 'Dyqani Lule: porosia #1001 ka nevojë për shqyrtim'
 */
export function reviewLetter(tr: Translator, shop: string, order: AlertOrder): Letter {
  const about = { shop, order: order.name }
  return {
    subject: tr.t('alert.reviewSubject', about),
    text: [tr.t('alert.reviewText', about), tr.t('alert.reviewWhy'), tr.t('alert.openOrder', { url: order.url })].join('\n\n') + footer(tr, shop),
  }
}

/** What the write was to do, in words. */
function whatWasWritten(tr: Translator, kind: StoreWrite['kind'], order: string, outcome: Outcome | null): string {
  if (kind === 'pending') return tr.t('alert.writePending', { order })
  if (kind === 'note') return tr.t('alert.writeNote', { order })
  if (kind === 'withdrawn') return tr.t('alert.writeWithdrawn', { order })
  return outcome ? tr.t('alert.writeOutcome', { order, outcome: tr.t(`outcome.${outcome}`) }) : tr.t('alert.writeOutcomeUnknown', { order })
}

/**
 * The store would not take a write about an order, and the store writer gave up. The store's
 * error is quoted as it was recorded (callconfirm's words about it are English).
 */
export function writeFailedLetter(
  tr: Translator,
  shop: string,
  order: AlertOrder,
  failed: { kind: StoreWrite['kind']; outcome: Outcome | null; error: string | null },
): Letter {
  const paragraphs = [
    tr.t('alert.writeFailedText', { shop, what: whatWasWritten(tr, failed.kind, order.name, failed.outcome) }),
    ...(failed.error ? [tr.t('alert.storeSaid', { error: withoutPhones(failed.error) })] : []),
    tr.t('alert.nothingLost'),
    tr.t('alert.openOrder', { url: order.url }),
  ]
  return { subject: tr.t('alert.writeFailedSubject', { shop, order: order.name }), text: paragraphs.join('\n\n') + footer(tr, shop) }
}

export interface DigestFacts {
  /** The day reported on, `2026-12-01`. */
  day: string
  stats: CallStats
  /** The orders still needing review (the newest, up to a limit), and how many there are in all. */
  reviews: AlertOrder[]
  reviewCount: number
  /** The dashboard's list of them. */
  reviewsUrl: string
  dashboardUrl: string
}

/**
 * `2026-12-01` → `Tuesday, 1 December 2026`, `e martë, 1 dhjetor 2026` (a calendar date: no zone
 * shifts it). English letters keep the day before the month, as they always have.
 */
const longDate = (tr: Translator, day: string) =>
  new Intl.DateTimeFormat(tr.language === 'en' ? 'en-GB' : tr.locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${day}T12:00:00Z`))

/** The morning summary: yesterday's orders and calls, and what still waits for a person. */
export function digestLetter(tr: Translator, shop: string, facts: DigestFacts): Letter {
  const { stats } = facts
  const day = longDate(tr, facts.day)
  const counted = (outcome: Outcome) => `${tr.t(`outcome.${outcome}`)}: ${stats.outcomes[outcome]}`
  const lines = [
    tr.t('alert.digestHeading', { shop, day }),
    '',
    tr.t('alert.digestOrders', { orders: stats.orders }),
    tr.t('alert.digestCalls', { calls: stats.calls, answered: stats.answered }),
    ...(['confirmed', 'cancelled', 'no_answer', 'needs_review'] as const).map(counted),
    tr.t('alert.digestInProgress', { calling: stats.inProgress }),
    '',
  ]
  if (facts.reviewCount === 0) lines.push(tr.t('alert.digestNoReview'))
  else {
    lines.push(tr.t('alert.digestReviews', { reviews: facts.reviewCount }))
    for (const order of facts.reviews) lines.push(`  ${order.name}  ${order.url}`)
    const more = facts.reviewCount - facts.reviews.length
    if (more > 0) lines.push(`  ${tr.t('alert.digestMoreReviews', { count: more, url: facts.reviewsUrl })}`)
  }
  lines.push('', tr.t('alert.digestDashboard', { url: facts.dashboardUrl }))
  const subject = tr.t('alert.digestSubject', {
    shop,
    day,
    confirmed: tr.t('alert.digestConfirmed', { count: stats.outcomes.confirmed }),
    cancelled: tr.t('alert.digestCancelled', { count: stats.outcomes.cancelled }),
    review: tr.t('alert.digestToReview', { count: facts.reviewCount }),
  })
  return { subject, text: lines.join('\n') + footer(tr, shop) }
}
