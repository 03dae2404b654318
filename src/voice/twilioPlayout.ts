import { audioMessage, clearMessage, markMessage } from './twilioMediaStream.js'

/** A progress mark every second of audio sent bounds the error of the played-time estimate. */
const PROGRESS_MARK_MS = 1_000

/** A response item's audio as it plays on Twilio's side, in Twilio's stream clock (ms). */
interface Playing {
  itemId: string
  /** Audio sent for the item so far. */
  sentMs: number
  /** When, in stream time, the item's first audio started playing (our model of Twilio's queue). */
  startsAt: number
  /** How much has played by the marks Twilio echoed. */
  playedMs: number
  nextMarkAt: number
}

/** What a clear cut short: the item that was playing and how much of it the caller heard. */
export interface Interrupted {
  itemId: string
  /** Milliseconds of the item's audio heard, never more than was sent: `audio_end_ms` for `conversation.item.truncate`. */
  heardMs: number
}

/** Where the playout sends Twilio's messages: the media stream's socket. */
export interface PlayoutSocket {
  send(text: string): void
}

/** Milliseconds of 8 kHz µ-law (8 bytes a millisecond) in a base64 payload, without decoding it. */
export function ulawMs(base64: string): number {
  const bytes = (base64.length * 3) / 4 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0)
  return bytes / 8
}

/**
 * The agent's audio as Twilio plays it (LiveKit's `AudioOutput`, for one Media Stream): sends
 * each delta, keeps our model of Twilio's queue on Twilio's stream clock, marks progress once a
 * second of audio and the end of each item, and on a barge-in clears Twilio's queue and says how
 * much of the item was heard. The heard figure is the larger of what the marks confirm and the
 * stream clock since the item began playing, never more than was sent, so the truncate it feeds
 * is always valid. Marks carry a generation in their name (`generation:itemId:sentMs[:end]`):
 * Twilio echoes every pending mark when it clears, and those of a cleared generation are stale.
 *
 * @example
 * const playout = new TwilioPlayout(socket, start.streamSid)
 * playout.clockAt(media.timestamp)          // each caller frame
 * playout.play(itemId, delta)               // each model audio delta
 * playout.endOfItem(itemId)                 // response.output_audio.done
 * if (playout.markPlayed(name)) { … }       // everything sent has been heard
 * const cut = playout.clear()               // barge-in → { itemId, heardMs } or undefined
 */
export class TwilioPlayout {
  // Twilio's stream clock, from the caller's media timestamps, and when (wall clock) we last heard it.
  private streamMs = 0
  private streamMsAt = 0
  private generation = 0
  private playing: Playing | undefined
  private queueEndsAt = 0
  private pendingEndMarks = 0

  constructor(
    private readonly socket: PlayoutSocket,
    private readonly streamSid: string,
    /** The wall clock in ms; tests pass their own. */
    private readonly clock: () => number = Date.now,
  ) {}

  /** End marks sent and not yet echoed: audio that is still on its way to the caller. */
  get endMarksPending(): number {
    return this.pendingEndMarks
  }

  /** A caller frame's timestamp: where Twilio's stream clock is now. */
  clockAt(timestamp: number): void {
    this.streamMs = timestamp
    this.streamMsAt = this.clock()
  }

  /** Twilio's stream clock now: the last media timestamp plus the time since it arrived. */
  private streamNow(): number {
    return this.streamMs + (this.streamMsAt ? this.clock() - this.streamMsAt : 0)
  }

  /** Sends a delta of an item's audio (base64 µ-law) to play after whatever Twilio holds. */
  play(itemId: string, delta: string): void {
    const now = this.streamNow()
    if (!this.playing || this.playing.itemId !== itemId)
      this.playing = { itemId, sentMs: 0, startsAt: Math.max(now, this.queueEndsAt), playedMs: 0, nextMarkAt: PROGRESS_MARK_MS }
    this.socket.send(audioMessage(this.streamSid, delta))
    const ms = ulawMs(delta)
    const p = this.playing
    p.sentMs += ms
    this.queueEndsAt = Math.max(this.queueEndsAt, now) + ms
    if (p.sentMs >= p.nextMarkAt) {
      this.socket.send(markMessage(this.streamSid, `${this.generation}:${itemId}:${p.sentMs}`))
      p.nextMarkAt += PROGRESS_MARK_MS
    }
  }

  /** All of an item's audio is sent: ask Twilio to say when it has played. */
  endOfItem(itemId: string): void {
    const p = this.playing
    if (!p || p.itemId !== itemId) return
    this.pendingEndMarks++
    this.socket.send(markMessage(this.streamSid, `${this.generation}:${itemId}:${p.sentMs}:end`))
  }

  /**
   * Twilio played everything queued before the mark `name`. True when it was the last end mark
   * outstanding: all the audio sent has been heard. Marks of a cleared generation change nothing.
   */
  markPlayed(name: string): boolean {
    const [generation, itemId, ms, end] = name.split(':')
    if (Number(generation) !== this.generation) return false
    const p = this.playing
    if (p && p.itemId === itemId) p.playedMs = Math.max(p.playedMs, Number(ms))
    if (end !== 'end') return false
    this.pendingEndMarks = Math.max(0, this.pendingEndMarks - 1)
    return this.pendingEndMarks === 0
  }

  /**
   * Barge-in: if audio is still queued at Twilio, drops it (`clear`) and returns how much of the
   * playing item was heard; undefined when everything sent had already played. Marks sent before
   * the clear belong to the old generation from here on.
   */
  clear(): Interrupted | undefined {
    const p = this.playing
    const now = this.streamNow()
    if (!p || this.queueEndsAt <= now) return undefined
    const heardMs = Math.floor(Math.min(p.sentMs, Math.max(p.playedMs, now - p.startsAt, 0)))
    this.socket.send(clearMessage(this.streamSid))
    this.generation++
    this.pendingEndMarks = 0
    this.queueEndsAt = now
    this.playing = undefined
    return { itemId: p.itemId, heardMs }
  }
}
