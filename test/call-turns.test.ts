import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeWritesSettled } from '../src/orders/views.js'
import { speak } from '../src/sandbox/speech.js'
import type { CustomerScript } from '../src/sandbox/twilio/mediaStream.js'
import { VOICE_TIMING } from '../src/voice/callBridge.js'
import { callThrough, heardOn, orderView, startVoiceWorld, type VoiceWorld } from './support/calling.js'
import { until } from './support/wait.js'

/** Real callers and a real model's timing: the greeting at pickup, the words behind an answer, a change of mind. */

let world: VoiceWorld
beforeAll(async () => {
  // The production timings, but for the silence prompt and the goodbye backstop; the model fast (10 ms a character).
  world = await startVoiceWorld({
    realtime: { msPerChar: 10, firstAudioMs: 0 },
    service: { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000 } },
    store: { retryDelaysMinutes: [30] },
  })
})
afterAll(() => world.close())

const words = (text: string) => ({ say: speak(text, 40) })
const call = (script: CustomerScript) => callThrough(world, script)

const GREETING_END = 'Shtypni 1 për ta konfirmuar ose 2 për ta anuluar.'

describe('picking up', () => {
  it('waits for the callee\'s "Alo?" and answers it with the whole greeting', async () => {
    const { order, simulated, session } = await call({ speech: [{ atMs: 300, audio: speak('Alo?', 40) }], turns: [words('Po, e konfirmoj')] })
    // The greeting began after "Alo?" and nothing cut it short.
    expect(simulated.stream!.firstAudioAt!).toBeGreaterThan(300 + 'Alo?'.length * 40)
    expect(simulated.stream!.clears).toBe(0)
    expect(heardOn(simulated)).toContain(GREETING_END)
    // "Alo?" is a hello: the model's first response was the greeting, and the answer came from the customer's next words.
    expect(session!.responses[0]!.said).toMatch(/^Përshëndetje/)
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.evidence).toContain('Po, e konfirmoj')
  })

  it('greets a callee who says nothing once the wait for their hello is over', async () => {
    const { order, simulated } = await call({ turns: [words('Po, e konfirmoj')] })
    expect(simulated.stream!.firstAudioAt!).toBeGreaterThanOrEqual(VOICE_TIMING.helloWaitMs - 100)
    expect(heardOn(simulated)).toContain(GREETING_END)
    expect(order.outcome).toBe('confirmed')
  })
})

describe('a change of mind after asking for a callback', () => {
  it('"Call me at 18:00… no, wait, I confirm": the confirmation counts, and the order is not called again', async () => {
    const { order } = await call({
      turns: [words('Jam në punë, më telefononi më vonë në 18:00'), { ...words('Jo, prit, e konfirmoj'), bargeInMs: 400 }],
    })
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed', nextCallAt: null })
    expect(order.evidence).toContain('“Jo, prit, e konfirmoj”')
    expect(order.evidence).toMatch(
      / Before that: Asked to be called back on \w+ \d+, \d{4} at 18:00: “Jam në punë, më telefononi më vonë në 18:00”\.$/,
    )
  })
})

describe('the words behind an answer', () => {
  it('quotes the words that led to the answer when their transcription arrives after the tool call', async () => {
    world.realtime.transcribeLate(600)
    try {
      const { order, session } = await call({ turns: [words('Po, e konfirmoj')] })
      expect(session!.responses.flatMap((r) => r.calls)).toContain('confirm_order')
      expect(order).toMatchObject({ status: 'done', outcome: 'confirmed', evidence: 'Confirmed on the call: “Po, e konfirmoj”.' })
    } finally {
      world.realtime.transcribeLate(undefined)
    }
  })

  it('quotes the turn the answer came from, not the words before it', async () => {
    world.realtime.transcribeLate(600)
    try {
      // "Prit pak" is heard and answered first; the cancellation's own words arrive after its tool call.
      const { order } = await call({ turns: [words('Prit pak, kush është?'), words('Jo, nuk e dua më')] })
      expect(order).toMatchObject({ status: 'done', outcome: 'cancelled' })
      expect(order.evidence).toContain('The customer said “Jo, nuk e dua më”.')
      expect(order.evidence).not.toContain('Prit pak')
    } finally {
      world.realtime.transcribeLate(undefined)
    }
  })
})

describe('a change of mind', () => {
  it('"Po… jo, anuloje": the later answer counts, and the evidence keeps both', async () => {
    const { order, simulated, session, platformOrderId } = await call({
      turns: [words('Po, e konfirmoj'), { ...words('Jo, prit, anuloje!'), bargeInMs: 400 }],
    })
    expect(session!.responses.flatMap((r) => r.calls)).toEqual(expect.arrayContaining(['confirm_order', 'cancel_order']))
    expect(order).toMatchObject({ status: 'done', outcome: 'cancelled' })
    expect(order.evidence).toContain('Jo, prit, anuloje!')
    expect(order.evidence).toContain('Before that: Confirmed on the call: “Po, e konfirmoj”.')
    // After the new answer, a goodbye again, heard to its end before the line dropped.
    expect(heardOn(simulated)).toMatch(/Mirupafshim!$/)
    expect(order.attempts[0]).toMatchObject({ endReason: 'agent_ended' })
    // The store was told once, with the final answer.
    await until(async () => storeWritesSettled(await orderView(world.svc, order.id)), 'the store write', 10_000)
    expect(world.woo.order(platformOrderId)!.meta_data.find((m) => m.key === '_callconfirm_outcome')!.value).toBe('cancelled')
    expect(world.woo.notes(platformOrderId)).toEqual([expect.objectContaining({ note: expect.stringContaining('Jo, prit, anuloje!') })])
  })
})
