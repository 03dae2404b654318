import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SIMULATED_VOICE_PRICES } from '../sandbox/twilio/pricing.js'
import { startTwilioSimulator, type TwilioSimulator } from '../sandbox/twilio/simulator.js'
import { createLogger } from '../utils/log.js'
import { createVoicePrices, type VoicePrices } from './pricing.js'
import { createTwilioClient, type TwilioAccount } from './twilio.js'

const ACCOUNT = `AC${'7'.repeat(32)}`
const TOKEN = 'pricing-test-auth-token'
const FROM = '+35542000000'
const FALLBACK = 0.014
const HOUR = 3600 * 1000

const rate = (iso: string, friendlyName: string) =>
  SIMULATED_VOICE_PRICES[iso]!.outbound.find((row) => row.friendlyName.endsWith(friendlyName))!.perMinute
const ALBANIAN_MOBILE = rate('AL', 'Albania - Mobile')
const ALBANIAN_LANDLINE = rate('AL', 'Albania')
const KOSOVAR_MOBILE = rate('XK', 'Kosovo - Mobile')

let sim: TwilioSimulator
let twilio: { client: ReturnType<typeof createTwilioClient>; account: TwilioAccount }
let clock: { at: number }
let prices: VoicePrices

beforeAll(async () => {
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [FROM] })
  const account = { accountSid: ACCOUNT, authToken: TOKEN, fromNumber: FROM, apiOrigin: sim.origin }
  twilio = { client: createTwilioClient(account), account }
})
afterAll(() => sim.close())

beforeEach(() => {
  sim.pricing.trouble(null)
  clock = { at: Date.parse('2026-12-01T12:00:00Z') }
  prices = createVoicePrices({ twilio, fallbackPerMinute: FALLBACK, log: createLogger('silent'), now: () => clock.at, waitMs: 300 })
})

/** The Pricing API requests the simulated Twilio has answered since `from`. */
const pricingRequests = (from: number) => sim.requests.slice(from).filter((r) => r.path.startsWith('/v2/Voice/'))

describe("a minute's price by destination, from Twilio's Pricing API", () => {
  it("prices a call to an Albanian mobile at Twilio's Albanian mobile rate, not the US one", async () => {
    const before = sim.requests.length
    expect(await prices.perMinute('+355691234567')).toBe(ALBANIAN_MOBILE)
    expect(await prices.perMinute('+35542234567')).toBe(ALBANIAN_LANDLINE)
    expect(await prices.perMinute('+38344123456')).toBe(KOSOVAR_MOBILE)
    expect(ALBANIAN_MOBILE).toBeGreaterThan(10 * FALLBACK)
    expect(pricingRequests(before).map((r) => [r.path, r.status])).toEqual([
      ['/v2/Voice/Numbers/+355691234567', 200],
      ['/v2/Voice/Numbers/+35542234567', 200],
      ['/v2/Voice/Numbers/+38344123456', 200],
    ])
  })

  it('asks Twilio once a day for calls to the same country and kind of line', async () => {
    const before = sim.requests.length
    await Promise.all([prices.perMinute('+355691234567'), prices.perMinute('+355682123456')])
    expect(await prices.perMinute('+355672123456')).toBe(ALBANIAN_MOBILE)
    expect(pricingRequests(before)).toHaveLength(1)
    clock.at += 25 * HOUR
    expect(await prices.perMinute('+355691234567')).toBe(ALBANIAN_MOBILE)
    expect(pricingRequests(before)).toHaveLength(2)
  })

  it("takes the configured rate while Twilio's Pricing API fails, and asks again a few minutes later", async () => {
    sim.pricing.trouble({ status: 503 })
    const before = sim.requests.length
    expect(await prices.perMinute('+355691234567')).toBe(FALLBACK)
    sim.pricing.trouble(null)
    // Within the retry pause the failure is not asked again for every call.
    expect(await prices.perMinute('+355691234567')).toBe(FALLBACK)
    expect(pricingRequests(before).map((r) => r.status)).toEqual([503])
    clock.at += 6 * 60 * 1000
    expect(await prices.perMinute('+355691234567')).toBe(ALBANIAN_MOBILE)
    expect(pricingRequests(before).map((r) => r.status)).toEqual([503, 200])
  })

  it("says why in the log, naming the destination's country and kind of line, never the customer's number", async () => {
    const warnings: unknown[] = []
    const log = { ...createLogger('silent'), warn: (msg: string, fields?: object) => void warnings.push({ msg, ...fields }) }
    const greek = createVoicePrices({ twilio, fallbackPerMinute: FALLBACK, log, now: () => clock.at })
    // The simulated account has no Greek prices: Twilio's 404 names the number it was asked about.
    expect(await greek.perMinute('+306912345678')).toBe(FALLBACK)
    expect(warnings).toEqual([expect.objectContaining({ destination: 'GR:MOBILE', status: 404, code: 20404 })])
    expect(JSON.stringify(warnings)).not.toContain('6912345678')
  })

  it('does not hold a call up while Twilio is slow to answer, and uses the price once it arrives', async () => {
    sim.pricing.trouble({ delayMs: 1_000 })
    const started = Date.now()
    expect(await prices.perMinute('+38344123456')).toBe(FALLBACK)
    expect(Date.now() - started).toBeLessThan(900)
    sim.pricing.trouble(null)
    const before = sim.requests.length
    await new Promise((r) => setTimeout(r, 1_000))
    expect(await prices.perMinute('+38349123456')).toBe(KOSOVAR_MOBILE)
    expect(pricingRequests(before)).toHaveLength(1) // the slow one, answered late; no second request
  })
})
