import type { CallStats } from '../dashboard/stats.js'
import type { Outcome } from '../domain/order.js'
import { OUTCOME_LABELS } from '../domain/outcomeLabels.js'
import type { StoreWrite } from '../stores/outbox.js'

/**
 * The alerts' words: plain text, in English, naming the shop, the order and what happened, with a
 * link to the order on the dashboard. Never the customer's phone, their words or the transcript:
 * an email is forwarded and kept where we cannot erase it; the order's page has the rest.
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

const footer = (shop: string) =>
  `\n\n-- \ncallconfirm\nThis address gets alerts for ${shop}; change or remove it under Alerts on the callconfirm settings page.`

// An international number in a store's error text ("+355 69 …") is the customer's: it stays out.
const PHONE = /\+\d(?:[\s-]?\d){7,14}/g
const withoutPhones = (text: string) => text.replace(PHONE, (m) => `${m.slice(0, 4)}…`)

/** An order's call ended needing a person: a change was asked for, or the answer was unclear. */
export function reviewLetter(shop: string, order: AlertOrder): Letter {
  return {
    subject: `${shop}: order ${order.name} needs review`,
    text:
      `Order ${order.name} at ${shop} needs a person to look at it.\n\n` +
      'The call ended without a clear yes or no, or the customer asked for a change. ' +
      'Read the call on the order’s page and decide what to do with the order.\n\n' +
      `Open the order: ${order.url}` +
      footer(shop),
  }
}

/** What the write was to do, in words. */
const WRITE_WORDS: Record<StoreWrite['kind'], (order: string, outcome: Outcome | null) => string> = {
  pending: (order) => `mark order ${order} as waiting for its call`,
  note: (order) => `add your note to order ${order}`,
  outcome: (order, outcome) => `write the call’s outcome${outcome ? ` (${OUTCOME_LABELS[outcome]})` : ''} on order ${order}`,
  withdrawn: (order) => `take the “waiting for its call” mark off order ${order}`,
}

/** The store would not take a write about an order, and the store writer gave up. */
export function writeFailedLetter(
  shop: string,
  order: AlertOrder,
  failed: { kind: StoreWrite['kind']; outcome: Outcome | null; error: string | null },
): Letter {
  return {
    subject: `${shop}: order ${order.name} could not be updated in your store`,
    text:
      `callconfirm could not ${WRITE_WORDS[failed.kind](order.name, failed.outcome)} in ${shop}’s store, and has stopped trying.\n\n` +
      (failed.error ? `What the store said: ${withoutPhones(failed.error)}\n\n` : '') +
      'Nothing is lost: callconfirm keeps the call and its outcome, and once the cause is put right the write can be sent again.\n\n' +
      `Open the order: ${order.url}` +
      footer(shop),
  }
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

/** `2026-12-01` → `Tuesday 1 December 2026` (a calendar date: no zone shifts it). */
const longDate = (day: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${day}T12:00:00Z`),
  )

/** The morning summary: yesterday's orders and calls, and what still waits for a person. */
export function digestLetter(shop: string, facts: DigestFacts): Letter {
  const { stats } = facts
  const lines = [
    `${shop} on ${longDate(facts.day)}`,
    '',
    `Orders to call: ${stats.orders}`,
    `Calls placed: ${stats.calls} (${stats.answered} answered)`,
    `${OUTCOME_LABELS.confirmed}: ${stats.outcomes.confirmed}`,
    `${OUTCOME_LABELS.cancelled}: ${stats.outcomes.cancelled}`,
    `${OUTCOME_LABELS.no_answer}: ${stats.outcomes.no_answer}`,
    `${OUTCOME_LABELS.needs_review}: ${stats.outcomes.needs_review}`,
    `Still being called: ${stats.inProgress}`,
    '',
  ]
  if (facts.reviewCount === 0) lines.push('No order is waiting for review.')
  else {
    lines.push(`Orders still needing review (${facts.reviewCount}):`)
    for (const order of facts.reviews) lines.push(`  ${order.name}  ${order.url}`)
    if (facts.reviewCount > facts.reviews.length) lines.push(`  … and ${facts.reviewCount - facts.reviews.length} more: ${facts.reviewsUrl}`)
  }
  lines.push('', `Your dashboard: ${facts.dashboardUrl}`)
  return {
    subject: `${shop}, ${longDate(facts.day)}: ${stats.outcomes.confirmed} confirmed, ${stats.outcomes.cancelled} cancelled, ${facts.reviewCount} to review`,
    text: lines.join('\n') + footer(shop),
  }
}
