import { beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../db/index.js'
import { openDatabase } from '../db/node.js'
import { callAttempts, orders, stores } from '../db/schema.js'
import { type Evidence, storedEvidence } from '../domain/evidence.js'
import type { Outcome } from '../domain/order.js'
import { callStats, statsPeriod } from './stats.js'

const DAY = 24 * 3600_000
const NOW = Date.parse('2026-11-21T12:00:00Z')
let db: Db
let next = 1

beforeEach(() => {
  db = openDatabase(':memory:').db
  for (const id of ['st_a', 'st_b'])
    db.insert(stores)
      .values({ id, platform: 'woocommerce', domain: `https://${id}.al`, country: 'AL', updatedAt: NOW })
      .run()
})

/**
 * An order received at `at`, where it stands now, and its calls: [answeredBy | null (not answered), cost,
 * and `inbound` for one the customer made to us]; `evidence` as the orders table stores it.
 */
function order(
  store: string,
  at: number,
  status: 'queued' | 'done' | 'skipped',
  outcome: Outcome | null,
  calls: Array<[string | null, number, ('outbound' | 'inbound')?]> = [],
  firstCallAfterMs = 5_000,
  evidence: Evidence | null = null,
) {
  const id = next++
  db.insert(orders)
    .values({
      id,
      storeId: store,
      platformOrderId: String(id),
      name: `#${id}`,
      language: 'sq',
      items: [],
      total: '10.00',
      currency: 'ALL',
      paymentMethod: 'cod',
      status,
      outcome,
      evidence: storedEvidence(evidence),
      createdAt: at,
      updatedAt: at,
    })
    .run()
  calls.forEach(([answeredBy, cost, direction = 'outbound'], i) => {
    const startedAt = at + firstCallAfterMs + i * 60_000
    db.insert(callAttempts)
      .values({
        id: `att_${id}_${i}`,
        orderId: id,
        number: i + 1,
        status: 'completed',
        answeredBy,
        startedAt,
        answeredAt: answeredBy ? startedAt + 5_000 : null,
        costUsd: cost,
        direction,
        createdAt: startedAt,
      })
      .run()
  })
}

describe('the dashboard numbers', () => {
  it('counts confirmation and answer rates, time to first call and cost per confirmed order over the period', async () => {
    order('st_a', NOW - DAY, 'done', 'confirmed', [['human', 0.05]], 4_000)
    order('st_a', NOW - DAY, 'done', 'cancelled', [['human', 0.04]], 6_000)
    order(
      'st_a',
      NOW - 2 * DAY,
      'done',
      'no_answer',
      [
        [null, 0.01],
        [null, 0.01],
      ],
      10_000,
    )
    order('st_a', NOW - 2 * DAY, 'done', 'voicemail', [['machine_start', 0.02]], 8_000)
    order('st_a', NOW - 3600_000, 'queued', null)
    // Not counted: skipped, another store, or before the period.
    order('st_a', NOW - DAY, 'skipped', null)
    order('st_b', NOW - DAY, 'done', 'confirmed', [['human', 0.05]])
    order('st_a', NOW - 30 * DAY, 'done', 'confirmed', [['human', 0.05]])

    const stats = await callStats(db, { ...statsPeriod({ storeId: 'st_a' }, NOW) })
    expect(stats).toMatchObject({ orders: 5, decided: 4, inProgress: 1, calls: 5, answered: 2 })
    expect(stats.outcomes).toMatchObject({ confirmed: 1, cancelled: 1, no_answer: 1, voicemail: 1, needs_review: 0 })
    expect(stats.confirmationRate).toBe(0.25)
    expect(stats.answerRate).toBe(0.4)
    // First calls after 4, 6, 8 and 10 s: the median is the lower middle (nearest rank), p90 the slowest.
    expect(stats.firstCallSeconds).toEqual({ median: 6, p90: 10 })
    expect(stats.costUsd).toBeCloseTo(0.13, 6)
    expect(stats.costPerConfirmedUsd).toBeCloseTo(0.13, 6)
    // Seven whole UTC days plus today's part, each with its orders where they stand.
    expect(stats.days).toHaveLength(8)
    expect(stats.days.find((d) => d.day === '2026-11-20')).toEqual({ day: '2026-11-20', confirmed: 1, cancelled: 1, otherOutcome: 0, inProgress: 0 })
    expect(stats.days.find((d) => d.day === '2026-11-19')).toMatchObject({ otherOutcome: 2 })
    expect(stats.days.at(-1)).toMatchObject({ day: '2026-11-21', inProgress: 1 })
  })

  it('counts confirmed orders by how the customer said yes: our call, their call back, WhatsApp, an SMS reply, the answer page, a person', async () => {
    const written = (channel: 'whatsapp' | 'sms' | 'link', words: string): Evidence => ({ kind: 'written', answer: 'confirm', channel, words })
    order('st_a', NOW - DAY, 'done', 'confirmed', [['human', 0.05]], 5_000, { kind: 'confirmed', words: 'Po' })
    order('st_a', NOW - DAY, 'done', 'confirmed', [['human', 0.05]], 5_000, { kind: 'key', digit: '1' })
    // Missed our call, rang back and confirmed on their own call.
    order(
      'st_a',
      NOW - DAY,
      'done',
      'confirmed',
      [
        [null, 0.01],
        ['human', 0.04, 'inbound'],
      ],
      5_000,
      { kind: 'confirmed', words: 'Po, po' },
    )
    // Missed the call, then answered in writing: the channel is the one they wrote on, not the call.
    order('st_a', NOW - DAY, 'done', 'confirmed', [[null, 0.01]], 5_000, written('whatsapp', 'Konfirmo'))
    order('st_a', NOW - DAY, 'done', 'confirmed', [[null, 0.01]], 5_000, written('whatsapp', 'Konfirmo'))
    order('st_a', NOW - DAY, 'done', 'confirmed', [[null, 0.01]], 5_000, written('sms', '1'))
    order('st_a', NOW - DAY, 'done', 'confirmed', [[null, 0.01]], 5_000, written('link', 'Konfirmo'))
    order('st_a', NOW - DAY, 'done', 'confirmed', [[null, 0.01]], 5_000, { kind: 'marked', outcome: 'confirmed', by: 'merchant' })
    // Decided but not confirmed (a written "2"), and still open: in the shares' denominator, or not at all.
    order('st_a', NOW - DAY, 'done', 'cancelled', [[null, 0.01]], 5_000, { kind: 'written', answer: 'cancel', channel: 'sms', words: '2' })
    order('st_a', NOW - DAY, 'done', 'no_answer', [[null, 0.01]])
    order('st_a', NOW - 3600_000, 'queued', null)

    const stats = await callStats(db, statsPeriod({ storeId: 'st_a' }, NOW))
    expect(stats.decided).toBe(10)
    expect(stats.confirmedBy).toEqual([
      { channel: 'call', orders: 2, share: 0.2 },
      { channel: 'call_back', orders: 1, share: 0.1 },
      { channel: 'whatsapp', orders: 2, share: 0.2 },
      { channel: 'sms', orders: 1, share: 0.1 },
      { channel: 'link', orders: 1, share: 0.1 },
      { channel: 'marked', orders: 1, share: 0.1 },
    ])
  })

  it('has no rates before anything is decided, rather than 0% or a division by zero', async () => {
    order('st_a', NOW - 60_000, 'queued', null)
    const stats = await callStats(db, statsPeriod({}, NOW))
    expect(stats).toMatchObject({ orders: 1, confirmationRate: null, answerRate: null, firstCallSeconds: null, costPerConfirmedUsd: null })
    expect(stats.confirmedBy.every((c) => c.orders === 0 && c.share === null)).toBe(true)
  })

  it('takes a period by days, and refuses one that ends before it starts', () => {
    expect(statsPeriod({ from: '2026-11-01', to: '2026-11-01' }, NOW)).toEqual({
      from: Date.parse('2026-11-01T00:00:00Z'),
      to: Date.parse('2026-11-02T00:00:00Z'),
      storeId: undefined,
    })
    expect(() => statsPeriod({ from: '2026-11-05', to: '2026-11-01' }, NOW)).toThrow('from must be before to')
    expect(() => statsPeriod({ from: 'yesterday' }, NOW)).toThrow('must be a date')
  })
})
