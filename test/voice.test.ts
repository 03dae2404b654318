import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callAttempts } from '../src/db/schema.js'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import type { CustomerScript } from '../src/sandbox/twilio/mediaStream.js'
import { type CallingService, callThrough, heardOn, startVoiceWorld, type VoiceWorld } from './support/calling.js'
import { until } from './support/wait.js'

let world: VoiceWorld
let realtime: RealtimeSimulator
let svc: CallingService

beforeAll(async () => {
  world = await startVoiceWorld({
    realtime: { msPerChar: 10, firstAudioMs: 0 },
    // Greeting at pickup: these scripts speak at fixed times after it (test/call-turns.test.ts waits for the callee's "Alo?").
    service: { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000, helloWaitMs: 0 } },
    store: { retryDelaysMinutes: [30] },
  })
  ;({ realtime, svc } = world)
})
afterAll(() => world.close())

/** The customer says `text` this many milliseconds into the call (after the greeting, typically). */
const says = (text: string, atMs: number) => ({ atMs, audio: speak(text, 40) })

const call = (script: CustomerScript, extra: { hangUpAfterMs?: number } = {}) => callThrough(world, script, extra)

// The greeting lasts about 2.5 s at the simulated model's pace; answers come after it.
const AFTER_GREETING = 3_000

describe('the voice agent', () => {
  it('greets naming the shop and order, hears "yes", records it with the customer\'s words, says goodbye, then hangs up', async () => {
    const { order, simulated } = await call({ speech: [says('Po, e konfirmoj', AFTER_GREETING)] })
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.evidence).toContain('Po, e konfirmoj')
    const [attempt] = order.attempts
    expect(attempt).toMatchObject({ status: 'completed', endReason: 'agent_ended' })
    // How soon the greeting starts is recorded per call; `npm run bench:dial` measures it (no timed assertions here).
    expect(attempt.greetingMs).toEqual(expect.any(Number))
    // The customer heard the shop's name and the order number, and the whole goodbye.
    expect(heardOn(simulated)).toContain('Dyqani Lule')
    expect(heardOn(simulated)).toContain(`porosinë ${order.name}`)
    expect(heardOn(simulated)).toContain('Mirupafshim!')
    // We hung up (the stream ended from Twilio's side after our REST call), not the customer.
    expect(simulated.stream!.closedBy).toBe('twilio')
    expect(order.transcript.map((t: { speaker: string }) => t.speaker)).toEqual(expect.arrayContaining(['agent', 'customer', 'system']))
    expect(order.transcript.find((t: { speaker: string }) => t.speaker === 'customer').text).toBe('Po, e konfirmoj')
    expect(attempt.usage.outputAudio).toBeGreaterThan(0)
    expect(order.costUsd).toBeGreaterThan(0)
  })

  it("hangs up after the goodbye's last audio when the model never calls end_call, without asking whether the customer is there", async () => {
    realtime.setHabits({ neverEndCall: true })
    try {
      const before = realtime.sessions.length
      const { order, simulated } = await call({ speech: [says('Po, e konfirmoj', AFTER_GREETING)] })
      expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
      const session = realtime.sessions.slice(before).find((s) => s.heard.includes('Po, e konfirmoj'))!
      // The model said goodbye and never called end_call; nothing was asked of it after the goodbye.
      expect(session.responses.flatMap((r) => r.calls)).toEqual(['confirm_order'])
      expect(session.responses.at(-1)).toMatchObject({ said: 'Faleminderit. Mirupafshim!', status: 'completed' })
      // The customer heard the whole goodbye and was never asked whether they were there.
      expect(heardOn(simulated)).toContain('Mirupafshim!')
      expect(heardOn(simulated)).not.toContain('A më dëgjoni?')
      // We hung up (the goodbye's end, not the silence guard nor the goodbye backstop).
      expect(order.attempts[0]).toMatchObject({ status: 'completed', endReason: 'agent_ended' })
      expect(simulated.stream!.closedBy).toBe('twilio')
      expect(simulated.stream!.clears).toBe(0)
      // The goodbye's last end mark was echoed (its audio played) before the line dropped, and the hang-up followed it at once.
      const lastEnd = simulated.stream!.marks.filter((m) => m.name.endsWith(':end')).at(-1)!
      expect(lastEnd.echoedAt).toEqual(expect.any(Number))
      expect(lastEnd.echoedAt!).toBeLessThanOrEqual(simulated.stream!.endedAtMs!)
      expect(simulated.stream!.endedAtMs! - lastEnd.echoedAt!).toBeLessThan(1_000)
    } finally {
      realtime.setHabits({})
    }
  })

  it('records a cancellation with the reason the customer gave', async () => {
    const { order } = await call({ speech: [says('Jo, nuk e dua më', AFTER_GREETING)] })
    expect(order).toMatchObject({ status: 'done', outcome: 'cancelled' })
    expect(order.evidence).toContain('Jo, nuk e dua më')
  })

  it('takes a key press as the answer: 1 confirms, even during the greeting', async () => {
    const { order, simulated } = await call({ dtmf: [{ atMs: 800, digit: '1' }] })
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed', evidence: 'Pressed 1 on the keypad to confirm.' })
    // The greeting stopped when the key was pressed.
    expect(simulated.stream!.clears).toBeGreaterThan(0)
    expect(order.transcript.some((t: { text: string }) => t.text === 'Pressed 1 on the keypad')).toBe(true)
  })

  it('after a key press, none of the interrupted greeting still arriving from the model reaches the phone', async () => {
    realtime.sendDeltasAfterCancel(5)
    try {
      const before = realtime.sessions.length
      // Early in the greeting, while the model is still sending it.
      const { order, simulated } = await call({ dtmf: [{ atMs: 200, digit: '1' }] })
      expect(order.outcome).toBe('confirmed')
      const session = realtime.sessions.slice(before).find((s) => s.responses.length > 0)!
      expect(session.responses[0]).toMatchObject({ status: 'cancelled' })
      // After Twilio cleared the greeting, it was sent the audio of the later responses and nothing else.
      const messages = simulated.stream!.received
      const afterClear = messages.slice(messages.findIndex((m) => m.event === 'clear')).filter((m) => m.event === 'media')
      const later = session.responses.slice(1).reduce((n, r) => n + r.deltas, 0)
      expect(afterClear.length).toBe(later)
    } finally {
      realtime.sendDeltasAfterCancel(0)
    }
  })

  it('2 on the keypad cancels', async () => {
    const { order } = await call({ dtmf: [{ atMs: AFTER_GREETING, digit: '2' }] })
    expect(order).toMatchObject({ outcome: 'cancelled', evidence: 'Pressed 2 on the keypad to cancel.' })
  })

  it("stops talking when interrupted: clears Twilio's audio and tells the model how much was heard", async () => {
    const { order, simulated } = await call({ speech: [says('Prit pak', 1_000), says('Po', AFTER_GREETING + 1_000)] })
    expect(order.outcome).toBe('confirmed')
    expect(simulated.stream!.clears).toBeGreaterThan(0)
    const session = realtime.sessions.find((s) => s.heard.includes('Prit pak'))!
    const [truncation] = session.truncations
    expect(truncation).toMatchObject({ accepted: true })
    // The model is told what the customer actually heard of the greeting when Twilio cleared it
    // (8 bytes a millisecond), within a frame or two, not what was sent.
    const heardMs = simulated.stream!.clearsAt[0]!.playedBytes / 8
    expect(heardMs).toBeGreaterThan(800)
    expect(Math.abs(truncation!.audio_end_ms - heardMs)).toBeLessThan(60)
    expect(simulated.stream!.receivedAudioBytes / 8).toBeGreaterThan(truncation!.audio_end_ms + 500)
  })

  it('calls back when asked, at the time asked for, with no outcome yet', async () => {
    const { order } = await call({ speech: [says('Më telefononi më vonë në 17:00', AFTER_GREETING)] })
    expect(order).toMatchObject({ status: 'queued', outcome: null })
    expect(order.evidence).toContain('17:00')
    expect(new Date(order.nextCallAt).getTime()).toBeGreaterThan(Date.now())
    expect(await svc.deps.metrics.registry.getSingleMetricAsString('callconfirm_callbacks_scheduled_total')).toMatch(
      /^callconfirm_callbacks_scheduled_total 1$/m,
    )
  })

  it('asks once whether the customer is there, then says goodbye and asks a person to look', async () => {
    const { order } = await call({})
    expect(order).toMatchObject({ status: 'done', outcome: 'needs_review' })
    expect(order.attempts[0].endReason).toBe('silence')
    const session = realtime.sessions.at(-1)!
    expect(session.received.filter((t) => t === 'response.create').length).toBeGreaterThanOrEqual(3)
  })

  it("asks whether the customer is there and says goodbye in the customer's language, never replacing the agent's instructions", async () => {
    const before = realtime.sessions.length
    const { order, simulated } = await call({})
    expect(order.outcome).toBe('needs_review')
    expect(heardOn(simulated)).toContain('A më dëgjoni?')
    expect(heardOn(simulated)).toContain('Mirupafshim!')
    expect(heardOn(simulated)).not.toContain('Goodbye')
    const session = realtime.sessions.slice(before).find((s) => s.responseCreates.length > 0)!
    expect(session.responseCreates.length).toBeGreaterThanOrEqual(3)
    for (const create of session.responseCreates) expect(create.instructions).toBeUndefined()
  })

  it('when the customer hangs up mid-call, closes the agent and calls again later', async () => {
    const { order } = await call({}, { hangUpAfterMs: 1_000 })
    expect(order).toMatchObject({ status: 'queued', outcome: null })
    expect(order.attempts[0]).toMatchObject({ endReason: 'customer_hung_up' })
  })

  it('when OpenAI cannot be reached, ends the call and calls again later', async () => {
    realtime.refuseConnections(true)
    try {
      const { order, simulated } = await call({})
      expect(order).toMatchObject({ status: 'queued', outcome: null })
      expect(order.attempts[0]).toMatchObject({ endReason: 'agent_failed', status: 'completed' })
      expect(simulated.endedAt! - simulated.answeredAt!).toBeLessThan(10_000)
    } finally {
      realtime.refuseConnections(false)
    }
  })

  it('when OpenAI drops mid-call, ends the call and calls again later', async () => {
    realtime.dropSessionsAfter(1_200)
    try {
      const { order } = await call({ speech: [says('Po', AFTER_GREETING)] })
      expect(order).toMatchObject({ status: 'queued', outcome: null })
      expect(order.attempts[0].endReason).toBe('agent_failed')
    } finally {
      realtime.dropSessionsAfter(undefined)
    }
  })

  it('asks again when a response fails, and the call goes on', async () => {
    realtime.failNextResponses(1, { status: 'failed', error: { type: 'server_error' } })
    const { order, simulated } = await call({ speech: [says('Po', AFTER_GREETING)] })
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(heardOn(simulated)).toContain('Dyqani Lule')
    const session = realtime.sessions.find((s) => s.responses[0]?.status === 'failed')!
    expect(session.responses[1]).toMatchObject({ status: 'completed' })
  })

  it('when the model is rate limited twice, hangs up at once, names the rate limit and calls again later', async () => {
    realtime.failNextResponses(2, { error: 'rate_limit_exceeded' })
    const { order, simulated } = await call({})
    expect(order).toMatchObject({ status: 'queued', outcome: null })
    expect(order.attempts[0]).toMatchObject({ endReason: 'agent_failed', status: 'completed' })
    expect(order.attempts[0].error).toContain('rate_limit_exceeded')
    expect(simulated.endedAt! - simulated.answeredAt!).toBeLessThan(5_000)
  })

  it('when responses keep failing after the customer answered, the answer stands', async () => {
    const before = realtime.sessions.length
    const calling = call({ dtmf: [{ atMs: 800, digit: '1' }] })
    // The greeting is under way; what follows the key press (the goodbye, and its retry) fails.
    await until(() => (realtime.sessions[before]?.responses.length ?? 0) > 0, 'the greeting')
    realtime.failNextResponses(2, { status: 'incomplete', reason: 'content_filter' })
    const { order } = await calling
    expect(order).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(order.attempts[0]).toMatchObject({ endReason: 'agent_failed' })
    expect(order.attempts[0].error).toContain('content_filter')
  })

  it('when responses keep failing after the customer spoke, before an answer was recorded, a person looks instead of a second call', async () => {
    const before = realtime.sessions.length
    const calling = call({ speech: [says('Po, e konfirmoj', AFTER_GREETING)] })
    // The greeting plays whole; the answer to the customer's words, and its retry, fail.
    await until(() => realtime.sessions[before]?.responses[0]?.status === 'completed', 'the greeting')
    realtime.failNextResponses(2, { status: 'failed', error: { type: 'server_error' } })
    const { order } = await calling
    expect(order).toMatchObject({ status: 'done', outcome: 'needs_review' })
    expect(order.evidence).toBe('The customer answered, but the agent failed before recording it: “Po, e konfirmoj”.')
    expect(order.attempts).toHaveLength(1)
    expect(order.attempts[0]).toMatchObject({ endReason: 'agent_failed' })
  })

  it('leaves no Realtime socket open after its calls', async () => {
    await until(() => realtime.sessions.every((s) => s.closed), 'every session to close')
    const attempts = svc.deps.db.select().from(callAttempts).all()
    expect(attempts.filter((a) => a.streamState === 'closed').length).toBeGreaterThan(5)
    expect(attempts.every((a) => a.streamState !== 'open')).toBe(true)
  })
})
