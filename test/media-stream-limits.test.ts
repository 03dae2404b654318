import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { speak } from '../src/sandbox/speech.js'
import { MULAW_SILENCE } from '../src/sandbox/twilio/mediaStream.js'
import { startTwilioSimulator, type TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  startFastRealtime,
  TWILIO,
  type WooStore,
} from './support/calling.js'
import { startTestService, type TestService } from './support/service.js'
import { until } from './support/wait.js'

/**
 * Strangers on the media stream (attack 5 of issue 12): a socket holds nothing and nobody's
 * attention until its `start` proves which call it is, and only briefly.
 */

const OPENAI_KEY = 'sk-test-stream-limits'
let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let woo: WooCommerceSimulator
let svc: CallingService
let store: WooStore

beforeAll(async () => {
  // Twilio at its real pace, so a ringing phone leaves time to race it to the stream.
  twilio = await startTwilioSimulator({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, fromNumbers: [TWILIO.from] })
  realtime = await startFastRealtime(OPENAI_KEY)
  woo = await startWooCommerceSimulator()
  // Behind the operator's proxy (TRUST_PROXY), so each test socket can come from an address of its own.
  svc = await startCallingService(
    twilio,
    { OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url, TRUST_PROXY: 'true' },
    { voiceTiming: { goodbyeGraceMs: 2_000 } },
  )
  store = await registerWooStore(svc, woo)
})
afterAll(async () => {
  await svc.close()
  await realtime.close()
  await twilio.close()
  await woo.close()
})

interface StrangerSocket {
  ws: WebSocket
  /** The close code, once the socket has closed. */
  closed: Promise<number>
  closeCode: number | undefined
}

/** A WebSocket to the service's media stream, opened as anyone on the internet can (from `address`, as the proxy says). */
async function openStream(service: TestService, address = '198.51.100.7'): Promise<StrangerSocket> {
  const ws = new WebSocket(`${service.url.replace(/^http/, 'ws')}/twilio/media-stream`, { headers: { 'x-forwarded-for': address } })
  const socket: StrangerSocket = {
    ws,
    closeCode: undefined,
    closed: new Promise((resolve) =>
      ws.once('close', (code) => {
        socket.closeCode = code
        resolve(code)
      }),
    ),
  }
  ws.on('error', () => undefined) // a refused socket's last write may fail; the close code says what happened
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
  })
  return socket
}

const connected = JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' })

/** Twilio-shaped caller audio: `audio` cut into 20 ms frames, then `silenceMs` of quiet. */
function mediaFrames(audio: Uint8Array, silenceMs: number): string[] {
  const all = new Uint8Array(audio.length + silenceMs * 8).fill(MULAW_SILENCE)
  all.set(audio)
  const frames: string[] = []
  for (let at = 0; at < all.length; at += 160)
    frames.push(
      JSON.stringify({
        event: 'media',
        streamSid: `MZ${'1'.repeat(32)}`,
        media: {
          track: 'inbound',
          chunk: String(frames.length + 1),
          timestamp: String(frames.length * 20),
          payload: Buffer.from(all.subarray(at, at + 160)).toString('base64'),
        },
      }),
    )
  return frames
}

describe('a media stream that has not proved which call it is', () => {
  it('is closed by the server when it never sends its start', async () => {
    const quick = await startTestService({}, { schedule: false, voiceTiming: { startTimeoutMs: 200 } })
    try {
      const socket = await openStream(quick)
      socket.ws.send(connected)
      expect(await socket.closed).toBe(1008)
    } finally {
      await quick.close()
    }
  })

  it('never gets audio it sent before its start to the model, even when the start is valid', async () => {
    // A real call, ringing for twenty seconds; its TwiML carries the stream's one-time token.
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human', ringMs: 20_000 }])
    await until(() => twilio.calls.some((c) => c.to === placed.phone && c.status === 'ringing'), 'the phone to ring')
    const call = twilio.calls.find((c) => c.to === placed.phone)!
    const twiml = String(call.params.Twiml)
    const parameter = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(twiml)![1]!

    const socket = await openStream(svc)
    try {
      socket.ws.send(connected)
      for (const frame of mediaFrames(speak('Po, e konfirmoj', 40), 800)) socket.ws.send(frame)
      socket.ws.send(
        JSON.stringify({
          event: 'start',
          sequenceNumber: '1',
          start: {
            accountSid: TWILIO.accountSid,
            streamSid: `MZ${'1'.repeat(32)}`,
            callSid: call.sid,
            tracks: ['inbound'],
            customParameters: { attemptId: parameter('attemptId'), token: parameter('token') },
          },
          streamSid: `MZ${'1'.repeat(32)}`,
        }),
      )
      const modelHeardIt = () => realtime.sessions.some((s) => s.heard.some((words) => words.includes('Po, e konfirmoj')))
      await until(() => socket.closeCode !== undefined || modelHeardIt(), 'the stream to be closed or the words to reach the model')
      expect(modelHeardIt()).toBe(false)
      expect(await socket.closed).toBe(1008)
      expect((await orderView(svc, placed.orderId)).outcome).toBeNull()
    } finally {
      socket.ws.terminate()
    }
  })

  it("is closed when it sends a message far larger than any of Twilio's", async () => {
    const socket = await openStream(svc)
    socket.ws.send(connected)
    socket.ws.send(JSON.stringify({ event: 'start', start: { customParameters: { pad: 'x'.repeat(1024 * 1024) } } }))
    expect(await socket.closed).toBe(1009)
  })

  it('is one of at most 16 waiting at once from one address, and streams from elsewhere still get in', async () => {
    const waiting = await Promise.all(Array.from({ length: 16 }, () => openStream(svc, '203.0.113.9')))
    for (const socket of waiting) socket.ws.send(connected)
    const oneTooMany = await openStream(svc, '203.0.113.9')
    expect(await oneTooMany.closed).toBe(1013)
    const elsewhere = await openStream(svc, '198.51.100.200')
    elsewhere.ws.send(connected)
    expect(waiting.every((socket) => socket.closeCode === undefined) && elsewhere.closeCode === undefined).toBe(true)
    for (const socket of [...waiting, elsewhere]) socket.ws.close(1000)
    await Promise.all([...waiting, elsewhere].map((socket) => socket.closed))
  })

  it('is one of at most 64 waiting at once, the next is turned away, and a real call still connects after they leave', async () => {
    const waiting = await Promise.all(Array.from({ length: 64 }, (_, i) => openStream(svc, `203.0.113.${i % 8}`)))
    for (const socket of waiting) socket.ws.send(connected)
    const oneTooMany = await openStream(svc)
    expect(await oneTooMany.closed).toBe(1013)
    expect(waiting.every((socket) => socket.closeCode === undefined)).toBe(true)

    for (const socket of waiting) socket.ws.close(1000)
    await Promise.all(waiting.map((socket) => socket.closed))
    const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 300, digit: '1' }] } }])
    await until(async () => (await orderView(svc, placed.orderId)).outcome !== null, 'the call to be answered', 15_000)
    expect(await orderView(svc, placed.orderId)).toMatchObject({ outcome: 'confirmed', evidence: 'Pressed 1 on the keypad to confirm.' })
  })
})
