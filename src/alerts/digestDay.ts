import { Temporal } from 'temporal-polyfill'

/** The local time of day a store's digest goes out. */
export const DIGEST_TIME = '08:00'

/**
 * The day whose digest is due at `now` in the store's zone: yesterday (`2026-12-01`), from 08:00
 * on (until midnight, after which it is the next day's turn); nothing before 08:00.
 *
 * @example
 * dueDigestDay(Date.parse('2026-12-02T07:30:00Z'), 'Europe/Tirane') // → '2026-12-01' (08:30 in Tirana)
 */
export function dueDigestDay(now: number, timeZone: string): string | undefined {
  const local = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(timeZone)
  if (Temporal.PlainTime.compare(local.toPlainTime(), DIGEST_TIME) < 0) return undefined
  return local.toPlainDate().subtract({ days: 1 }).toString()
}

/**
 * A local day's bounds, Unix ms [from, to): midnight to midnight on the store's clock, so a day
 * with a DST change has 23 or 25 hours.
 */
export function localDayBounds(day: string, timeZone: string): { from: number; to: number } {
  const date = Temporal.PlainDate.from(day)
  return {
    from: date.toZonedDateTime(timeZone).epochMilliseconds,
    to: date.add({ days: 1 }).toZonedDateTime(timeZone).epochMilliseconds,
  }
}
