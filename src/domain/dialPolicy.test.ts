import { describe, expect, it } from 'vitest'
import { type DialCheck, decideDial } from './dialPolicy.js'

const hours = { start: '09:00', end: '20:00' }
const TIRANE = 'Europe/Tirane'
const at = (iso: string) => Date.parse(iso)

describe('before dialling', () => {
  const settings = { callingHours: hours, timezone: TIRANE, allowedCountries: ['AL', 'XK'], maxCallsPerNumberPerDay: 4 }
  const limits = { storeDailyCalls: 20, serviceDailyCalls: 5000, serviceDailySpendUsd: 250 }
  const noon = at('2026-11-21T12:00:00+01:00')
  const none = { callsToNumberToday: 0, storeCallsToday: 0, storeCallsPast24h: 0, serviceCallsToday: 0, serviceSpendTodayUsd: 0 }
  const check = (change: Partial<DialCheck> = {}): DialCheck => ({ now: noon, phone: '+38344123456', phoneCountry: 'XK', ...none, ...change })
  const decide = (change: Partial<DialCheck> = {}) => decideDial(check(change), settings, limits)

  it('dials an allowed number inside the hours', () => {
    expect(decide()).toEqual({ action: 'dial' })
  })

  it('never dials a number outside the allowed countries', () => {
    const d = decide({ phone: '+447400123456', phoneCountry: 'GB' })
    expect(d).toMatchObject({ action: 'refuse', outcome: 'failed' })
    expect(d.action === 'refuse' && d.evidence).toContain('GB')
    expect(decide({ phoneCountry: null }).action).toBe('refuse')
  })

  it.each([
    ['+355900123', 'AL'],
    ['+38390012345', 'XK'],
  ])('never dials the premium-rate number %s, stored before numbers were typed, and closes it as invalid_phone', (phone, phoneCountry) => {
    const d = decide({ phone, phoneCountry })
    expect(d).toMatchObject({ action: 'refuse', outcome: 'invalid_phone' })
    expect(d.action === 'refuse' && d.evidence).toContain('premium-rate')
    expect(d.action === 'refuse' && d.evidence).not.toContain(phone)
  })

  it('waits for the opening outside the hours', () => {
    expect(decide({ now: at('2026-11-21T06:00:00+01:00') })).toEqual({
      action: 'wait',
      until: at('2026-11-21T09:00:00+01:00'),
      reason: 'outside_calling_hours',
    })
  })

  it('waits for tomorrow once a number had its calls for the day', () => {
    expect(decide({ callsToNumberToday: 4 })).toEqual({ action: 'wait', until: at('2026-11-22T09:00:00+01:00'), reason: 'daily_limit_reached' })
  })

  it("holds a store that placed its day's calls until its opening tomorrow", () => {
    expect(decide({ storeCallsToday: 19, storeCallsPast24h: 19 })).toEqual({ action: 'dial' })
    expect(decide({ storeCallsToday: 20, storeCallsPast24h: 20 })).toEqual({
      action: 'wait',
      until: at('2026-11-22T09:00:00+01:00'),
      reason: 'store_daily_limit',
    })
  })

  it('holds a store whose time zone was moved to start a new day, once it placed twice its limit in 24 hours', () => {
    expect(decide({ storeCallsToday: 0, storeCallsPast24h: 39 })).toEqual({ action: 'dial' })
    expect(decide({ storeCallsToday: 0, storeCallsPast24h: 40 })).toMatchObject({ action: 'wait', reason: 'store_daily_limit' })
  })

  it("holds every store once the service placed its day's calls or spent its day's budget, until the UTC day turns and the store opens", () => {
    // Noon in Tirana: the UTC day turns at 01:00 local, before the 09:00 opening.
    expect(decide({ serviceCallsToday: 5000 })).toEqual({ action: 'wait', until: at('2026-11-22T09:00:00+01:00'), reason: 'service_daily_limit' })
    expect(decide({ serviceSpendTodayUsd: 250.01 })).toEqual({
      action: 'wait',
      until: at('2026-11-22T09:00:00+01:00'),
      reason: 'service_daily_spend',
    })
    expect(decide({ serviceSpendTodayUsd: 249.99 })).toEqual({ action: 'dial' })
    // 3 p.m. in New York is 20:00 UTC: the service's new day starts at 19:00 there, inside the hours.
    const newYork = decideDial(
      check({ now: at('2026-11-21T15:00:00-05:00'), serviceCallsToday: 5000 }),
      { ...settings, timezone: 'America/New_York' },
      limits,
    )
    expect(newYork).toEqual({ action: 'wait', until: at('2026-11-21T19:00:00-05:00'), reason: 'service_daily_limit' })
  })

  it('waits for the last of several limits to lift', () => {
    // In Sydney the UTC day turns at 11:00 local, after the store's 09:00 opening.
    const sydney = { ...settings, timezone: 'Australia/Sydney' }
    const d = decideDial(
      check({ now: at('2026-11-21T15:00:00+11:00'), storeCallsToday: 20, storeCallsPast24h: 20, serviceCallsToday: 5000 }),
      sydney,
      limits,
    )
    expect(d).toEqual({ action: 'wait', until: at('2026-11-22T11:00:00+11:00'), reason: 'service_daily_limit' })
  })
})
