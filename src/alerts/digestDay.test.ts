import { describe, expect, it } from 'vitest'
import { dueDigestDay, localDayBounds } from './digestDay.js'

describe('the morning digest', () => {
  it('is not due before 08:00 on the store’s clock', () => {
    // 07:59 in Tirana (UTC+1 in winter).
    expect(dueDigestDay(Date.parse('2026-12-02T06:59:00Z'), 'Europe/Tirane')).toBeUndefined()
  })

  it('reports on yesterday from 08:00 on, until midnight', () => {
    expect(dueDigestDay(Date.parse('2026-12-02T07:00:00Z'), 'Europe/Tirane')).toBe('2026-12-01')
    expect(dueDigestDay(Date.parse('2026-12-02T22:59:00Z'), 'Europe/Tirane')).toBe('2026-12-01')
    expect(dueDigestDay(Date.parse('2026-12-02T23:00:00Z'), 'Europe/Tirane')).toBeUndefined()
  })

  it('follows a zone with a quarter-hour offset', () => {
    // 08:00 in Kathmandu (UTC+05:45) is 02:15 UTC.
    expect(dueDigestDay(Date.parse('2026-12-02T02:14:59Z'), 'Asia/Kathmandu')).toBeUndefined()
    expect(dueDigestDay(Date.parse('2026-12-02T02:15:00Z'), 'Asia/Kathmandu')).toBe('2026-12-01')
  })

  it('counts a day midnight to midnight on the store’s clock, 25 hours when the clocks go back', () => {
    expect(localDayBounds('2026-12-01', 'Europe/Tirane')).toEqual({
      from: Date.parse('2026-12-01T00:00:00+01:00'),
      to: Date.parse('2026-12-02T00:00:00+01:00'),
    })
    // Europe/Tirane left summer time on 25 October 2026.
    const { from, to } = localDayBounds('2026-10-25', 'Europe/Tirane')
    expect(to - from).toBe(25 * 3600_000)
  })
})
