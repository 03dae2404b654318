import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'

export interface ParsedPhone {
  e164: string
  country: string | undefined
}

/**
 * Reads a phone number as a customer typed it ("044 123 456", "069 123 4567", "+383 44…",
 * "00355…") into E.164. Local formats are tried against each country in turn — shipping
 * country first — because a Kosovo address with an Albanian mobile number is common.
 * Only numbers that are valid for their country are accepted.
 */
export function parsePhone(raw: string, countries: readonly string[]): ParsedPhone | undefined {
  const text = raw.trim()
  if (!text) return undefined
  const tried = new Set<string>()
  for (const country of countries) {
    if (tried.has(country)) continue
    tried.add(country)
    const parsed = parsePhoneNumberFromString(text, country as CountryCode)
    if (parsed?.isValid()) return { e164: parsed.number, country: parsed.country }
  }
  if (text.startsWith('+') || text.startsWith('00')) {
    const parsed = parsePhoneNumberFromString(text.replace(/^00/, '+'))
    if (parsed?.isValid()) return { e164: parsed.number, country: parsed.country }
  }
  return undefined
}

/** `+355691234567` → `+355…67`: enough to tell numbers apart in a log, not enough to dial. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '(none)'
  const digits = phone.replace(/[^\d+]/g, '')
  return digits.length <= 6 ? '…' : `${digits.slice(0, 4)}…${digits.slice(-2)}`
}
