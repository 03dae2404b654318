import { noNumberToCall } from './callOutcome.js'
import { canonicalLanguageTag } from './countries.js'
import type { Evidence } from './evidence.js'
import { memoize } from './memo.js'
import type { IncomingOrder, OrderStatus, Outcome, SkipReason } from './order.js'
import { lineTypeRefusal, parsePhone } from './phone.js'
import type { StoreSettings } from './settings.js'

export interface IntakeDecision {
  status: Extract<OrderStatus, 'skipped' | 'queued' | 'done'>
  outcome: Extract<Outcome, 'invalid_phone'> | null
  skipReason: SkipReason | null
  /** E.164, or null when there is none we could dial. */
  phone: string | null
  /** The country the phone number belongs to. */
  phoneCountry: string | null
  language: string
  /** What the outcome rests on, when it is decided here. */
  evidence: Evidence | null
}

/**
 * What to do with a new order: skip it, call it, or close it at once because there is no number
 * to call — none valid, or only ones that are not a customer's own line (premium-rate and the
 * like, see lineTypeRefusal). Pure: the store's settings and country are all it needs.
 */
export function decideIntake(order: IncomingOrder, settings: StoreSettings, storeCountry: string): IntakeDecision {
  const language = orderLanguage(order.locale, settings.language)
  const skip = (skipReason: SkipReason): IntakeDecision => ({
    status: 'skipped',
    outcome: null,
    skipReason,
    phone: null,
    phoneCountry: null,
    language,
    evidence: null,
  })
  if (!settings.enabled) return skip('store_disabled')
  if (order.cancelled) return skip('order_cancelled')
  if (settings.callOrders === 'cod' && !isCashOnDelivery(order.paymentMethods, settings.codPaymentNames)) return skip('not_cash_on_delivery')

  const countries = [order.shippingCountry, order.billingCountry, storeCountry].filter((c): c is string => !!c)
  // The first number that is valid and a customer's own line; else the first reason one was not.
  let refused: string | undefined
  for (const raw of order.phones) {
    const parsed = parsePhone(raw, countries)
    const lineRefused = parsed && lineTypeRefusal(parsed.e164)
    if (parsed && !lineRefused)
      return { status: 'queued', outcome: null, skipReason: null, phone: parsed.e164, phoneCountry: parsed.country ?? null, language, evidence: null }
    refused ??= lineRefused
  }
  const { outcome, evidence } = noNumberToCall({ phones: order.phones, countries, refused })
  return { status: 'done', outcome, skipReason: null, phone: null, phoneCountry: null, language, evidence }
}

/** The customer's storefront language when the platform gives one ("sq-AL" → "sq"), else the store's. */
export function orderLanguage(locale: string | null, storeLanguage: string): string {
  return (locale && languageOfLocale(locale)) || storeLanguage
}

const languageOfLocale = memoize((locale: string): string | undefined => {
  const tag = canonicalLanguageTag(locale)
  return tag ? new Intl.Locale(tag).language : undefined
})

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim()

/**
 * True when any of the order's payment methods names cash on delivery. Names match as
 * substrings, ignoring case and accents ("Pagesë në dorëzim" matches "ne dorezim"); names of
 * three letters or fewer ("cod") must stand as a whole word, so "Discount code" is not COD.
 */
export function isCashOnDelivery(paymentMethods: readonly string[], codNames: readonly string[]): boolean {
  const matches = codMatcher(JSON.stringify(codNames))
  return paymentMethods.some((method) => matches(fold(method)))
}

// One matcher per distinct list of names (in practice, one per store), compiled once.
const codMatcher = memoize((namesJson: string): ((folded: string) => boolean) => {
  const names = (JSON.parse(namesJson) as string[]).map(fold).filter(Boolean)
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const words = names.filter((n) => n.length <= 3).map((n) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(n)}($|[^\\p{L}\\p{N}])`, 'u'))
  const phrases = names.filter((n) => n.length > 3)
  return (method) => phrases.some((p) => method.includes(p)) || words.some((w) => w.test(method))
})
