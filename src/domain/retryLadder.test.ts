import { describe, expect, it } from 'vitest'
import { maxCalls, nextRetryAt } from './retryLadder.js'

const hours = { start: '09:00', end: '20:00' }
const TIRANE = 'Europe/Tirane'
const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

describe('the retry ladder', () => {
  const ladder = { retryDelaysMinutes: [15, 120, 1080], callingHours: hours, timezone: TIRANE }

  it('gives an order four calls by default: the first and one per rung', () => {
    expect(maxCalls(ladder)).toBe(4)
  })

  it('climbs +15 min, +2 h, then 18 h later, the next day', () => {
    expect(iso(nextRetryAt(1, at('2026-11-21T16:00:00+01:00'), ladder))).toBe('2026-11-21T15:15:00.000Z')
    expect(iso(nextRetryAt(2, at('2026-11-21T16:15:00+01:00'), ladder))).toBe('2026-11-21T17:15:00.000Z')
    expect(iso(nextRetryAt(3, at('2026-11-21T18:15:00+01:00'), ladder))).toBe('2026-11-22T11:15:00.000Z')
    expect(nextRetryAt(4, at('2026-11-22T12:15:00+01:00'), ladder)).toBeUndefined()
  })

  it('moves the next-day rung of a morning call, which lands before opening, to the opening', () => {
    expect(iso(nextRetryAt(3, at('2026-11-21T11:30:00+01:00'), ladder))).toBe('2026-11-22T08:00:00.000Z')
  })

  it('moves a rung that lands after closing to the next opening', () => {
    expect(iso(nextRetryAt(2, at('2026-11-21T19:00:00+01:00'), ladder))).toBe('2026-11-22T08:00:00.000Z')
  })
})
