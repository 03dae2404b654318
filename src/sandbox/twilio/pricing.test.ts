import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTwilioClient, twilioErrorCode, twilioHttpStatus } from '../../calls/twilio.js'
import { startTwilioSimulator, type TwilioSimulator } from './simulator.js'

const ACCOUNT = `AC${'8'.repeat(32)}`
const TOKEN = 'pricing-sim-auth-token'
const FROM = '+35542000000'

let sim: TwilioSimulator
let client: ReturnType<typeof createTwilioClient>

beforeAll(async () => {
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [FROM] })
  client = createTwilioClient({ accountSid: ACCOUNT, authToken: TOKEN, fromNumber: FROM, apiOrigin: sim.origin })
})
afterAll(() => sim.close())

/** The error the SDK threw: HTTP status and Twilio's code. */
const refusal = (request: Promise<unknown>) =>
  request.then(
    () => 'answered',
    (error: unknown) => ({ status: twilioHttpStatus(error), code: twilioErrorCode(error) }),
  )

describe("the simulated account's Pricing API, read through the twilio SDK", () => {
  it("prices a number by its country's longest matching prefix, from the caller ID asked about", async () => {
    const mobile = await client.pricing.v2.voice.numbers('+355691234567').fetch({ originationNumber: FROM })
    expect(mobile.toJSON()).toMatchObject({
      destinationNumber: '+355691234567',
      originationNumber: FROM,
      country: 'Albania',
      isoCountry: 'AL',
      outboundCallPrices: [{ basePrice: '0.4130', currentPrice: '0.4130', originationPrefixes: ['ALL'] }],
      priceUnit: 'USD',
      url: 'https://pricing.twilio.com/v2/Voice/Numbers/+355691234567',
    })
    const landline = await client.pricing.v2.voice.numbers('+38338123456').fetch()
    expect(landline).toMatchObject({ isoCountry: 'XK', originationNumber: null, outboundCallPrices: [{ currentPrice: '0.2450' }] })
  })

  it("lists a country's prices by prefix, mobiles apart", async () => {
    const albania = await client.pricing.v2.voice.countries('AL').fetch()
    expect(albania.outboundPrefixPrices).toEqual([
      expect.objectContaining({ friendlyName: 'Programmable Outbound Minute - Albania', destinationPrefixes: ['355'], currentPrice: '0.2040' }),
      expect.objectContaining({
        friendlyName: 'Programmable Outbound Minute - Albania - Mobile',
        destinationPrefixes: ['35566', '35567', '35568', '35569'],
        originationPrefixes: ['ALL'],
        basePrice: '0.4130',
      }),
    ])
    expect(albania).toMatchObject({ country: 'Albania', isoCountry: 'AL', inboundCallPrices: [], priceUnit: 'USD' })
  })

  it("refuses as Twilio does: a malformed number, a number that does not exist, someone else's credentials, a bad day", async () => {
    expect(await refusal(client.pricing.v2.voice.numbers('355-69-123').fetch())).toEqual({ status: 400, code: 21211 })
    expect(await refusal(client.pricing.v2.voice.numbers('+3556912').fetch())).toEqual({ status: 404, code: 20404 })
    expect(await refusal(client.pricing.v2.voice.countries('ZZ').fetch())).toEqual({ status: 404, code: 20404 })
    const stranger = createTwilioClient({ accountSid: ACCOUNT, authToken: 'not-the-token', fromNumber: FROM, apiOrigin: sim.origin })
    expect(await refusal(stranger.pricing.v2.voice.numbers('+355691234567').fetch())).toEqual({ status: 401, code: 20003 })
    sim.pricing.trouble({ status: 503 })
    try {
      expect(await refusal(client.pricing.v2.voice.countries('XK').fetch())).toEqual({ status: 503, code: 20500 })
    } finally {
      sim.pricing.trouble(null)
    }
    expect(await client.pricing.v2.voice.countries('XK').fetch()).toMatchObject({ isoCountry: 'XK' })
  })
})
