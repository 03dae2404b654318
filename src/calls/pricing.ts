import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { maskPhone } from '../domain/phone.js'
import type { Logger } from '../utils/log.js'
import { type TwilioAccount, type TwilioClient, twilioErrorCode, twilioHttpStatus } from './twilio.js'

/** What a minute of outbound voice costs, by destination. */
export interface VoicePrices {
  /**
   * US dollars a minute to `phone` (E.164): Twilio's price for the number's country and kind of
   * line, or the configured fallback when Twilio cannot say. Never rejects, and waits for Twilio
   * no longer than `waitMs`.
   */
  perMinute(phone: string): Promise<number>
}

export interface VoicePricesOptions {
  twilio: { client: TwilioClient; account: Pick<TwilioAccount, 'fromNumber'> }
  /** CALL_PRICES' `telephonyPerMinute`: the price when Twilio's is not known. */
  fallbackPerMinute: number
  log: Logger
  now: () => number
  /** How long a caller waits for Twilio's answer before taking the fallback; a late answer still fills the cache. */
  waitMs?: number
}

/**
 * A price is kept a day: Twilio changes voice prices about monthly and announces it ahead, so a
 * day-old price is as good as a fresh one, and the API is asked once a day per kind of
 * destination rather than once a call.
 */
const FRESH_MS = 24 * 3600 * 1000
/** After a failure the destination is asked again no sooner than this, so an outage costs a request every few minutes, not one a call. */
const RETRY_MS = 5 * 60 * 1000
const WAIT_MS = 2_000

/**
 * What prices a number: its country and the kind of line (`AL:MOBILE`, `XK:FIXED_LINE`), as
 * Twilio's price lists go by destination prefix, one list per country with mobiles apart.
 */
function destinationKind(phone: string): string | undefined {
  const parsed = parsePhoneNumberFromString(phone)
  if (!parsed?.isValid() || !parsed.country) return undefined
  return `${parsed.country}:${parsed.getType() ?? 'UNKNOWN'}`
}

/** The highest price Twilio lists for the call (one per set of origins; with ours given, usually one), in US dollars. */
function highestPrice(found: { priceUnit: string; outboundCallPrices: Array<{ basePrice?: number; currentPrice?: number }> | null }): number {
  if (found.priceUnit?.toUpperCase() !== 'USD') throw new Error(`Twilio prices this account in ${found.priceUnit}, not USD`)
  // Decimal strings in Twilio's JSON ("0.413"), whatever the SDK's types say; the current price has the account's discounts.
  const prices = (found.outboundCallPrices ?? [])
    .map((p) => p.currentPrice ?? p.basePrice)
    .filter((p) => p !== null && p !== undefined)
    .map(Number)
    .filter((p) => Number.isFinite(p) && p >= 0)
  if (!prices.length) throw new Error('Twilio listed no outbound price')
  return Math.max(...prices)
}

/** `promise`'s value, or undefined once `ms` have passed without it. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

interface Known {
  price?: { perMinute: number; at: number }
  retryAt?: number
  asking?: Promise<number | undefined>
}

/**
 * Voice prices from Twilio's Pricing API (`pricing.v2.voice.numbers(to).fetch()`, from our
 * caller ID), kept in memory per destination country and kind of line. A failure or a slow
 * answer gives the last known price, or the fallback, and the destination is asked again later;
 * settling a call never waits long for it and never fails for it.
 *
 * @example
 * const prices = createVoicePrices({ twilio, fallbackPerMinute: config.prices.telephonyPerMinute, log, now: Date.now })
 * await prices.perMinute('+355691234567') // → 0.413 where Twilio says so
 */
export function createVoicePrices(options: VoicePricesOptions): VoicePrices {
  const { twilio, fallbackPerMinute, log, now } = options
  const waitMs = options.waitMs ?? WAIT_MS
  const known = new Map<string, Known>()

  const ask = async (phone: string, kind: string, entry: Known): Promise<number | undefined> => {
    try {
      const found = await twilio.client.pricing.v2.voice.numbers(phone).fetch({ originationNumber: twilio.account.fromNumber })
      const perMinute = highestPrice(found)
      entry.price = { perMinute, at: now() }
      entry.retryAt = undefined
      return perMinute
    } catch (error) {
      entry.retryAt = now() + RETRY_MS
      // Twilio's 404 names the resource, and so the customer's number: it is masked like any other.
      const message = (error instanceof Error ? error.message : String(error)).replace(/\+\d{6,}/g, maskPhone)
      log.warn("Twilio's voice price is not known; using the last known or the configured one", {
        destination: kind,
        status: twilioHttpStatus(error),
        code: twilioErrorCode(error),
        error: message,
      })
      return undefined
    }
  }

  return {
    async perMinute(phone) {
      const kind = destinationKind(phone)
      if (!kind) return fallbackPerMinute
      const entry = known.get(kind) ?? {}
      known.set(kind, entry)
      const at = now()
      if (entry.price && at - entry.price.at < FRESH_MS) return entry.price.perMinute
      const stale = entry.price?.perMinute ?? fallbackPerMinute
      if (entry.retryAt !== undefined && at < entry.retryAt) return stale
      // Calls ending together for one kind of destination share one request.
      const asking = entry.asking ?? ask(phone, kind, entry).finally(() => (entry.asking = undefined))
      entry.asking = asking
      return (await within(asking, waitMs)) ?? stale
    },
  }
}
