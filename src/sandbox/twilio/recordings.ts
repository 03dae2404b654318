import { type Context, Hono } from 'hono'
import { MULAW_TO_LINEAR } from '../speech.js'
import { twilioError } from './errors.js'
import type { MediaStreamSession } from './mediaStream.js'
import { twilioSid } from './sids.js'

/** What recording needs of a call the simulator holds (simulator.ts's SimulatedCall). */
export interface RecordedCall {
  sid: string
  /** The create request's form parameters (`Record`, `RecordingChannels`, `RecordingStatusCallback`…). */
  params: Record<string, string | string[]>
  answeredAt: number | null
  endedAt: number | null
  stream: MediaStreamSession | undefined
}

/** A recording as the simulated account holds it; tests read it to see what Twilio kept. */
export interface SimulatedRecording {
  sid: string
  callSid: string
  /** The Recording resource's status: in-progress while the call is on, processing after it, then completed or absent; deleted once deleted. */
  status: 'in-progress' | 'processing' | 'completed' | 'absent' | 'deleted'
  channels: 1 | 2
  startedAt: number
  durationSeconds: number | null
  /** The media Twilio serves (`.wav`): 16-bit PCM at 8 kHz, the customer on channel 1, our side on channel 2. */
  wav: Uint8Array | undefined
  /** 16101 for a recording too short to keep (absent). */
  errorCode: number | null
}

/** The recordings of the simulated account, and a bad day for them. */
export interface SimulatedRecordings {
  list: SimulatedRecording[]
  /**
   * The next recorded call's callbacks misbehave: `early` sends `completed` the moment the call
   * ends, ahead of the call's own `completed` status callback; `twice` sends it a second time.
   */
  badDay(fault: { early?: boolean; twice?: boolean }): void
  /** The next `count` DELETEs of a recording answer 500 and delete nothing, as on a bad minute at Twilio. */
  failNextDeletes(count: number): void
}

export const SAMPLE_RATE = 8000
const SAMPLES_PER_MS = SAMPLE_RATE / 1000
/** Twilio keeps no recording shorter than a second (RecordingStatus `absent`, error 16101). */
const SHORTEST_SAMPLES = SAMPLE_RATE
/** How long Twilio takes to make the recording once the call has ended (call time, scaled). */
const PROCESSING_MS = 1500

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000')
const decode = (mulaw: Uint8Array, into: Int16Array, at: number) => {
  for (let i = 0; i < mulaw.length && at + i < into.length; i++) if (at + i >= 0) into[at + i] = MULAW_TO_LINEAR[mulaw[i]!]!
}

/**
 * A recorded call's audio, from the answer to the hang-up, as linear 16-bit samples at 8 kHz:
 * channel 1 what the customer's phone sent on the media stream, channel 2 our agent's audio as it
 * played to them (cut where a `clear` or the end stopped it); mixed into one for `mono`. With
 * `trim` (Twilio's default `trim-silence`), the silence before the first sound and after the last
 * is cut.
 */
export function recordingAudio(call: RecordedCall, { channels, trim }: { channels: 1 | 2; trim: boolean }): Int16Array[] {
  const length = Math.max(0, Math.round(((call.endedAt ?? 0) - (call.answeredAt ?? 0)) * SAMPLES_PER_MS))
  const customer = new Int16Array(length)
  const agent = new Int16Array(length)
  const stream = call.stream
  if (stream?.startedAtWall && call.answeredAt !== null) {
    const offset = Math.round((stream.startedAtWall - call.answeredAt) * SAMPLES_PER_MS)
    let at = offset
    for (const frame of stream.sentAudio()) {
      decode(frame, customer, at)
      at += frame.length
    }
    for (const piece of stream.playedAudio()) decode(piece.audio, agent, offset + Math.round(piece.atMs * SAMPLES_PER_MS))
  }
  let tracks = [customer, agent]
  if (channels === 1) {
    const mixed = new Int16Array(length)
    for (let i = 0; i < length; i++) mixed[i] = Math.max(-32768, Math.min(32767, customer[i]! + agent[i]!))
    tracks = [mixed]
  }
  if (!trim) return tracks
  const sounding = (i: number) => tracks.some((t) => t[i] !== 0)
  let start = 0
  while (start < length && !sounding(start)) start++
  let end = length
  while (end > start && !sounding(end - 1)) end--
  return tracks.map((t) => t.slice(start, end))
}

/** A RIFF/WAVE file of 16-bit PCM at 8 kHz, the channels interleaved (as Twilio serves `.wav`). */
export function wavFile(tracks: Int16Array[]): Uint8Array {
  const channels = tracks.length
  const frames = tracks[0]?.length ?? 0
  const dataBytes = frames * channels * 2
  const out = new Uint8Array(44 + dataBytes)
  const view = new DataView(out.buffer)
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i)
  }
  ascii(0, 'RIFF')
  view.setUint32(4, 36 + dataBytes, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  view.setUint32(16, 16, true)
  view.setUint16(20, 1, true) // PCM
  view.setUint16(22, channels, true)
  view.setUint32(24, SAMPLE_RATE, true)
  view.setUint32(28, SAMPLE_RATE * channels * 2, true)
  view.setUint16(32, channels * 2, true)
  view.setUint16(34, 16, true)
  ascii(36, 'data')
  view.setUint32(40, dataBytes, true)
  for (let f = 0; f < frames; f++) for (let ch = 0; ch < channels; ch++) view.setInt16(44 + (f * channels + ch) * 2, tracks[ch]![f]!, true)
  return out
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` over `size` bytes: the range to send, `invalid` for one outside it, undefined for none asked. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  const range =
    m[1] === '' ? { start: Math.max(0, size - Number(m[2])), end: size - 1 } : { start: Number(m[1]), end: m[2] === '' ? size - 1 : Number(m[2]) }
  range.end = Math.min(range.end, size - 1)
  return range.start > range.end ? 'invalid' : range
}

/**
 * Twilio's recordings of calls created with `Record=true`, as the Voice API keeps them: the
 * recording starts at the answer and is made from what went each way on the media stream when
 * the call ends (recordingAudio); signed RecordingStatusCallbacks (`in-progress`, then
 * `completed` a moment after the call ends, or `absent` for one too short, each only if
 * `RecordingStatusCallbackEvent` asks for it; `completed` alone by default); the media at
 * `/Recordings/{Sid}.wav` (or no extension) with Range support, its JSON at `.json`, the list
 * filtered by `CallSid`, and `DELETE`. Behind the account's Basic auth like the rest of the API
 * (simulator.ts). Only the WAV is kept: `.mp3` is answered 404.
 */
export function simulatedRecordings<C extends RecordedCall>(options: {
  accountSid: string
  /** The simulator's origin, once it listens (recording URLs name it, as Twilio's name api.twilio.com). */
  origin: () => string
  /** Sends a signed callback in the call's order (simulator.ts's postCallback). */
  notify: (call: C, url: string, params: Record<string, string>) => void
  /** Runs `fn` after `ms` of call time (scaled). */
  later: (ms: number, fn: () => void) => void
}) {
  const list: SimulatedRecording[] = []
  const faults: Array<{ early?: boolean; twice?: boolean }> = []
  const recordingOf = new Map<string, { recording: SimulatedRecording; fault: { early?: boolean; twice?: boolean } }>()
  let failingDeletes = 0
  const uri = (sid: string) => `/2010-04-01/Accounts/${options.accountSid}/Recordings/${sid}`

  /** A form parameter's values: the SDK repeats the key for each, Twilio's docs separate them with spaces. */
  const values = (call: C, key: string) => [call.params[key] ?? []].flat().flatMap((v) => v.split(/\s+/).filter(Boolean))

  const callback = (call: C, recording: SimulatedRecording) => {
    const [url] = values(call, 'RecordingStatusCallback')
    const events = values(call, 'RecordingStatusCallbackEvent')
    if (!url || !(events.length ? events : ['completed']).includes(recording.status)) return
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      CallSid: call.sid,
      RecordingSid: recording.sid,
      RecordingUrl: `${options.origin()}${uri(recording.sid)}`,
      RecordingStatus: recording.status,
      RecordingChannels: String(recording.channels),
      RecordingStartTime: rfc2822(recording.startedAt),
      RecordingSource: 'OutboundAPI',
      RecordingTrack: 'both',
    }
    if (recording.durationSeconds !== null) params.RecordingDuration = String(recording.durationSeconds)
    if (recording.errorCode !== null) params.ErrorCode = String(recording.errorCode)
    options.notify(call, url, params)
  }

  const recordingJson = (r: SimulatedRecording) => ({
    account_sid: options.accountSid,
    api_version: '2010-04-01',
    call_sid: r.callSid,
    channels: r.channels,
    conference_sid: null,
    date_created: rfc2822(r.startedAt),
    date_updated: rfc2822(r.startedAt),
    duration: r.durationSeconds === null ? null : String(r.durationSeconds),
    encryption_details: null,
    error_code: r.errorCode,
    media_url: `${options.origin()}${uri(r.sid)}`,
    price: null,
    price_unit: 'USD',
    sid: r.sid,
    source: 'OutboundAPI',
    start_time: rfc2822(r.startedAt),
    status: r.status,
    subresource_uris: {
      add_on_results: `${uri(r.sid)}/AddOnResults.json`,
      transcriptions: `${uri(r.sid)}/Transcriptions.json`,
    },
    uri: `${uri(r.sid)}.json`,
  })

  /** `RE….wav` → the recording and what is asked of it; undefined for no recording the account keeps. */
  const fileOf = (c: Context) => {
    const m = /^(RE[0-9a-f]{32})(\.wav|\.mp3|\.json)?$/.exec(c.req.param('file') ?? '')
    const recording = m && list.find((r) => r.sid === m[1] && r.status !== 'deleted')
    return recording ? { recording, kind: m[2] ?? '.wav' } : undefined
  }
  const notFound = (c: Context) => twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)

  const app = new Hono()
    .get('/Recordings.json', (c) => {
      const callSid = c.req.query('CallSid')
      const pageSize = Number(c.req.query('PageSize') ?? 50)
      const matching = list.filter((r) => r.status !== 'deleted' && (!callSid || r.callSid === callSid))
      const path = `/2010-04-01/Accounts/${options.accountSid}/Recordings.json`
      return c.json({
        end: Math.max(0, Math.min(pageSize, matching.length) - 1),
        first_page_uri: `${path}?PageSize=${pageSize}&Page=0`,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        recordings: matching.slice(0, pageSize).map(recordingJson),
        start: 0,
        uri: path,
      })
    })
    .get('/Recordings/:file', (c) => {
      const found = fileOf(c)
      if (!found) return notFound(c)
      const { recording, kind } = found
      if (kind === '.json') return c.json(recordingJson(recording))
      // The media exists once the recording is complete; an MP3 the simulator does not make.
      const wav = recording.wav
      if (kind === '.mp3' || recording.status !== 'completed' || !wav) return notFound(c)
      const range = byteRange(c.req.header('range'), wav.length)
      const headers = { 'content-type': 'audio/x-wav', 'accept-ranges': 'bytes' }
      if (range === 'invalid') {
        c.header('content-range', `bytes */${wav.length}`)
        return twilioError(c, 416, 20416, 'Requested range not satisfiable')
      }
      if (!range) return c.body(wav.slice(), 200, { ...headers, 'content-length': String(wav.length) })
      return c.body(wav.slice(range.start, range.end + 1), 206, {
        ...headers,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${wav.length}`,
      })
    })
    .delete('/Recordings/:file', (c) => {
      const found = fileOf(c)
      if (found?.kind !== '.json') return notFound(c)
      if (failingDeletes > 0) {
        failingDeletes--
        return twilioError(c, 500, 20500, 'An internal server error has occurred')
      }
      found.recording.status = 'deleted'
      found.recording.wav = undefined
      return c.body(null, 204)
    })

  const control: SimulatedRecordings = {
    list,
    badDay(fault) {
      faults.push(fault)
    },
    failNextDeletes(count) {
      failingDeletes += count
    },
  }

  return {
    control,
    /** Routes under `/2010-04-01/Accounts/{AccountSid}`. */
    app,
    /** The call was answered: if its create asked for `Record=true`, the recording starts now. */
    answered(call: C) {
      if (values(call, 'Record')[0] !== 'true') return
      const recording: SimulatedRecording = {
        sid: twilioSid('RE'),
        callSid: call.sid,
        status: 'in-progress',
        channels: values(call, 'RecordingChannels')[0] === 'dual' ? 2 : 1,
        startedAt: Date.now(),
        durationSeconds: null,
        wav: undefined,
        errorCode: null,
      }
      list.push(recording)
      recordingOf.set(call.sid, { recording, fault: faults.shift() ?? {} })
      callback(call, recording)
    },
    /**
     * The call ended: the recording is made now from what went each way, and is ready (or absent)
     * a moment later; on a bad day its callback comes at once, ahead of the call's own, or twice.
     * Call before the call's `completed` status callback is sent.
     */
    ended(call: C) {
      const held = recordingOf.get(call.sid)
      if (!held) return
      recordingOf.delete(call.sid)
      const { recording, fault } = held
      recording.status = 'processing'
      const tracks = recordingAudio(call, { channels: recording.channels, trim: values(call, 'Trim')[0] !== 'do-not-trim' })
      const samples = tracks[0]?.length ?? 0
      const finish = () => {
        if (samples < SHORTEST_SAMPLES) Object.assign(recording, { status: 'absent', durationSeconds: 0, errorCode: 16101 })
        else Object.assign(recording, { status: 'completed', durationSeconds: Math.round(samples / SAMPLE_RATE), wav: wavFile(tracks) })
        callback(call, recording)
        if (fault.twice) callback(call, recording)
      }
      if (fault.early) finish()
      else options.later(PROCESSING_MS, finish)
    },
  }
}
