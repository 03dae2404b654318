import { memoize } from './memo.js'

/**
 * Country facts from the CLDR data that ships with every JavaScript runtime (Intl), so we keep
 * no hand-written table of languages or time zones. Country codes are ISO 3166-1 alpha-2
 * (Kosovo: XK, as Shopify and WooCommerce write it). Building Intl objects is slow (tens of
 * microseconds each) and the answers never change, so each fact is computed once.
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })

export const isCountryCode = memoize((code: string): boolean => /^[A-Z]{2}$/.test(code) && regionNames.of(code) !== undefined)

/** The main language of a country as a BCP 47 language subtag: AL → sq, XK → sq, MK → mk. */
export const languageForCountry = memoize((country: string): string => {
  try {
    return new Intl.Locale(`und-${country}`).maximize().language
  } catch {
    return 'en'
  }
})

// IANA has no zone of its own for Kosovo: it keeps Central European time under Europe/Belgrade.
const ZONE_OVERRIDES: Record<string, string> = { XK: 'Europe/Belgrade' }

/**
 * The country's time zone when it has one local time (AL → Europe/Tirane). For countries that
 * span several offsets (US, CA, RU…) there is no honest default, so UTC, and the merchant sets it.
 */
export const timezoneForCountry = memoize((country: string): string => {
  const override = ZONE_OVERRIDES[country]
  if (override) return override
  let zones: string[] = []
  try {
    zones = (new Intl.Locale(`und-${country}`) as Intl.Locale & { timeZones?: string[] }).timeZones ?? []
  } catch {
    return 'UTC'
  }
  const first = zones[0]
  if (!first) return 'UTC'
  // Compare offsets in winter and summer so DST differences count too (fixed dates: no clock).
  const offsets = (zone: string) =>
    ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']
      .map((d) => new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' }).format(new Date(d)))
      .join()
  const reference = offsets(first)
  return zones.every((z) => offsets(z) === reference) ? first : 'UTC'
})

// Where stores of our first market routinely deliver besides home: the Albanian-speaking
// neighbours. Everywhere else the allow-list starts with the home country alone.
const DELIVERY_NEIGHBOURS: Record<string, string[]> = {
  AL: ['XK', 'MK', 'ME'],
  XK: ['AL', 'MK', 'ME'],
}

/** The default list of countries whose numbers a store may call (the toll-fraud guard). */
export function defaultCallableCountries(country: string): string[] {
  return [country, ...(DELIVERY_NEIGHBOURS[country] ?? [])]
}

export const isTimeZone = memoize((zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
})

/** Canonical BCP 47 form of a language tag (`SQ-al` → `sq-AL`), or undefined if it is not one. */
export const canonicalLanguageTag = memoize((tag: string): string | undefined => {
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0]
  } catch {
    return undefined
  }
})
