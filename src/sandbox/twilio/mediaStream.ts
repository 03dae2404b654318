import WebSocket from 'ws'
import { twilioSid } from './sids.js'

/** µ-law silence. */
export const MULAW_SILENCE = 0xff
/** G.711 µ-law at 8 kHz: one byte per sample, so 8 bytes per millisecond. */
export const BYTES_PER_MS = 8
const FRAME_MS = 20
const FRAME_BYTES = FRAME_MS * BYTES_PER_MS

/** What the customer does on the line, in milliseconds from the moment the stream starts. */
export interface CustomerScript {
  /** Audio the customer speaks (µ-law, 8 kHz), each clip starting at its offset. */
  speech?: Array<{ atMs: number; audio: Uint8Array }>
  /** Keys pressed. */
  dtmf?: Array<{ atMs: number; digit: string }>
  /**
   * What the customer answers, one turn at a time, as a person takes turns: each waits until the
   * agent has spoken since the customer's last words and then been quiet (nothing more queued
   * to play) for `pauseMs` (default 700), so it follows the agent however long its words run.
   */
  turns?: CustomerTurn[]
}

/**
 * One answer: words (µ-law audio, see speech.ts) or a key pressed. `bargeInMs` makes it a
 * customer who does not wait: they speak this long after the agent starts answering them, over
 * the agent's words (someone changing their mind during the goodbye).
 */
export type CustomerTurn = ({ say: Uint8Array } | { press: string }) & { pauseMs?: number; bargeInMs?: number }

export interface MarkRecord {
  name: string
  receivedAt: number
  echoedAt?: number
  /** Echoed because a `clear` flushed the audio before it, not because it played. */
  cleared?: boolean
}

export interface StreamOptions {
  url: string
  accountSid: string
  callSid: string
  parameters: Record<string, string>
  script: CustomerScript
  /** Headers Twilio sends on the upgrade (the signature, when it signs it). */
  headers?: Record<string, string>
  /** The call is recorded: keep what the customer's phone sent, for the recording (recordings.ts). */
  record?: boolean
}

/**
 * Twilio's side of a bidirectional Media Stream (`<Connect><Stream>`), as documented at
 * twilio.com/docs/voice/media-streams/websocket-messages: `connected`, then `start` with the
 * call's `customParameters`, then `media` every 20 ms (160 bytes of µ-law, base64; sequence
 * number, chunk and timestamp as strings), `dtmf` when a key is pressed, and `stop` at the end.
 *
 * Audio the server sends is queued and "played" in real time (8 bytes per ms); a `mark` is
 * echoed when the audio queued before it has played, `clear` drops what is still queued and
 * echoes every pending mark at once.
 */
export class MediaStreamSession {
  readonly streamSid = twilioSid('MZ')
  /** Every message the server sent, parsed. */
  readonly received: Array<Record<string, unknown>> = []
  readonly marks: MarkRecord[] = []
  /** Bytes of the server's audio that played before the call ended or a clear cut them. */
  playedBytes = 0
  receivedAudioBytes = 0
  clears = 0
  /** At each clear: when (stream time) and how much of the server's audio had played by then. */
  readonly clearsAt: Array<{ atMs: number; playedBytes: number }> = []
  /** When, in stream time, the customer first heard audio from the server. */
  firstAudioAt: number | undefined
  /** Stream time of the `start` message's sending (0) as a wall-clock instant. */
  startedAtWall = 0
  /** Why the stream could not start (Twilio error 31920), if it could not. */
  handshakeError: string | undefined
  closedBy: 'server' | 'twilio' | undefined
  /** Stream time at which the stream ended: nothing queued after it was heard. */
  endedAtMs: number | undefined

  private ws: WebSocket | undefined
  private sequence = 0
  private startedAt = 0
  private frameTimer: ReturnType<typeof setInterval> | undefined
  private timers = new Set<ReturnType<typeof setTimeout>>()
  /** The stream-relative time at which the audio queued so far will have finished playing. */
  private queueEndsAt = 0
  private queuedBytes = 0
  private pendingMarks: Array<{ record: MarkRecord; timer: ReturnType<typeof setTimeout> }> = []
  /** The server's audio with the stream time it starts playing; cut where a clear stopped it. */
  private playback: Array<{ startsAt: number; audio: Uint8Array }> = []
  /** How much of the agent's audio had arrived when the customer last spoke or pressed a key: the next turn answers what comes after. */
  private agentBytesThen = 0
  /** When (stream time) the agent's audio after the customer's last words started playing. */
  private replyStartsAt: number | undefined
  private onEnd: (() => void) | undefined
  /** The customer's frames as sent, back to back from stream time 0, when the call is recorded. */
  private sent: Uint8Array[] = []

  constructor(private readonly options: StreamOptions) {}

  /** Opens the socket and starts streaming; resolves false when the handshake fails. */
  async open(onServerClosed: () => void): Promise<boolean> {
    this.onEnd = onServerClosed
    const ws = new WebSocket(this.options.url, { headers: this.options.headers })
    this.ws = ws
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true))
      ws.once('unexpected-response', (_req, res) => {
        this.handshakeError = `HTTP ${res.statusCode}`
        resolve(false)
      })
      ws.once('error', (error) => {
        this.handshakeError ??= error.message
        resolve(false)
      })
    })
    if (!opened) return false
    ws.on('message', (data) => this.onMessage(data.toString()))
    ws.on('close', () => {
      this.stopFrames()
      this.endedAtMs ??= this.elapsed()
      if (!this.closedBy) {
        this.closedBy = 'server'
        this.onEnd?.()
      }
    })
    this.startedAt = Date.now()
    this.startedAtWall = this.startedAt
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    this.send({
      event: 'start',
      sequenceNumber: this.nextSequence(),
      start: {
        accountSid: this.options.accountSid,
        streamSid: this.streamSid,
        callSid: this.options.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: this.options.parameters,
      },
      streamSid: this.streamSid,
    })
    this.startFrames()
    for (const { atMs, digit } of this.options.script.dtmf ?? []) this.later(atMs, () => this.press(digit))
    return true
  }

  private press(digit: string) {
    this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: this.nextSequence(), dtmf: { track: 'inbound_track', digit } })
  }

  /** The call ended on Twilio's side (hang-up, time limit): send `stop` and close. */
  end(): void {
    if (!this.ws || this.closedBy) return
    this.closedBy = 'twilio'
    this.endedAtMs = this.elapsed()
    this.settlePlayback(this.endedAtMs)
    this.stopFrames()
    for (const t of this.timers) clearTimeout(t)
    for (const p of this.pendingMarks) clearTimeout(p.timer)
    this.pendingMarks = []
    if (this.ws.readyState === WebSocket.OPEN) {
      this.send({
        event: 'stop',
        sequenceNumber: this.nextSequence(),
        stop: { accountSid: this.options.accountSid, callSid: this.options.callSid },
        streamSid: this.streamSid,
      })
      this.ws.close(1000)
    } else this.ws.terminate()
  }

  /** The server's audio the customer has heard so far (played, not cleared), in order. */
  heardAudio(): Uint8Array {
    const parts = this.playedAudio().map((p) => p.audio)
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let offset = 0
    for (const p of parts) {
      out.set(p, offset)
      offset += p.length
    }
    return out
  }

  /** The server's audio as it played, each piece at the stream time it started (cut where a clear or the end stopped it). */
  playedAudio(): Array<{ atMs: number; audio: Uint8Array }> {
    const now = this.endedAtMs ?? this.elapsed()
    return this.playback.map((p) => ({
      atMs: p.startsAt,
      audio: p.audio.subarray(0, Math.max(0, Math.min(p.audio.length, Math.floor((now - p.startsAt) * BYTES_PER_MS)))),
    }))
  }

  /** What the customer's phone sent, from stream time 0 (kept only when the call is recorded). */
  sentAudio(): Uint8Array[] {
    return this.sent
  }

  private elapsed() {
    return Date.now() - this.startedAt
  }

  private nextSequence() {
    return String(++this.sequence)
  }

  private send(message: Record<string, unknown>) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message))
  }

  private later(ms: number, fn: () => void) {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  /** The customer's microphone: 20 ms frames, speech where the script has it, silence between. */
  private startFrames() {
    let chunk = 0
    const clips = (this.options.script.speech ?? []).map((c) => ({ start: c.atMs * BYTES_PER_MS, audio: c.audio }))
    const turns = [...(this.options.script.turns ?? [])]
    this.frameTimer = setInterval(() => {
      const offset = chunk * FRAME_BYTES
      const turn = turns[0]
      const answered = this.receivedAudioBytes > this.agentBytesThen
      const due =
        turn?.bargeInMs === undefined
          ? this.elapsed() - this.queueEndsAt >= (turn?.pauseMs ?? 700)
          : this.replyStartsAt !== undefined && this.elapsed() - this.replyStartsAt >= turn.bargeInMs
      if (turn && answered && due) {
        turns.shift()
        if ('press' in turn) this.press(turn.press)
        else clips.push({ start: offset, audio: turn.say })
      }
      const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE)
      let speaking = false
      for (const clip of clips) {
        const from = offset - clip.start
        if (from + FRAME_BYTES <= 0 || from >= clip.audio.length) continue
        speaking = true
        for (let i = 0; i < FRAME_BYTES; i++) {
          const b = clip.audio[from + i]
          if (b !== undefined && from + i >= 0) frame[i] = b
        }
      }
      if (speaking || turn !== turns[0]) {
        this.agentBytesThen = this.receivedAudioBytes
        this.replyStartsAt = undefined
      }
      chunk++
      if (this.options.record) this.sent.push(frame)
      this.send({
        event: 'media',
        sequenceNumber: this.nextSequence(),
        media: {
          track: 'inbound',
          chunk: String(chunk),
          timestamp: String(chunk * FRAME_MS - FRAME_MS),
          payload: Buffer.from(frame).toString('base64'),
        },
        streamSid: this.streamSid,
      })
    }, FRAME_MS)
  }

  private stopFrames() {
    if (this.frameTimer) clearInterval(this.frameTimer)
    this.frameTimer = undefined
  }

  /** Counts the audio played up to `now` (stream time) and forgets what has finished. */
  private settlePlayback(now: number) {
    if (this.queuedBytes === 0) return
    const remainingMs = Math.max(0, this.queueEndsAt - now)
    const remaining = Math.min(this.queuedBytes, Math.round(remainingMs * BYTES_PER_MS))
    this.playedBytes += this.queuedBytes - remaining
    this.queuedBytes = remaining
  }

  private onMessage(text: string) {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(text)
    } catch {
      return // Twilio ignores what it cannot parse
    }
    this.received.push(message)
    const now = this.elapsed()
    if (message.streamSid !== this.streamSid) return
    if (message.event === 'media') {
      const payload = (message.media as { payload?: string } | undefined)?.payload ?? ''
      const audio = new Uint8Array(Buffer.from(payload, 'base64'))
      const bytes = audio.length
      this.settlePlayback(now)
      const startsAt = Math.max(this.queueEndsAt, now)
      this.replyStartsAt ??= startsAt
      this.receivedAudioBytes += bytes
      this.firstAudioAt ??= startsAt
      this.playback.push({ startsAt, audio })
      this.queueEndsAt = startsAt + bytes / BYTES_PER_MS
      this.queuedBytes += bytes
    } else if (message.event === 'mark') {
      const name = (message.mark as { name?: string } | undefined)?.name
      if (!name) return
      const record: MarkRecord = { name, receivedAt: now }
      this.marks.push(record)
      const timer = setTimeout(() => this.echoMark(record, false), Math.max(0, this.queueEndsAt - now))
      this.pendingMarks.push({ record, timer })
    } else if (message.event === 'clear') {
      this.clears++
      this.settlePlayback(now)
      this.clearsAt.push({ atMs: now, playedBytes: this.playedBytes })
      this.playback = this.playback
        .filter((p) => p.startsAt < now)
        .map((p) => ({ startsAt: p.startsAt, audio: p.audio.subarray(0, Math.min(p.audio.length, Math.floor((now - p.startsAt) * BYTES_PER_MS))) }))
      this.queuedBytes = 0
      this.queueEndsAt = now
      for (const p of this.pendingMarks) {
        clearTimeout(p.timer)
        this.echoMark(p.record, true)
      }
    }
  }

  private echoMark(record: MarkRecord, cleared: boolean) {
    this.pendingMarks = this.pendingMarks.filter((p) => p.record !== record)
    record.echoedAt = this.elapsed()
    if (cleared) record.cleared = true
    this.send({ event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.streamSid, mark: { name: record.name } })
  }
}
