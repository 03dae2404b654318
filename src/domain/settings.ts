import { z } from 'zod'
import { canonicalLanguageTag, defaultCallableCountries, isCountryCode, isTimeZone, languageForCountry, timezoneForCountry } from './countries.js'
import { firstProblem } from './validation.js'

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time such as 09:00')
const tag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .refine((t) => !t.includes(','), 'must not contain a comma (Shopify splits tags on commas)')
/** An ISO 3166-1 alpha-2 country code, upper-cased (`xk` → `XK`). */
export const countryCode = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .refine(isCountryCode, 'must be an ISO 3166-1 country code such as AL or XK')
const wooStatus = z
  .string()
  .trim()
  .transform((s) => s.replace(/^wc-/, ''))
  .refine((s) => /^[a-z0-9_-]{1,20}$/.test(s), 'must be a WooCommerce order status such as processing')
  .nullable()

/** The addresses in an alert-email setting: separated by commas, semicolons or spaces. */
export const alertAddresses = (value: string): string[] => value.split(/[\s,;]+/).filter(Boolean)
const emailAddress = z.email()
/** Where alerts go: up to five addresses, kept as `a@x.al, b@x.al`; empty means no alerts. */
const alertEmail = z
  .string()
  .max(400, 'must be at most 400 characters')
  .refine(
    (v) => alertAddresses(v).every((a) => emailAddress.safeParse(a).success),
    'must be email addresses such as orders@dyqani.al, separated by commas',
  )
  .refine((v) => alertAddresses(v).length <= 5, 'at most 5 addresses')
  .transform((v) => alertAddresses(v).join(', '))

/** The placeholders a message text may use: the shop, the order's name, its total, and the answer page's link (SMS). */
export const MESSAGE_PLACEHOLDERS = ['shop', 'order', 'total', 'link'] as const
const messageText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(480, 'must be at most 480 characters')
  .refine(
    (t) => [...t.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].every((m) => (MESSAGE_PLACEHOLDERS as readonly string[]).includes(m[1]!)),
    'may use only {{shop}}, {{order}}, {{total}} and {{link}}',
  )

/**
 * Messages to a customer the calls did not reach (src/messages/): the channels, tried in order
 * (WhatsApp, then SMS when the number has no WhatsApp; none: no messages), after which call
 * (`last_call`: once the retry ladder ran out; `first_call`: after the first unanswered call, the
 * ladder going on) and how many minutes after it (`delayMinutes`, at most a day), the approved WhatsApp template (Content SID `HX…`, its variables {{1}} shop,
 * {{2}} order, {{3}} total), and the SMS text per language (ours when not given).
 */
const messaging = z
  .object({
    channels: z
      .array(z.enum(['whatsapp', 'sms']))
      .max(2)
      .refine((c) => new Set(c).size === c.length, 'name each channel once'),
    after: z.enum(['last_call', 'first_call']),
    delayMinutes: z.number().int().min(0).max(1440),
    whatsappContentSid: z
      .string()
      .trim()
      .regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Content SID: HX followed by 32 hex digits')
      .nullable(),
    smsText: z.partialRecord(z.enum(['sq', 'en']), messageText),
  })
  .strict()

/**
 * A store's settings (`GET/PATCH /api/stores/:id`). Every field has a default, derived from the
 * store's country where that makes sense (see `defaultSettings`).
 */
export const storeSettingsSchema = z
  .object({
    enabled: z.boolean(),
    companyName: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
    language: z
      .string()
      .refine((t) => canonicalLanguageTag(t) !== undefined, 'must be a BCP 47 language tag such as sq')
      .transform((t) => canonicalLanguageTag(t)!),
    voice: z.string().regex(/^[a-z]{2,20}$/, 'must be a voice name such as marin'),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Tirane'),
    callingHours: z
      .object({ start: clock, end: clock })
      .strict()
      .refine((h) => h.start < h.end, { message: 'start must be before end', path: ['end'] }),
    retryDelaysMinutes: z
      .array(z.number().int('must be whole minutes').min(1, 'must be at least 1 minute').max(10_080, 'must be at most 7 days'))
      .max(10, 'at most 10 retries'),
    maxCallsPerNumberPerDay: z.number().int().min(1, 'must be at least 1').max(10, 'must be at most 10'),
    maxConcurrentCalls: z.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'),
    callOrders: z.enum(['cod', 'all']),
    codPaymentNames: z.array(z.string().trim().min(1, 'must not be empty').max(80)).min(1, 'name at least one payment method').max(50),
    allowedCountries: z.array(countryCode).min(1, 'allow at least one country').max(60),
    tags: z
      .object({
        pending: tag,
        confirmed: tag,
        cancelled: tag,
        needsReview: tag,
        noAnswer: tag,
        voicemail: tag,
        invalidPhone: tag,
        failed: tag,
      })
      .strict(),
    /** How the WooCommerce REST API is authenticated: HTTP Basic, or keys in the query string for hosts that strip it. */
    wooApiAuth: z.enum(['basic', 'query_string']),
    /** Who is emailed when an order needs a person or a store write fails, and the morning digest (src/alerts/). */
    alertEmail,
    /** Twilio records each call, both sides (dual-channel), for the order's page; the agent says so first (calls/recordings.ts). */
    recordCalls: z.boolean(),
    messaging,
    actions: z
      .object({
        cancelOnDecline: z.boolean(),
        holdUntilConfirmed: z.boolean(),
        wooStatusOnConfirmed: wooStatus,
        wooStatusOnCancelled: wooStatus,
      })
      .strict(),
  })
  .strict()

export type StoreSettings = z.infer<typeof storeSettingsSchema>

/**
 * Payment-method names that mean cash on delivery, matched case- and accent-insensitively against
 * the order's gateway names ("Cash on Delivery (COD)", WooCommerce's `cod`): English, Albanian
 * ("Pagesë në dorëzim", "Para në dorë"), then the languages of the neighbouring markets.
 */
export const DEFAULT_COD_PAYMENT_NAMES = [
  'cash on delivery',
  'cod',
  'në dorëzim',
  'para në dorë',
  'pouzećem',
  'поузећем',
  'плаќање при достава',
  'nachnahme',
  'contrassegno',
  'αντικαταβολή',
]

export const DEFAULT_TAGS: StoreSettings['tags'] = {
  pending: 'call-pending',
  confirmed: 'call-confirmed',
  cancelled: 'call-cancelled',
  needsReview: 'call-needs-review',
  noAnswer: 'call-no-answer',
  voicemail: 'call-voicemail',
  invalidPhone: 'call-invalid-phone',
  failed: 'call-failed',
}

export interface SettingsContext {
  country: string
  companyName: string
  voice: string
}

export function defaultSettings({ country, companyName, voice }: SettingsContext): StoreSettings {
  return {
    enabled: true,
    companyName,
    language: languageForCountry(country),
    voice,
    timezone: timezoneForCountry(country),
    callingHours: { start: '09:00', end: '20:00' },
    retryDelaysMinutes: [15, 120, 1080],
    // One order's whole ladder fits in a day; a second order the same day waits for tomorrow.
    maxCallsPerNumberPerDay: 4,
    maxConcurrentCalls: 3,
    callOrders: 'cod',
    codPaymentNames: DEFAULT_COD_PAYMENT_NAMES,
    allowedCountries: defaultCallableCountries(country),
    tags: DEFAULT_TAGS,
    wooApiAuth: 'basic',
    alertEmail: '',
    // Off until the merchant asks: a recording is personal data, and the customer must be told.
    recordCalls: false,
    // WhatsApp needs the merchant's approved template first; until then the SMS goes alone.
    messaging: { channels: ['whatsapp', 'sms'], after: 'last_call', delayMinutes: 0, whatsappContentSid: null, smsText: {} },
    actions: { cancelOnDecline: false, holdUntilConfirmed: false, wooStatusOnConfirmed: null, wooStatusOnCancelled: null },
  }
}

export type SettingsResult = { ok: true; settings: StoreSettings } | { ok: false; field: string; message: string }

/**
 * Applies a partial change to settings: nested objects (callingHours, tags, messaging, actions) merge key by
 * key, everything else is replaced.
 */
export function mergeSettings(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(change)) {
    const before = merged[key]
    merged[key] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value
  }
  return merged
}

/**
 * The settings after a change, validated whole, so a bad value is reported with the path of the
 * field that holds it ("callingHours.start").
 */
export function changeSettings(current: StoreSettings, change: unknown): SettingsResult {
  if (!isPlainObject(change)) return { ok: false, field: '', message: 'settings must be a JSON object' }
  return validateSettings(mergeSettings(current, change))
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function validateSettings(candidate: unknown): SettingsResult {
  const parsed = storeSettingsSchema.safeParse(candidate)
  return parsed.success ? { ok: true, settings: parsed.data } : { ok: false, ...firstProblem(parsed.error) }
}

/**
 * Settings as stored, completed with today's defaults: a setting added in a later version
 * appears with its default on stores saved before it existed.
 */
export function readSettings(stored: unknown, defaults: StoreSettings): StoreSettings {
  const kept: Record<string, unknown> = typeof stored === 'object' && stored !== null ? { ...stored } : {}
  // A value that today's rules reject (say, a rule was tightened) falls back to its default
  // alone; the merchant's other settings survive.
  for (;;) {
    const result = changeSettings(defaults, kept)
    const offending = result.ok ? undefined : result.field.split('.')[0]
    if (result.ok || !offending || !(offending in kept)) return result.ok ? result.settings : defaults
    delete kept[offending]
  }
}
