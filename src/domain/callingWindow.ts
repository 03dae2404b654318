import { Temporal } from 'temporal-polyfill'

/** Local times of day, `HH:MM`, between which a store's customers may be called: [start, end). */
export interface CallingHours {
  start: string
  end: string
}

const zoned = (at: number, timeZone: string) => Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone)

/** True when `at` falls inside the calling hours in the store's time zone. */
export function isWithinCallingHours(at: number, hours: CallingHours, timeZone: string): boolean {
  const t = zoned(at, timeZone).toPlainTime()
  return Temporal.PlainTime.compare(t, hours.start) >= 0 && Temporal.PlainTime.compare(t, hours.end) < 0
}

/**
 * The earliest moment at or after `at` when the store may call: `at` itself inside the calling
 * hours, else the next opening (today's if it is still early, otherwise tomorrow's). Local
 * times that a DST change skips resolve forward, as a wall clock would.
 *
 * @example
 * earliestCallTime(Date.parse('2026-11-21T21:30:00+01:00'), { start: '09:00', end: '20:00' }, 'Europe/Tirane')
 * // → 2026-11-22T09:00+01:00
 */
export function earliestCallTime(at: number, hours: CallingHours, timeZone: string): number {
  const local = zoned(at, timeZone)
  const t = local.toPlainTime()
  if (Temporal.PlainTime.compare(t, hours.start) < 0) return local.withPlainTime(hours.start).epochMilliseconds
  if (Temporal.PlainTime.compare(t, hours.end) < 0) return at
  return local.add({ days: 1 }).withPlainTime(hours.start).epochMilliseconds
}

/** The instant the local day containing `at` began in the store's zone (for per-day caps). */
export function startOfLocalDay(at: number, timeZone: string): number {
  return zoned(at, timeZone).startOfDay().epochMilliseconds
}

/** The calling hours' next opening after the local day containing `at`. */
export function nextDayOpening(at: number, hours: CallingHours, timeZone: string): number {
  return zoned(at, timeZone).add({ days: 1 }).withPlainTime(hours.start).epochMilliseconds
}

/** How far ahead a customer may ask to be called back. */
const CALLBACK_HORIZON_DAYS = 7

/**
 * When to call back a customer who asked for it ("call me at 5"). `requested` is what the agent
 * understood: a local time of day (`17:00`, meaning the next such time) or a full ISO date-time.
 * The answer lies in the calling hours, at least a few minutes ahead and at most a week; an
 * unreadable request gets undefined, for the caller to choose a default.
 */
export function callbackTime(requested: string, now: number, hours: CallingHours, timeZone: string): number | undefined {
  const soonest = now + 5 * 60_000
  let at: number | undefined
  if (/^\d{1,2}:\d{2}$/.test(requested.trim())) {
    const [h, m] = requested.trim().split(':').map(Number) as [number, number]
    if (h > 23 || m > 59) return undefined
    const local = zoned(now, timeZone)
    const today = local.withPlainTime({ hour: h, minute: m })
    at = (today.epochMilliseconds >= soonest ? today : today.add({ days: 1 })).epochMilliseconds
  } else {
    try {
      at = Temporal.Instant.from(requested.trim()).epochMilliseconds
    } catch {
      return undefined
    }
  }
  const latest = zoned(now, timeZone).add({ days: CALLBACK_HORIZON_DAYS }).epochMilliseconds
  return earliestCallTime(Math.min(Math.max(at, soonest), latest), hours, timeZone)
}
