import { describe, expect, it } from 'vitest'
import type { NoteWords } from './evidence.js'
import { defaultSettings } from './settings.js'
import { nextWriteAttempt, outcomeNoteLine, planWriteBack, WRITE_RETRY_DELAYS_MS, type WriteBackFacts } from './writeBack.js'

const settings = defaultSettings({ country: 'AL', companyName: 'Dyqani', voice: 'marin' })
// 2026-11-21 13:05 UTC is 14:05 in Tirana.
const decidedAt = Date.parse('2026-11-21T13:05:00Z')
/** Words that name their key and values: what the plan asks for shows, whatever the language (src/i18n's tests hold the real texts). */
const words: NoteWords = {
  note: (key, values) => (values ? `${key}${JSON.stringify(values)}` : key),
  outcome: (outcome) => `<${outcome}>`,
  dateTime: (at, timeZone) => `${new Date(at).toISOString()}@${timeZone}`,
}
const facts = (change: Partial<WriteBackFacts> = {}): WriteBackFacts => ({
  kind: 'outcome',
  outcome: 'confirmed',
  evidence: { kind: 'confirmed', words: 'Po, e konfirmoj' },
  skipReason: null,
  callSeconds: 72,
  decidedAt,
  ...change,
})

describe('what lands on the store order', () => {
  it('marks a new call job pending, and holds fulfillment only when the store asked for it', () => {
    expect(planWriteBack(facts({ kind: 'pending', outcome: null }), settings, words)).toMatchObject({
      addTags: ['call-pending'],
      removeTags: [],
      noteLine: null,
      marker: 'pending',
      fulfillmentHold: null,
    })
    const holding = { ...settings, actions: { ...settings.actions, holdUntilConfirmed: true } }
    expect(planWriteBack(facts({ kind: 'pending', outcome: null }), holding, words).fulfillmentHold).toBe('place')
  })

  it('swaps pending for the outcome tag and appends one dated line in the store’s time zone', () => {
    const plan = planWriteBack(facts(), settings, words)
    expect(plan).toMatchObject({
      addTags: ['call-confirmed'],
      removeTags: ['call-pending'],
      marker: 'confirmed',
      cancelOrder: false,
      wooStatus: null,
    })
    const said = 'confirmed{"said":"said{\\"words\\":\\"Po, e konfirmoj\\"}."}'
    expect(plan.noteLine).toBe(
      `[callconfirm] 2026-11-21 14:05 <confirmed> callLength{"duration":"minutesSeconds{\\"minutes\\":1,\\"seconds\\":12}"}: ${said}`,
    )
    expect(plan.summary).toBe(plan.noteLine!.slice('[callconfirm] '.length))
  })

  it('uses the store’s own tag names', () => {
    const renamed = { ...settings, tags: { ...settings.tags, pending: 'COD pending', noAnswer: 'COD no answer' } }
    expect(
      planWriteBack(facts({ outcome: 'no_answer', callSeconds: null, evidence: { kind: 'calls', calls: [['unanswered', 4]] } }), renamed, words),
    ).toMatchObject({
      addTags: ['COD no answer'],
      removeTags: ['COD pending'],
    })
  })

  it('applies the store’s optional actions: cancel on decline, WooCommerce status mapping, release the hold once confirmed', () => {
    const actions = { cancelOnDecline: true, holdUntilConfirmed: true, wooStatusOnConfirmed: 'processing', wooStatusOnCancelled: 'cancelled' }
    const store = { ...settings, actions }
    expect(planWriteBack(facts(), store, words)).toMatchObject({ wooStatus: 'processing', cancelOrder: false, fulfillmentHold: 'release' })
    expect(planWriteBack(facts({ outcome: 'cancelled' }), store, words)).toMatchObject({
      wooStatus: 'cancelled',
      cancelOrder: true,
      fulfillmentHold: null,
    })
    expect(planWriteBack(facts({ outcome: 'needs_review' }), store, words)).toMatchObject({
      wooStatus: null,
      cancelOrder: false,
      fulfillmentHold: null,
    })
  })

  it('keeps a note line on one line and short, whatever the customer said', () => {
    const line = outcomeNoteLine(
      'cancelled',
      { evidence: `Cancelled: ${'shumë '.repeat(200)}\nnew line`, callSeconds: 5, decidedAt },
      'Europe/Tirane',
      words,
    )
    expect(line).not.toContain('\n')
    expect(line.length).toBeLessThan(400)
    expect(line).toMatch(/…$/)
  })

  it('tells the store why an order was not called after all, removing the pending tag', () => {
    expect(planWriteBack(facts({ kind: 'withdrawn', outcome: null, skipReason: 'cancelled_in_store' }), settings, words)).toMatchObject({
      addTags: [],
      removeTags: ['call-pending'],
      noteLine: null,
      marker: 'not_called',
      summary: 'notCalled{"why":"notCalledCancelledInStore"}',
    })
  })
})

describe('retrying a write', () => {
  it('waits longer after each failure and gives up after the last wait', () => {
    const waits = WRITE_RETRY_DELAYS_MS.map((_, i) => nextWriteAttempt(i + 1, 0)!)
    expect(waits).toEqual([...waits].sort((a, b) => a - b))
    expect(waits[0]).toBeGreaterThan(0)
    expect(nextWriteAttempt(WRITE_RETRY_DELAYS_MS.length + 1, 0)).toBeUndefined()
  })
})
