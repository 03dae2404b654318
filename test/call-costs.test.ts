import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_PRICES } from '../src/config.js'
import { modelCost, type UsageTotals } from '../src/domain/callCost.js'
import { speak } from '../src/sandbox/speech.js'
import { SIMULATED_VOICE_PRICES } from '../src/sandbox/twilio/pricing.js'
import { callThrough, startVoiceWorld, type VoiceWorld } from './support/calling.js'

let world: VoiceWorld

beforeAll(async () => {
  world = await startVoiceWorld({
    realtime: { msPerChar: 10, firstAudioMs: 0 },
    service: { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000, helloWaitMs: 0 } },
  })
})
afterAll(() => world.close())

const ALBANIAN_MOBILE = SIMULATED_VOICE_PRICES.AL!.outbound.find((row) => row.friendlyName.endsWith('Albania - Mobile'))!.perMinute

describe('the cost of a call', () => {
  it("prices a confirmed call to an Albanian mobile at Twilio's Albanian rate, and the dashboard's cost per confirmed order with it", async () => {
    const before = world.twilio.requests.length
    const { order, phone } = await callThrough(world, { speech: [{ atMs: 3_000, audio: speak('Po, e konfirmoj', 40) }] })
    expect(phone).toMatch(/^\+3556\d{8}$/)
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    const [attempt] = order.attempts
    const minutes = Math.ceil(attempt.durationSeconds / 60)
    expect(minutes).toBeGreaterThan(0)
    const model = modelCost(attempt.usage as UsageTotals, DEFAULT_PRICES)
    // Twilio was asked what a minute to this number costs, from our caller ID.
    expect(world.twilio.requests.slice(before).filter((r) => r.path === `/v2/Voice/Numbers/${phone}`)).toEqual([
      expect.objectContaining({ method: 'GET', status: 200 }),
    ])
    expect(attempt.costUsd).toBeCloseTo(model + minutes * (ALBANIAN_MOBILE + DEFAULT_PRICES.streamPerMinute), 6)
    expect(attempt.costUsd).toBeGreaterThan(model + minutes * 10 * (DEFAULT_PRICES.telephonyPerMinute + DEFAULT_PRICES.streamPerMinute))
    const stats = (await world.svc.api('GET', '/api/stats')).body
    expect(stats.outcomes.confirmed).toBe(1)
    expect(stats.costPerConfirmedUsd).toBeCloseTo(attempt.costUsd, 4)
  })
})
