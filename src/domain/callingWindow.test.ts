import { describe, expect, it } from 'vitest'
import { callbackTime, earliestCallTime, isWithinCallingHours, startOfLocalDay } from './callingWindow.js'

const hours = { start: '09:00', end: '20:00' }
const TIRANE = 'Europe/Tirane'
const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

describe('the calling window', () => {
  it("lets a call through inside the store's hours, in the store's time zone", () => {
    expect(isWithinCallingHours(at('2026-11-21T10:00:00+01:00'), hours, TIRANE)).toBe(true)
    expect(earliestCallTime(at('2026-11-21T10:00:00+01:00'), hours, TIRANE)).toBe(at('2026-11-21T10:00:00+01:00'))
  })

  it("holds an early call until the opening and a late one until tomorrow's", () => {
    expect(iso(earliestCallTime(at('2026-11-21T07:30:00+01:00'), hours, TIRANE))).toBe('2026-11-21T08:00:00.000Z')
    expect(iso(earliestCallTime(at('2026-11-21T20:00:00+01:00'), hours, TIRANE))).toBe('2026-11-22T08:00:00.000Z')
    expect(iso(earliestCallTime(at('2026-11-21T23:59:00+01:00'), hours, TIRANE))).toBe('2026-11-22T08:00:00.000Z')
  })

  it("reads the hours in the store's zone, whatever the server's", () => {
    // 08:30 UTC is 09:30 in Tirana (open) but 03:30 in New York (closed).
    expect(isWithinCallingHours(at('2026-11-21T08:30:00Z'), hours, TIRANE)).toBe(true)
    expect(isWithinCallingHours(at('2026-11-21T08:30:00Z'), hours, 'America/New_York')).toBe(false)
  })

  it('keeps the local opening time across a daylight-saving change', () => {
    // Albania moves to summer time on 29 March 2026: the opening is 09:00 local both days.
    expect(iso(earliestCallTime(at('2026-03-28T21:00:00+01:00'), hours, TIRANE))).toBe('2026-03-29T07:00:00.000Z')
    expect(iso(startOfLocalDay(at('2026-03-29T12:00:00+02:00'), TIRANE))).toBe('2026-03-28T23:00:00.000Z')
  })
})

describe('callback requests', () => {
  const now = at('2026-11-21T12:00:00+01:00')

  it('calls back at the time asked for, later today', () => {
    expect(iso(callbackTime('17:00', now, hours, TIRANE))).toBe('2026-11-21T16:00:00.000Z')
  })

  it("takes a time already past as tomorrow's, and one outside the hours to the next opening", () => {
    expect(iso(callbackTime('10:00', now, hours, TIRANE))).toBe('2026-11-22T09:00:00.000Z')
    expect(iso(callbackTime('22:00', now, hours, TIRANE))).toBe('2026-11-22T08:00:00.000Z')
  })

  it('accepts a full date-time, no sooner than five minutes and no later than a week', () => {
    expect(iso(callbackTime('2026-11-23T14:30:00+01:00', now, hours, TIRANE))).toBe('2026-11-23T13:30:00.000Z')
    expect(iso(callbackTime('2026-11-21T11:00:00+01:00', now, hours, TIRANE))).toBe('2026-11-21T11:05:00.000Z')
    expect(callbackTime('2027-06-01T10:00:00+01:00', now, hours, TIRANE)! <= now + 7 * 86_400_000 + 86_400_000).toBe(true)
  })

  it('gives up on a time it cannot read', () => {
    expect(callbackTime('after lunch', now, hours, TIRANE)).toBeUndefined()
    expect(callbackTime('25:00', now, hours, TIRANE)).toBeUndefined()
  })
})
