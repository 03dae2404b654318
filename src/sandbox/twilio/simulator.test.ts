import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  accountFacts,
  callsTo,
  createTwilioClient,
  deleteCallRecordings,
  fetchCall,
  hangUp,
  placeCall,
  type TwilioAccount,
  twilioErrorCode,
} from '../../calls/twilio.js'
import { MULAW_TO_LINEAR, speak } from '../speech.js'
import type { CustomerScript } from './mediaStream.js'
import { startTwilioSimulator, type TwilioSimulator } from './simulator.js'

const ACCOUNT = `AC${'1'.repeat(32)}`
const TOKEN = 'simulated-auth-token'
const FROM = '+35542000000'

/** Our side of Twilio: a callback receiver and a media-stream WebSocket server on loopback. */
let receiver: Server
let publicUrl: string
const callbacks: Array<{ path: string; params: Record<string, string>; valid: boolean }> = []
const streams: Array<{ messages: Array<Record<string, any>>; socket: WebSocket }> = []
let sim: TwilioSimulator
let account: TwilioAccount

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body))
      const url = `${publicUrl}${req.url}`
      callbacks.push({ path: req.url!, params, valid: twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature']), url, params) })
      res.writeHead(204).end()
    })
  })
  // Every call's stream comes to /twilio/media-stream/<key>.
  const wss = new WebSocketServer({
    server: receiver,
    verifyClient: ({ req }: { req: { url?: string } }) => req.url!.startsWith('/twilio/media-stream/'),
  })
  wss.on('connection', (socket) => {
    const record = { messages: [] as Array<Record<string, any>>, socket }
    streams.push(record)
    socket.on('message', (m) => record.messages.push(JSON.parse(m.toString())))
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  publicUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  sim = await startTwilioSimulator({
    accountSid: ACCOUNT,
    authToken: TOKEN,
    fromNumbers: [FROM],
    allowedCallingCodes: ['355', '383'],
    timeScale: 0.01,
  })
  account = { accountSid: ACCOUNT, authToken: TOKEN, fromNumber: FROM, apiOrigin: sim.origin }
})
afterAll(async () => {
  await sim.close()
  await new Promise((r) => receiver.close(r))
})

describe('the Twilio simulator, driven by the twilio SDK', () => {
  it('places a call, answers it, streams it, and reports every stage with a valid signature', async () => {
    sim.script('+38344123456', { kind: 'human', ringMs: 100 })
    const client = createTwilioClient(account)
    const state = await placeCall(client, account, { to: '+38344123456', attemptId: 'att_1', streamKey: 'key', streamToken: 'tok_1', publicUrl })
    expect(state).toMatchObject({ sid: expect.stringMatching(/^CA[0-9a-f]{32}$/), status: 'queued' })

    await until(() => streams.length === 1 && streams[0]!.messages.some((m) => m.event === 'media'))
    const [connected, start, media] = streams[0]!.messages as [Record<string, any>, Record<string, any>, Record<string, any>]
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    expect(start).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: ACCOUNT,
        callSid: state.sid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: { attemptId: 'att_1', token: 'tok_1' },
      },
    })
    expect(start.streamSid).toMatch(/^MZ[0-9a-f]{32}$/)
    expect(media).toMatchObject({ event: 'media', sequenceNumber: '2', media: { track: 'inbound', chunk: '1', timestamp: '0' } })
    expect(Buffer.from(media.media.payload, 'base64')).toHaveLength(160)

    await until(() => callbacks.some((c) => c.params.CallSid === state.sid && c.path.startsWith('/twilio/amd/')))
    expect((await fetchCall(client, state.sid)).status).toBe('in-progress')
    await hangUp(client, state.sid, true)
    await until(() => callbacks.some((c) => c.params.CallSid === state.sid && c.params.CallStatus === 'completed'))
    await sim.settled()

    const mine = callbacks.filter((c) => c.params.CallSid === state.sid)
    expect(mine.every((c) => c.valid)).toBe(true)
    expect(mine.filter((c) => c.path === '/twilio/status/att_1').map((c) => c.params.CallStatus)).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ])
    expect(mine.find((c) => c.path === '/twilio/amd/att_1')!.params).toMatchObject({ AnsweredBy: 'human' })
    expect(streams[0]!.messages.at(-1)).toMatchObject({ event: 'stop', stop: { callSid: state.sid } })
    const ended = await fetchCall(client, state.sid)
    expect(ended).toMatchObject({ status: 'completed', answeredBy: 'human' })
    expect(ended.endedAt).not.toBeNull()
  })

  it('reports busy, no-answer and failed calls with their final status', async () => {
    const client = createTwilioClient(account)
    sim.script('+355691111111', { kind: 'busy', ringMs: 50 })
    sim.script('+355692222222', { kind: 'no-answer' })
    sim.script('+355693333333', { kind: 'fail' })
    const placed = await Promise.all(
      ['+355691111111', '+355692222222', '+355693333333'].map((to, i) =>
        placeCall(client, account, { to, attemptId: `att_f${i}`, streamKey: 'key', streamToken: 't', publicUrl }),
      ),
    )
    await until(() =>
      placed.every((p) =>
        callbacks.some((c) => c.params.CallSid === p.sid && c.params.CallStatus !== 'initiated' && c.params.CallStatus !== 'ringing'),
      ),
    )
    const finals = placed.map((p) => callbacks.filter((c) => c.params.CallSid === p.sid).at(-1)!.params.CallStatus)
    expect(finals).toEqual(['busy', 'no-answer', 'failed'])
  })

  it("answers with Twilio's error bodies and codes", async () => {
    const client = createTwilioClient(account)
    const failure = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(
      twilioErrorCode(await failure(placeCall(client, account, { to: '+3551', attemptId: 'x', streamKey: 'key', streamToken: 't', publicUrl }))),
    ).toBe(21211)
    expect(
      twilioErrorCode(
        await failure(placeCall(client, account, { to: '+447911123456', attemptId: 'x', streamKey: 'key', streamToken: 't', publicUrl })),
      ),
    ).toBe(21215)
    expect(twilioErrorCode(await failure(fetchCall(client, `CA${'0'.repeat(32)}`)))).toBe(20404)
    const stranger = createTwilioClient({ ...account, authToken: 'wrong' })
    expect(twilioErrorCode(await failure(fetchCall(stranger, `CA${'0'.repeat(32)}`)))).toBe(20003)
  })

  it('shows the account, its numbers and caller IDs, and refuses calls as Twilio does while the account has a bad day', async () => {
    const client = createTwilioClient(account)
    const failure = (p: Promise<unknown>) => p.then(() => undefined, twilioErrorCode)
    const call = (to: string) => failure(placeCall(client, account, { to, attemptId: 'x', streamKey: 'key', streamToken: 't', publicUrl }))
    const raw = await fetch(`${sim.origin}/2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(FROM)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}` },
    }).then((r) => r.json())
    expect(raw).toMatchObject({ incoming_phone_numbers: [{ phone_number: FROM, sid: expect.stringMatching(/^PN/) }], page: 0, page_size: 50 })
    expect(await accountFacts(client, account)).toEqual({ answer: 'account', status: 'active', type: 'Full', fromNumberOnAccount: true })
    expect(await accountFacts(client, { ...account, fromNumber: '+35542000999' })).toMatchObject({ fromNumberOnAccount: false })
    try {
      sim.account({ callerIds: ['+35542000999'] })
      expect(await accountFacts(client, { ...account, fromNumber: '+35542000999' })).toMatchObject({ fromNumberOnAccount: true })
      expect(
        await failure(
          placeCall(
            client,
            { ...account, fromNumber: '+35542000888' },
            { to: '+355691111111', attemptId: 'x', streamKey: 'key', streamToken: 't', publicUrl },
          ),
        ),
      ).toBe(21210)
      sim.account({ type: 'Trial' })
      expect(await call('+355691111112')).toBe(21219)
      sim.account({ type: 'Full', status: 'suspended' })
      expect(await call('+355691111113')).toBe(20005)
      expect(await accountFacts(client, account)).toMatchObject({ answer: 'account', status: 'suspended' })
      sim.account({ status: 'active', authToken: 'rotated' })
      expect(await call('+355691111114')).toBe(20003)
      expect(await accountFacts(client, account)).toEqual({ answer: 'refused', code: 20003 })
    } finally {
      sim.account({ status: 'active', type: 'Full', authToken: TOKEN, callerIds: [] })
    }
    expect(sim.requests.filter((r) => r.code === 20005).map((r) => r.to)).toEqual(['+355691111113'])
  })

  it('lists the calls to a number since a time, and refuses to change an ended call', async () => {
    const client = createTwilioClient(account)
    const since = Date.now()
    sim.script('+355694444444', { kind: 'busy', ringMs: 10 })
    const placed = await placeCall(client, account, { to: '+355694444444', attemptId: 'att_l', streamKey: 'key', streamToken: 't', publicUrl })
    expect((await callsTo(client, '+355694444444', since)).map((c) => c.sid)).toEqual([placed.sid])
    expect(await callsTo(client, '+355694444444', Date.now() + 60_000)).toEqual([])
    await until(() => sim.calls.find((c) => c.sid === placed.sid)!.status === 'busy')
    await expect(hangUp(client, placed.sid, true)).resolves.toBeUndefined() // 20404 means: already over
  })
})

describe('the simulated media stream', () => {
  it('echoes a mark only after the audio before it has played, and at once after a clear', async () => {
    sim.script('+38349123456', { kind: 'human', ringMs: 10 })
    const client = createTwilioClient(account)
    const before = streams.length
    const placed = await placeCall(client, account, { to: '+38349123456', attemptId: 'att_m', streamKey: 'key', streamToken: 't', publicUrl })
    await until(() => streams.length > before && streams.at(-1)!.messages.some((m) => m.event === 'start'))
    const stream = streams.at(-1)!
    const streamSid = stream.messages.find((m) => m.event === 'start')!.streamSid
    const audio = (ms: number) => ({ event: 'media', streamSid, media: { payload: Buffer.alloc(ms * 8, 0x7f).toString('base64') } })
    const sentAt = Date.now()
    stream.socket.send(JSON.stringify(audio(300)))
    stream.socket.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'first' } }))
    await until(() => stream.messages.some((m) => m.event === 'mark' && m.mark.name === 'first'))
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(280)

    stream.socket.send(JSON.stringify(audio(5000)))
    stream.socket.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'second' } }))
    await new Promise((r) => setTimeout(r, 100))
    expect(stream.messages.some((m) => m.event === 'mark' && m.mark.name === 'second')).toBe(false)
    stream.socket.send(JSON.stringify({ event: 'clear', streamSid }))
    await until(() => stream.messages.some((m) => m.event === 'mark' && m.mark.name === 'second'))
    const session = sim.calls.find((c) => c.sid === placed.sid)!.stream!
    expect(session.marks.find((m) => m.name === 'second')).toMatchObject({ cleared: true })
    // 300 ms played in full, then about 100 ms of the long clip before the clear: 8 bytes a millisecond.
    expect(session.playedBytes).toBeGreaterThan(300 * 8)
    expect(session.playedBytes).toBeLessThan(800 * 8)
    await hangUp(client, placed.sid, true)
  })

  it('ends the call when the server closes the stream, and records a failed handshake as error 31920', async () => {
    const client = createTwilioClient(account)
    sim.script('+38349111111', { kind: 'human', ringMs: 10 })
    const before = streams.length
    const placed = await placeCall(client, account, { to: '+38349111111', attemptId: 'att_c', streamKey: 'key', streamToken: 't', publicUrl })
    await until(() => streams.length > before)
    streams.at(-1)!.socket.close()
    await until(() => sim.calls.find((c) => c.sid === placed.sid)!.status === 'completed')

    sim.script('+38349222222', { kind: 'human', ringMs: 10 })
    const nowhere = await placeCall(client, account, {
      to: '+38349222222',
      attemptId: 'att_n',
      streamKey: 'key',
      streamToken: 't',
      publicUrl: `${publicUrl}/missing`,
    })
    await until(() => sim.calls.find((c) => c.sid === nowhere.sid)!.status === 'completed')
    expect(sim.calls.find((c) => c.sid === nowhere.sid)!.errors).toContain(31920)
  })
})

describe('the simulated recordings', () => {
  const auth = { authorization: `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}` }
  const media = (sid: string, headers: Record<string, string> = auth) =>
    fetch(`${sim.origin}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}.wav`, { headers })
  const recordingCallbacks = (attemptId: string) => callbacks.filter((c) => c.path === `/twilio/recording-status/${attemptId}`)
  /** The channels of a 16-bit PCM WAV file, after checking its header says so. */
  const channelsOf = (wav: Buffer) => {
    expect(wav.subarray(0, 4).toString()).toBe('RIFF')
    expect(wav.subarray(8, 16).toString()).toBe('WAVEfmt ')
    const [format, channels, rate, bits] = [wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]
    expect({ format, channels, rate, bits }).toEqual({ format: 1, channels: 2, rate: 8000, bits: 16 })
    const samples = (wav.length - 44) / 4
    return [0, 1].map((ch) => Int16Array.from({ length: samples }, (_, i) => wav.readInt16LE(44 + i * 4 + ch * 2)))
  }
  const decoded = (mulaw: Uint8Array) => Array.from(mulaw, (b) => MULAW_TO_LINEAR[b]!)
  const sounding = (track: Int16Array) => Array.from(track).filter((s) => s !== 0)

  /** A call asked to be recorded, answered at once; resolves with its stream once it has started. */
  async function recordedCall(to: string, attemptId: string, script: CustomerScript = {}) {
    sim.script(to, { kind: 'human', ringMs: 10, script })
    const client = createTwilioClient(account)
    const before = streams.length
    const placed = await placeCall(client, account, { to, attemptId, streamKey: 'key', streamToken: 't', publicUrl, record: true })
    await until(() => streams.length > before && streams.at(-1)!.messages.some((m) => m.event === 'start'))
    const stream = streams.at(-1)!
    return { client, placed, stream, streamSid: stream.messages.find((m) => m.event === 'start')!.streamSid as string }
  }

  it('records both sides of a call asked for dual channels into a real WAV, reports it signed, and serves it only to the account', async () => {
    const customerWords = speak('Po, e konfirmoj', 20)
    const agentWords = speak('Përshëndetje nga Dyqani Lule', 20)
    const { client, placed, stream, streamSid } = await recordedCall('+38344555001', 'att_r', { speech: [{ atMs: 100, audio: customerWords }] })
    expect(sim.calls.find((c) => c.sid === placed.sid)!.params).toMatchObject({ Record: 'true', RecordingChannels: 'dual' })
    stream.socket.send(JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(agentWords).toString('base64') } }))
    // Both said in full and more than Twilio's shortest recording (a second), counted in the phone's
    // 20 ms frames rather than wall time, which a loaded machine stretches; then we hang up.
    const frames = Math.ceil(Math.max(customerWords.length, agentWords.length) / 160) + 60
    await until(() => stream.messages.filter((m) => m.event === 'media').length >= frames, 20_000)
    await hangUp(client, placed.sid, true)
    await until(() => recordingCallbacks('att_r').some((c) => c.params.RecordingStatus === 'completed'))

    const reported = recordingCallbacks('att_r')
    expect(reported.every((c) => c.valid)).toBe(true)
    expect(reported.map((c) => c.params.RecordingStatus)).toEqual(['in-progress', 'completed'])
    const done = reported[1]!.params
    expect(done).toMatchObject({ AccountSid: ACCOUNT, CallSid: placed.sid, RecordingChannels: '2', RecordingSource: 'OutboundAPI' })
    expect(done.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/)
    expect(done.RecordingUrl).toBe(`${sim.origin}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${done.RecordingSid}`)
    expect(Number(done.RecordingDuration)).toBeGreaterThanOrEqual(1)

    const res = await media(done.RecordingSid!)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('audio/x-wav')
    const [customer, agent] = channelsOf(Buffer.from(await res.arrayBuffer()))
    // Channel 1 is exactly what the customer's phone sent, channel 2 exactly what played to them.
    expect(sounding(customer!)).toEqual(decoded(customerWords))
    expect(sounding(agent!)).toEqual(decoded(agentWords))
    expect(customer!.length / 8000).toBeCloseTo(Number(done.RecordingDuration), -0.5)

    // A player seeks with Range; strangers get Twilio's 401, unknown recordings its 404.
    const head = await media(done.RecordingSid!, { ...auth, range: 'bytes=0-43' })
    expect(head.status).toBe(206)
    expect(head.headers.get('content-range')).toBe(`bytes 0-43/${44 + customer!.length * 4}`)
    expect((await head.arrayBuffer()).byteLength).toBe(44)
    const stranger = await media(done.RecordingSid!, { authorization: `Basic ${Buffer.from(`${ACCOUNT}:wrong`).toString('base64')}` })
    expect(stranger.status).toBe(401)
    expect(await stranger.json()).toMatchObject({ code: 20003, status: 401 })
    expect((await media(`RE${'0'.repeat(32)}`)).status).toBe(404)

    // Deleted (the SDK's DELETE, as our retention does), it is gone for good.
    expect(await deleteCallRecordings(client, placed.sid, done.RecordingSid!)).toBe(1)
    expect(await deleteCallRecordings(client, placed.sid, done.RecordingSid!)).toBe(0)
    const gone = await media(done.RecordingSid!)
    expect(gone.status).toBe(404)
    expect(await gone.json()).toMatchObject({ code: 20404 })
  })

  it('records nothing for a call that did not ask, and reports a recording under a second as absent', async () => {
    const client = createTwilioClient(account)
    sim.script('+38344555002', { kind: 'human', ringMs: 10 })
    const plain = await placeCall(client, account, { to: '+38344555002', attemptId: 'att_p', streamKey: 'key', streamToken: 't', publicUrl })
    expect(sim.calls.find((c) => c.sid === plain.sid)!.params.Record).toBeUndefined()
    const { placed } = await recordedCall('+38344555003', 'att_s')
    await hangUp(client, plain.sid, true)
    await hangUp(client, placed.sid, true)
    await until(() => recordingCallbacks('att_s').some((c) => c.params.RecordingStatus === 'absent'))
    expect(recordingCallbacks('att_s').at(-1)!.params).toMatchObject({ RecordingStatus: 'absent', ErrorCode: '16101' })
    expect(sim.recordings.list.filter((r) => r.callSid === plain.sid)).toEqual([])
    expect(recordingCallbacks('att_p')).toEqual([])
  })

  it("on a bad day sends the recording's callback before the call's own, and twice, and refuses a DELETE until it is tried again", async () => {
    sim.recordings.badDay({ early: true, twice: true })
    const { client, placed } = await recordedCall('+38344555004', 'att_b')
    await new Promise((r) => setTimeout(r, 1_100))
    await hangUp(client, placed.sid, true)
    await until(() => callbacks.some((c) => c.params.CallSid === placed.sid && c.params.CallStatus === 'completed'))
    await sim.settled()
    const told = callbacks
      .filter((c) => c.params.CallSid === placed.sid && !c.path.startsWith('/twilio/amd/'))
      .map((c) => (c.params.RecordingStatus ? `recording ${c.params.RecordingStatus}` : `call ${c.params.CallStatus}`))
    expect(told).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'recording in-progress',
      'recording completed',
      'recording completed',
      'call completed',
    ])

    sim.recordings.failNextDeletes(1)
    const sid = recordingCallbacks('att_b').at(-1)!.params.RecordingSid!
    await expect(deleteCallRecordings(client, placed.sid, sid)).rejects.toMatchObject({ status: 500 })
    expect((await media(sid)).status).toBe(200)
    expect(await deleteCallRecordings(client, placed.sid, sid)).toBe(1)
    expect((await media(sid)).status).toBe(404)
  })
})
