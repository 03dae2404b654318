import { type CountryCode, type PhoneNumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max'

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

/** The lines a customer answers in person: the only types of number ever dialled. */
const CUSTOMER_LINES: ReadonlySet<PhoneNumberType> = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'])

/** A line that is not a customer's own: its type, or `UNKNOWN` when libphonenumber cannot tell it. */
export type OtherLine = Exclude<PhoneNumberType, 'MOBILE' | 'FIXED_LINE' | 'FIXED_LINE_OR_MOBILE'> | 'UNKNOWN'

/** Every other type, in English words for the merchant (the pages' English catalog uses them too). */
export const OTHER_LINES: Record<OtherLine, string> = {
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  TOLL_FREE: 'a toll-free number',
  UAN: 'a universal access (UAN) number',
  VOIP: 'a VoIP number',
  PERSONAL_NUMBER: 'a personal (forwarding) number',
  PAGER: 'a pager number',
  VOICEMAIL: 'a voicemail access number',
  UNKNOWN: 'a number of no known type',
}

/**
 * The kind of line a number is when it is not a customer's own mobile or fixed line; undefined
 * when it is one (see lineTypeRefusal).
 *
 * @example
 * otherLineType('+355900123') // → 'PREMIUM_RATE'
 * otherLineType('+355691234567') // → undefined
 */
export function otherLineType(e164: string): OtherLine | undefined {
  const parsed = parsePhoneNumberFromString(e164)
  const type = parsed?.isValid() ? parsed.getType() : undefined
  if (type && CUSTOMER_LINES.has(type)) return undefined
  return (type as OtherLine | undefined) ?? 'UNKNOWN'
}

/**
 * Why a number must not be dialled for the kind of line it is, as a sentence for the merchant
 * (the type in words, the number masked), or undefined when it is a customer's own mobile or
 * fixed line. Premium-rate and shared-cost numbers pay whoever owns them — toll fraud — and
 * toll-free, UAN, VoIP, personal, pager and voicemail numbers reach a service, not a customer;
 * a number whose type libphonenumber's full metadata cannot tell is refused as well.
 *
 * @example
 * lineTypeRefusal('+355900123') // → "The order's phone number (+355…23) is a premium-rate number, …"
 * lineTypeRefusal('+355691234567') // → undefined
 */
export function lineTypeRefusal(e164: string): string | undefined {
  const line = otherLineType(e164)
  if (!line) return undefined
  return `The order's phone number (${maskPhone(e164)}) is ${OTHER_LINES[line]}, not a customer's own mobile or landline, so it is not called.`
}

/** `+355691234567` → `+355…67`: enough to tell numbers apart in a log, not enough to dial. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '(none)'
  const digits = phone.replace(/[^\d+]/g, '')
  return digits.length <= 6 ? '…' : `${digits.slice(0, 4)}…${digits.slice(-2)}`
}
