import { type CallingHours, earliestCallTime, nextDayOpening } from './callingWindow.js'
import { lineTypeRefusal, type OtherLine, otherLineType } from './phone.js'

export interface DialSettings {
  callingHours: CallingHours
  timezone: string
  allowedCountries: readonly string[]
  maxCallsPerNumberPerDay: number
}

/** Bounds on the calls of a day, whoever asks for them: the toll-fraud guard's ceiling. */
export interface DailyLimits {
  /** Calls a day for this store: the operator's number for it, or the service's default (stores/records.ts storeDailyCallLimit). */
  storeDailyCalls: number
  /** Calls a day across every store. */
  serviceDailyCalls: number
  /** Estimated spend a day across every store, US dollars. */
  serviceDailySpendUsd: number
}

export interface DialCheck {
  now: number
  /** The number to dial, E.164. */
  phone: string
  /** The country of the number to dial (from its E.164 prefix). */
  phoneCountry: string | null
  /** Calls already placed to this number since the store's local midnight, across all orders. */
  callsToNumberToday: number
  /** Calls this store placed since its local midnight. */
  storeCallsToday: number
  /** Calls this store placed in the 24 hours before `now`, whatever its time zone says. */
  storeCallsPast24h: number
  /** Calls the whole service placed since midnight UTC. */
  serviceCallsToday: number
  /**
   * The estimated cost of the whole service's calls since midnight UTC. A call's cost is known
   * once it ends, so calls still ringing or on the line are not in it yet.
   */
  serviceSpendTodayUsd: number
}

/**
 * Why a call that may be placed waits; the order keeps it (`wait_reason`) for the dashboard.
 * `twilio_account`: Twilio refuses the service's account, and every call waits for it (calls/accountHold.ts).
 */
export type DialWaitReason =
  | 'outside_calling_hours'
  | 'daily_limit_reached'
  | 'store_daily_limit'
  | 'service_daily_limit'
  | 'service_daily_spend'
  | 'twilio_account'

/** Why a queued order waits past its time: a dial decision's, or its store not yet approved. */
export type WaitReason = DialWaitReason | 'store_awaiting_approval'

/** The reasons that hold back every order of a store, not just one customer's. */
export const STORE_HOLDS: ReadonlySet<WaitReason> = new Set([
  'store_daily_limit',
  'service_daily_limit',
  'service_daily_spend',
  'store_awaiting_approval',
])

export type DialDecision =
  | { action: 'dial' }
  | { action: 'wait'; until: number; reason: DialWaitReason }
  /** `evidence`: the sentence the order keeps; `why`: the same as facts, for a page to say in its reader's language. */
  | { action: 'refuse'; outcome: 'invalid_phone' | 'failed'; evidence: string; why: NumberRefusal }

/** Why a number is never dialled for a store: not a customer's own line, or outside the countries it calls. */
export type NumberRefusal = { kind: 'notALine'; line: OtherLine } | { kind: 'otherCountry'; country: string | null; countries: readonly string[] }

const DAY_MS = 86_400_000

/** The instant the UTC day containing `at` began: the service-wide limits count from here. */
export const startOfUtcDay = (at: number) => at - (at % DAY_MS)

/**
 * The last word before a number is dialled. A number that is not a customer's own line
 * (premium-rate, toll-free…) closes the order as `invalid_phone`, one outside the store's
 * allowed countries as `failed`: neither is ever dialled — the guards against toll fraud with
 * made-up numbers. Outside the calling hours the call waits for the opening. Past a day's limit
 * — the store's calls, the service's calls or spend, the calls to this one number — it waits for
 * the day to turn: the store's next opening for the store's and the number's limits, the next UTC
 * day (then the store's calling hours) for the service's.
 *
 * @example
 * decideDial({ now, phone: '+355691234567', phoneCountry: 'AL', ...counts }, store.settings, limits)
 * // → { action: 'wait', until: <tomorrow 09:00 store time>, reason: 'store_daily_limit' }
 */
export function decideDial(check: DialCheck, settings: DialSettings, limits: DailyLimits): DialDecision {
  const line = otherLineType(check.phone)
  const notACustomerLine = line && lineTypeRefusal(check.phone)
  if (line && notACustomerLine) return { action: 'refuse', outcome: 'invalid_phone', evidence: notACustomerLine, why: { kind: 'notALine', line } }
  if (!check.phoneCountry || !settings.allowedCountries.includes(check.phoneCountry))
    return {
      action: 'refuse',
      outcome: 'failed',
      evidence: `The number is in ${check.phoneCountry ?? 'an unknown country'}, outside the countries this store calls (${settings.allowedCountries.join(', ')}).`,
      why: { kind: 'otherCountry', country: check.phoneCountry ?? null, countries: settings.allowedCountries },
    }
  const { now } = check
  const { callingHours, timezone } = settings
  const opening = earliestCallTime(now, callingHours, timezone)
  if (opening > now) return { action: 'wait', until: opening, reason: 'outside_calling_hours' }

  const storeTomorrow = nextDayOpening(now, callingHours, timezone)
  const serviceTomorrow = earliestCallTime(startOfUtcDay(now) + DAY_MS, callingHours, timezone)
  const waits: Array<{ until: number; reason: DialWaitReason } | false> = [
    // The store's day is in the merchant's time zone, which the merchant may change: twice the
    // limit within 24 hours, which a store keeping its zone cannot reach, stops resets by moving it.
    (check.storeCallsToday >= limits.storeDailyCalls || check.storeCallsPast24h >= 2 * limits.storeDailyCalls) && {
      until: storeTomorrow,
      reason: 'store_daily_limit',
    },
    check.serviceCallsToday >= limits.serviceDailyCalls && { until: serviceTomorrow, reason: 'service_daily_limit' },
    check.serviceSpendTodayUsd >= limits.serviceDailySpendUsd && { until: serviceTomorrow, reason: 'service_daily_spend' },
    check.callsToNumberToday >= settings.maxCallsPerNumberPerDay && { until: storeTomorrow, reason: 'daily_limit_reached' },
  ]
  // Past several limits at once, the call waits for the last of them to lift.
  const wait = waits.reduce<{ until: number; reason: DialWaitReason } | undefined>(
    (latest, w) => (w && (!latest || w.until > latest.until) ? w : latest),
    undefined,
  )
  return wait ? { action: 'wait', ...wait } : { action: 'dial' }
}
