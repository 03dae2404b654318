import { earliestCallTime, nextDayOpening, type CallingHours } from './callingWindow.js'

export interface DialSettings {
  callingHours: CallingHours
  timezone: string
  allowedCountries: readonly string[]
  maxCallsPerNumberPerDay: number
}

export interface DialCheck {
  now: number
  /** The country of the number to dial (from its E.164 prefix). */
  phoneCountry: string | null
  /** Calls already placed to this number since the store's local midnight, across all orders. */
  callsToNumberToday: number
}

export type DialDecision =
  | { action: 'dial' }
  | { action: 'wait'; until: number; reason: 'outside_calling_hours' | 'daily_limit_reached' }
  | { action: 'refuse'; evidence: string }

/**
 * The last word before a number is dialled. A number outside the store's allowed countries is
 * never dialled — the guard against toll fraud with made-up premium numbers; outside the calling
 * hours, or past the day's limit of calls to one number, the call waits.
 */
export function decideDial(check: DialCheck, settings: DialSettings): DialDecision {
  if (!check.phoneCountry || !settings.allowedCountries.includes(check.phoneCountry))
    return {
      action: 'refuse',
      evidence: `The number is in ${check.phoneCountry ?? 'an unknown country'}, outside the countries this store calls (${settings.allowedCountries.join(', ')}).`,
    }
  const opening = earliestCallTime(check.now, settings.callingHours, settings.timezone)
  if (opening > check.now) return { action: 'wait', until: opening, reason: 'outside_calling_hours' }
  if (check.callsToNumberToday >= settings.maxCallsPerNumberPerDay)
    return { action: 'wait', until: nextDayOpening(check.now, settings.callingHours, settings.timezone), reason: 'daily_limit_reached' }
  return { action: 'dial' }
}
