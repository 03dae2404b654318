import { and, eq, gte, lt, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../db/index.js'
import { callAttempts, messages, orders } from '../db/schema.js'
import { OUTCOMES, type Outcome } from '../domain/order.js'
import { dayOrInstant, parseQuery } from '../orders/views.js'
import { ApiError } from '../utils/errors.js'

const DAY = 24 * 3600_000

export const statsQuery = z
  .object({
    storeId: z.string().optional(),
    from: dayOrInstant('start').optional(),
    to: dayOrInstant('end').optional(),
  })
  .strict()

export interface Period {
  from: number
  to: number
}

/** The period a query asks for: `from`/`to` as given, else the last seven days up to now. */
export function statsPeriod(query: Record<string, string>, now: number): Period & { storeId?: string } {
  const asked = parseQuery(statsQuery, query)
  const to = asked.to ?? now
  const from = asked.from ?? to - 7 * DAY
  if (from >= to) throw new ApiError(400, 'invalid_query', 'from must be before to', 'from')
  if (to - from > 400 * DAY) throw new ApiError(400, 'invalid_query', 'the period can be at most 400 days', 'from')
  return { from, to, storeId: asked.storeId }
}

export interface CallStats {
  from: string
  to: string
  /** Orders received in the period that were to be called (skipped ones are not). */
  orders: number
  /** Of those, how many have a final outcome, and how many are still waiting or on the line. */
  decided: number
  inProgress: number
  outcomes: Record<Outcome, number>
  /** Confirmed ÷ decided; null before anything is decided. */
  confirmationRate: number | null
  /** Calls placed (Twilio accepted them), and how many a person answered. */
  calls: number
  answered: number
  answerRate: number | null
  /** From receiving an order to dialling its first call, in seconds. */
  firstCallSeconds: { median: number; p90: number } | null
  costUsd: number
  costPerConfirmedUsd: number | null
  /** Confirmed orders by how the customer said yes, each with its share of decided orders (null before anything is decided). */
  confirmedBy: Array<{ channel: ConfirmationChannel; orders: number; share: number | null }>
  /** One entry per UTC day of the period: orders by where they stand. */
  days: Array<{ day: string; confirmed: number; cancelled: number; otherOutcome: number; inProgress: number }>
}

/**
 * How a confirmed order was confirmed: on a call we placed, on a call the customer made to us
 * (`call_back`), in writing (WhatsApp, an SMS reply, the answer page), or by a person on the dashboard.
 */
export const CONFIRMATION_CHANNELS = ['call', 'call_back', 'whatsapp', 'sms', 'link', 'marked'] as const
export type ConfirmationChannel = (typeof CONFIRMATION_CHANNELS)[number]

/**
 * The channel of a confirmed order, in SQL: a written answer's evidence names its channel
 * (domain/evidence.ts Written), a merchant's mark is `marked`, and a spoken answer was given on
 * the order's last call, ours or the customer's. Evidence that is an English sentence was spoken.
 */
const confirmationChannel = sql<string>`case
  when json_valid(${orders.evidence}) and json_extract(${orders.evidence}, '$.kind') = 'written' then json_extract(${orders.evidence}, '$.channel')
  when json_valid(${orders.evidence}) and json_extract(${orders.evidence}, '$.kind') = 'marked' then 'marked'
  when (select a.direction from call_attempts a where a.order_id = orders.id order by a.number desc limit 1) = 'inbound' then 'call_back'
  else 'call' end`

const ratio = (a: number, b: number) => (b ? a / b : null)

/** The value at `q` (0–1) of sorted numbers, nearest rank. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/**
 * The numbers a merchant asks for, over orders received in a period: confirmation rate, answer
 * rate, time to first call, calls by outcome, confirmations by channel, cost per confirmed order,
 * and a day-by-day count. A handful of queries; the time to first call is computed from one row per order called.
 */
export async function callStats(db: Db, period: Period & { storeId?: string }): Promise<CallStats> {
  const where: SQL[] = [gte(orders.createdAt, period.from), lt(orders.createdAt, period.to), sql`${orders.status} <> 'skipped'`]
  if (period.storeId) where.push(eq(orders.storeId, period.storeId))
  const inPeriod = and(...where)

  // The day as an integer literal: a bound JS number is a REAL to SQLite, and would not divide whole.
  const day = sql<number>`${orders.createdAt} / ${sql.raw(String(DAY))}`
  const byOutcome = await db
    .select({ status: orders.status, outcome: orders.outcome, day, n: sql<number>`count(*)` })
    .from(orders)
    .where(inPeriod)
    .groupBy(orders.status, orders.outcome, day)
    .all()

  const [calls] = await db
    .select({
      placed: sql<number>`count(*) filter (where ${callAttempts.status} not in ('dialing', 'not-placed'))`,
      answered: sql<number>`count(*) filter (where ${callAttempts.answeredAt} is not null and coalesce(${callAttempts.answeredBy}, 'human') not like 'machine%' and coalesce(${callAttempts.answeredBy}, '') <> 'fax')`,
      cost: sql<number>`coalesce(sum(${callAttempts.costUsd}), 0)`,
    })
    .from(callAttempts)
    .innerJoin(orders, eq(orders.id, callAttempts.orderId))
    .where(inPeriod)
    .all()

  // What the messages to customers the calls did not reach cost (src/messages/), for the same orders.
  const [texts] = await db
    .select({ cost: sql<number>`coalesce(sum(${messages.costUsd}), 0)` })
    .from(messages)
    .innerJoin(orders, eq(orders.id, messages.orderId))
    .where(inPeriod)
    .all()

  // Driven from the period's orders (a subquery each, on the attempts' order index), not by
  // grouping a join, which SQLite plans as a scan of every attempt ever made.
  const firstCalls = await db
    // Qualified by hand: inside the subquery drizzle's bare "id" would name the attempt's own column.
    .select({
      waited: sql<
        number | null
      >`(select min(coalesce(a.started_at, a.created_at)) from call_attempts a where a.order_id = orders.id) - orders.created_at`,
    })
    .from(orders)
    .where(inPeriod)
    .all()

  const confirmedVia = await db
    .select({ channel: confirmationChannel, n: sql<number>`count(*)` })
    .from(orders)
    .where(and(inPeriod, eq(orders.status, 'done'), eq(orders.outcome, 'confirmed')))
    .groupBy(confirmationChannel)
    .all()

  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>
  const days = new Map<number, CallStats['days'][number]>()
  for (let d = Math.floor(period.from / DAY); d * DAY < period.to; d++)
    days.set(d, { day: new Date(d * DAY).toISOString().slice(0, 10), confirmed: 0, cancelled: 0, otherOutcome: 0, inProgress: 0 })
  let total = 0
  let decided = 0
  for (const row of byOutcome) {
    total += row.n
    const day = days.get(row.day)!
    if (row.status === 'done' && row.outcome) {
      decided += row.n
      outcomes[row.outcome] += row.n
      if (row.outcome === 'confirmed') day.confirmed += row.n
      else if (row.outcome === 'cancelled') day.cancelled += row.n
      else day.otherOutcome += row.n
    } else day.inProgress += row.n
  }
  const waits = firstCalls.flatMap((r) => (r.waited === null ? [] : [Math.max(0, r.waited) / 1000])).sort((a, b) => a - b)
  const placed = calls?.placed ?? 0
  const answered = calls?.answered ?? 0
  const cost = (calls?.cost ?? 0) + (texts?.cost ?? 0)
  return {
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    orders: total,
    decided,
    inProgress: total - decided,
    outcomes,
    confirmationRate: ratio(outcomes.confirmed, decided),
    calls: placed,
    answered,
    answerRate: ratio(answered, placed),
    firstCallSeconds: waits.length ? { median: quantile(waits, 0.5), p90: quantile(waits, 0.9) } : null,
    costUsd: Math.round(cost * 10_000) / 10_000,
    costPerConfirmedUsd: outcomes.confirmed ? Math.round((cost / outcomes.confirmed) * 10_000) / 10_000 : null,
    confirmedBy: CONFIRMATION_CHANNELS.map((channel) => {
      const confirmed = confirmedVia.find((row) => row.channel === channel)?.n ?? 0
      return { channel, orders: confirmed, share: ratio(confirmed, decided) }
    }),
    days: [...days.values()],
  }
}
