import { type Context, Hono } from 'hono'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { sameSecret } from '../../utils/digest.js'

/** One row of a country's outbound price list: what a minute to numbers starting with these prefixes costs. */
export interface OutboundPrefixPrice {
  friendlyName: string
  /** Destination prefixes without the `+` (Twilio's `destination_prefixes`): the longest match prices a number. */
  prefixes: string[]
  /** US dollars a minute. */
  perMinute: number
}

export interface CountryPrices {
  country: string
  outbound: OutboundPrefixPrice[]
}

/**
 * Per-minute prices of outbound calls, as the simulated account's Pricing API answers them.
 *
 * Albania and Kosovo are estimates: Twilio publishes them on twilio.com/en-us/voice/pricing/al and
 * …/xk, which we could not read (searched 2026-12-01; no copy of those pages or of Twilio's price
 * CSV was found). The landline figures follow an independent rate card's $0.204 a minute to
 * Albanian geographic prefixes (irontec/ivozprovider `web/admin/samples/pricesSample.csv`, undated);
 * the mobile figures assume, as that card and Twilio's other Balkan destinations do, about twice
 * the landline rate. The US figure is Twilio's published $0.0140 (twilio.com/en-us/voice/pricing/us,
 * as quoted in /work/shared/reference/twilio-openai-realtime.md §2.6). Check the live pages before
 * relying on any of them; a real account's Pricing API answers with its own.
 */
export const SIMULATED_VOICE_PRICES: Record<string, CountryPrices> = {
  AL: {
    country: 'Albania',
    outbound: [
      { friendlyName: 'Programmable Outbound Minute - Albania', prefixes: ['355'], perMinute: 0.204 },
      { friendlyName: 'Programmable Outbound Minute - Albania - Mobile', prefixes: ['35566', '35567', '35568', '35569'], perMinute: 0.413 },
    ],
  },
  XK: {
    country: 'Kosovo',
    outbound: [
      { friendlyName: 'Programmable Outbound Minute - Kosovo', prefixes: ['383'], perMinute: 0.245 },
      {
        friendlyName: 'Programmable Outbound Minute - Kosovo - Mobile',
        prefixes: ['38343', '38344', '38345', '38346', '38347', '38348', '38349'],
        perMinute: 0.474,
      },
    ],
  },
  US: {
    country: 'United States',
    outbound: [{ friendlyName: 'Programmable Outbound Minute - United States & Canada', prefixes: ['1'], perMinute: 0.014 }],
  },
}

/** One mobile network of a country's SMS price list (Twilio's `outbound_sms_prices` row). */
export interface CarrierSmsPrice {
  carrier: string
  mcc: string
  mnc: string
  /** US dollars a segment, sent from a local long code to a mobile on this network. */
  perSegment: number
}

/**
 * What an SMS segment costs, per destination network, as the simulated account's Messaging
 * Pricing API (`/v1/Messaging/Countries/{IsoCountry}`) answers it.
 *
 * Estimates, like the voice prices above: Twilio publishes them on twilio.com/en-us/sms/pricing/al
 * and …/xk, which we could not read (searched 2026-12-02). sent.dm's "Albania SMS API Pricing"
 * guide (2025) puts Albania between $0.0777 and $0.1101 a message across Twilio, Plivo and Sinch
 * without saying which is Twilio's; we take the top of that range for both Albanian networks
 * (ONE, 276-01; Vodafone, 276-02) and, for want of any figure, the same for Kosovo's (Vala,
 * 221-01; IPKO, 221-02). The US figure is the $0.0083 a segment quoted for April 2026
 * (hivebook.wiki "Twilio SMS pricing"), before carrier fees. A WhatsApp message is not in this
 * API: Twilio bills it per message (messaging.ts).
 */
export const SIMULATED_SMS_PRICES: Record<string, { country: string; carriers: CarrierSmsPrice[] }> = {
  AL: {
    country: 'Albania',
    carriers: [
      { carrier: 'One Albania', mcc: '276', mnc: '01', perSegment: 0.1101 },
      { carrier: 'Vodafone Albania', mcc: '276', mnc: '02', perSegment: 0.1101 },
    ],
  },
  XK: {
    country: 'Kosovo',
    carriers: [
      { carrier: 'Vala', mcc: '221', mnc: '01', perSegment: 0.1101 },
      { carrier: 'IPKO', mcc: '221', mnc: '02', perSegment: 0.1101 },
    ],
  },
  US: { country: 'United States', carriers: [{ carrier: 'AT&T', mcc: '310', mnc: '410', perSegment: 0.0083 }] },
}

/** US dollars a segment of an SMS to `number` costs (its country's first network), or undefined for a country not priced. */
export function smsSegmentPrice(number: string, prices = SIMULATED_SMS_PRICES): number | undefined {
  const country = parsePhoneNumberFromString(number)?.country
  return country ? prices[country]?.carriers[0]?.perSegment : undefined
}

/** A bad day at Twilio's Pricing API: every request fails with `status`, or is answered only after `delayMs`. */
export interface PricingTrouble {
  status?: 429 | 500 | 503
  delayMs?: number
}

export interface SimulatedPricing {
  /** Twilio's Pricing API has `trouble` until this is called again with null. */
  trouble(trouble: PricingTrouble | null): void
}

const PRICING_ORIGIN = 'https://pricing.twilio.com'

// Twilio's prices are decimal strings in the JSON ("0.013"), whatever the SDK's types say.
const price = (perMinute: number) => perMinute.toFixed(4)

/** The row that prices `digits` (a number without its `+`): the longest prefix that matches. */
function priceRow(country: CountryPrices, digits: string): OutboundPrefixPrice | undefined {
  let best: { row: OutboundPrefixPrice; length: number } | undefined
  for (const row of country.outbound)
    for (const prefix of row.prefixes) if (digits.startsWith(prefix) && prefix.length > (best?.length ?? 0)) best = { row, length: prefix.length }
  return best?.row
}

function twilioError(c: Context, status: 400 | 401 | 404 | 429 | 500 | 503, code: number, message: string) {
  return c.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status)
}

/**
 * Twilio's Pricing API v2 for Voice on the simulated account, mounted by the simulator at `/v2`:
 * `GET /v2/Voice/Numbers/{DestinationNumber}` (optional `OriginationNumber`) and
 * `GET /v2/Voice/Countries/{IsoCountry}`, in Twilio's JSON (the field names of the `twilio`
 * package's `pricing/v2/voice` types), behind the account's HTTP Basic credentials. A destination
 * that is not `+` and digits is refused with 400; a number no country has, or one of a country
 * not in `prices`, with 404 and 20404, as Twilio answers for a resource it does not have.
 * `messaging` is the Pricing API v1 for Messaging, mounted at `/v1/Messaging`:
 * `GET /v1/Messaging/Countries/{IsoCountry}` with a price a segment for each mobile network.
 */
export function pricingRoutes(
  account: { accountSid: string; authToken: () => string },
  prices = SIMULATED_VOICE_PRICES,
  smsPrices = SIMULATED_SMS_PRICES,
) {
  let trouble: PricingTrouble | null = null
  /** A Pricing API: the account's Basic credentials, and the bad day it may be having. */
  const pricingApi = () =>
    new Hono().use('*', async (c, next) => {
      const expected = `Basic ${btoa(`${account.accountSid}:${account.authToken()}`)}`
      if (!sameSecret(c.req.header('authorization') ?? '', expected)) return twilioError(c, 401, 20003, 'Authenticate')
      if (trouble?.delayMs) await new Promise((r) => setTimeout(r, trouble?.delayMs))
      if (trouble?.status) return twilioError(c, trouble.status, trouble.status === 429 ? 20429 : 20500, 'An internal server error has occurred')
      await next()
    })
  const app = pricingApi()

  app.get('/Voice/Numbers/:number', (c) => {
    const destination = c.req.param('number')
    // Twilio's code for a malformed number in this API is not documented; 21211 is its Voice "Invalid 'To' Phone Number".
    if (!/^\+\d{4,15}$/.test(destination)) return twilioError(c, 400, 21211, `Invalid Phone Number: ${destination}`)
    const parsed = parsePhoneNumberFromString(destination)
    const country = parsed?.isValid() && parsed.country ? prices[parsed.country] : undefined
    const row = country && priceRow(country, destination.slice(1))
    if (!parsed?.country || !country || !row) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    return c.json({
      country: country.country,
      destination_number: destination,
      // Only a number of this account is priced for calls in; a customer's is not one.
      inbound_call_price: { base_price: null, current_price: null, number_type: null },
      iso_country: parsed.country,
      origination_number: c.req.query('OriginationNumber') ?? null,
      outbound_call_prices: [{ base_price: price(row.perMinute), current_price: price(row.perMinute), origination_prefixes: ['ALL'] }],
      price_unit: 'USD',
      url: `${PRICING_ORIGIN}/v2/Voice/Numbers/${destination}`,
    })
  })

  /** A country's price list, 404 (20404) for one the table does not have. */
  const countryRoute =
    <T>(table: Record<string, T>, answer: (iso: string, country: T) => Record<string, unknown>) =>
    (c: Context) => {
      const iso = c.req.param('iso')!.toUpperCase()
      const country = table[iso]
      return country ? c.json(answer(iso, country)) : twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    }

  app.get(
    '/Voice/Countries/:iso',
    countryRoute(prices, (iso, country) => ({
      country: country.country,
      // The account rents no numbers in these countries: none to price for calls in.
      inbound_call_prices: [],
      iso_country: iso,
      outbound_prefix_prices: country.outbound.map((row) => ({
        base_price: price(row.perMinute),
        current_price: price(row.perMinute),
        destination_prefixes: row.prefixes,
        friendly_name: row.friendlyName,
        origination_prefixes: ['ALL'],
      })),
      price_unit: 'USD',
      url: `${PRICING_ORIGIN}/v2/Voice/Countries/${iso}`,
    })),
  )

  // Pricing API v1 for Messaging (`client.pricing.v1.messaging.countries(iso).fetch()`), mounted at `/v1/Messaging`.
  const messaging = pricingApi().get(
    '/Countries/:iso',
    countryRoute(smsPrices, (iso, country) => ({
      country: country.country,
      // The account rents no numbers in these countries: nothing to price for messages in.
      inbound_sms_prices: [],
      iso_country: iso,
      outbound_sms_prices: country.carriers.map((row) => ({
        carrier: row.carrier,
        mcc: row.mcc,
        mnc: row.mnc,
        prices: [{ base_price: price(row.perSegment), current_price: price(row.perSegment), number_type: 'mobile' }],
      })),
      price_unit: 'USD',
      url: `${PRICING_ORIGIN}/v1/Messaging/Countries/${iso}`,
    })),
  )

  const control: SimulatedPricing = {
    trouble(next) {
      trouble = next
    },
  }
  return { app, messaging, control }
}
