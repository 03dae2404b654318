import { Hono } from 'hono'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTwilioClient, placeCall } from '../../calls/twilio.js'
import { serveOnLoopback } from '../loopback.js'
import { startTwilioSimulator, type TwilioSimulator } from './simulator.js'

const ACCOUNT = `AC${'4'.repeat(32)}`
const TOKEN = 'inbound-simulated-auth-token'
const NUMBER = '+35542000444'
const CUSTOMER = '+355691112233'

/** Our side: a Voice URL answering with what `answer` says, and a status callback; every request kept with whether its signature holds. */
const requests: Array<{ path: string; params: Record<string, string>; signed: boolean }> = []
let answer = '<Response><Say>Mirupafshim.</Say><Hangup/></Response>'
let ours: { origin: string; close(): Promise<void> }
let sim: TwilioSimulator

beforeAll(async () => {
  const app = new Hono()
  app.post('*', async (c) => {
    const params = Object.fromEntries(new URLSearchParams(await c.req.text()))
    const signed = twilio.validateRequest(TOKEN, c.req.header('x-twilio-signature') ?? '', `${ours.origin}${c.req.path}`, params)
    requests.push({ path: c.req.path, params, signed })
    return c.req.path === '/voice' ? c.body(answer, 200, { 'content-type': 'text/xml' }) : c.body(null, 204)
  })
  ours = await serveOnLoopback(app)
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [NUMBER], timeScale: 0.01 })
  sim.inbound.configure({ voiceUrl: `${ours.origin}/voice`, statusCallback: `${ours.origin}/status` }, NUMBER)
})
afterAll(async () => {
  await sim.close()
  await ours.close()
})

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('a customer ringing one of the account’s numbers', () => {
  it('asks its Voice URL, signed, with Twilio’s parameters for an incoming call, plays the <Say> it is given, hangs up, and reports the end', async () => {
    const call = await sim.inbound.call(CUSTOMER, NUMBER)
    const voice = requests.find((r) => r.path === '/voice' && r.params.CallSid === call.sid)!
    expect(voice.signed).toBe(true)
    expect(voice.params).toMatchObject({
      AccountSid: ACCOUNT,
      ApiVersion: '2010-04-01',
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: CUSTOMER,
      Caller: CUSTOMER,
      To: NUMBER,
      Called: NUMBER,
      FromCountry: 'AL',
      ToCountry: 'AL',
    })
    await until(() => requests.some((r) => r.path === '/status' && r.params.CallSid === call.sid))
    const status = requests.find((r) => r.path === '/status' && r.params.CallSid === call.sid)!
    expect(status).toMatchObject({ signed: true, params: { CallStatus: 'completed', Direction: 'inbound', From: CUSTOMER, To: NUMBER } })
    expect(call).toMatchObject({ status: 'completed', direction: 'inbound', stream: undefined })
    // Twilio's REST API shows it as the incoming call it was.
    const fetched = await createTwilioClient({ accountSid: ACCOUNT, authToken: TOKEN, fromNumber: NUMBER, apiOrigin: sim.origin })
      .calls(call.sid)
      .fetch()
    expect(fetched).toMatchObject({ direction: 'inbound', from: CUSTOMER, to: NUMBER, status: 'completed' })
  })

  it('is hung up with Twilio’s application error (12100) when the Voice URL answers with something that is not TwiML', async () => {
    answer = 'not TwiML'
    try {
      const call = await sim.inbound.call(CUSTOMER, NUMBER)
      await until(() => call.endedAt !== null)
      expect(call.errors).toEqual([12100])
    } finally {
      answer = '<Response><Say>Mirupafshim.</Say><Hangup/></Response>'
    }
  })

  it('rings back a call of ours it missed, from the number we called, to the number we called from', async () => {
    const missedBy = '+355691112244'
    sim.script(missedBy, { kind: 'no-answer' })
    sim.inbound.ringBackWhenMissed(missedBy, { kind: 'human' }, 50)
    const account = { accountSid: ACCOUNT, authToken: TOKEN, fromNumber: NUMBER, apiOrigin: sim.origin }
    await placeCall(createTwilioClient(account), account, {
      to: missedBy,
      attemptId: 'att_ringback',
      streamToken: 'token',
      streamKey: 'att_ringback.key',
      publicUrl: ours.origin,
    })
    await until(() => sim.inbound.calls.some((c) => c.from === missedBy))
    const ringBack = sim.inbound.calls.find((c) => c.from === missedBy)!
    expect(ringBack).toMatchObject({ to: NUMBER, direction: 'inbound' })
    expect(sim.calls.find((c) => c.to === missedBy)!.status).toBe('no-answer')
  })
})
