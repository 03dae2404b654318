/**
 * The simulated model on a bad day: gpt-realtime as it is reported to behave, departing from the
 * ideal model (brain.ts, streamed in order by simulator.ts) at random, but reproducibly for a seed.
 * What each departure looks like on the wire is the simulator's business; this file only draws them.
 */
import { seededRandom } from '../speech.js'
import { answerAwaitingReply, type Call, type Decision, type Item } from './brain.js'

export interface RealModel {
  seed: number
  /** multiplies the model's latencies (default 1) */
  latencyScale?: number
}

/** The ways a session's model departed from the ideal one, as `SimulatedSession.deviations` names them. */
export const MODEL_DEVIATIONS = [
  /** Says goodbye but never calls `end_call` (a habit of the whole session, recorded as it opens). */
  'skips_end_call',
  /** A response's function call comes before its audio. */
  'tool_before_speaking',
  /** A response calls its tool and says nothing. */
  'tool_without_speaking',
  /** A response has two audio items, the second a short extra sentence. */
  'speaks_twice',
  /** A turn's transcription arrives after the response that answers it is over. */
  'late_transcript',
  /** `response.done` with status `failed` (a server error). */
  'failed_response',
  /** `response.done` with status `incomplete` (`max_output_tokens`). */
  'incomplete_response',
  /** An `error` (`rate_limit_exceeded`) in place of the response. */
  'rate_limited',
  /** After a final answer's output, the model calls the same tool again instead of saying goodbye (once a session). */
  'second_tool_call',
  /** A response took over a second (scaled) before its first output (recorded once a session). */
  'slow_first_audio',
] as const
export type ModelDeviation = (typeof MODEL_DEVIATIONS)[number]
export type ModelFailure = Extract<ModelDeviation, 'failed_response' | 'incomplete_response' | 'rate_limited'>

/** One output item of a response, in the order it is streamed. */
export type Part = { kind: 'speech'; text: string } | { kind: 'call'; call: Call }

/** The ideal model's order: what it says, then the tools it calls. */
export function inOrder(decision: Decision): Part[] {
  return [...speech(decision.say), ...calls(decision)]
}

const speech = (text: string): Part[] => (text ? [{ kind: 'speech', text }] : [])
const calls = (decision: Decision): Part[] => decision.calls.map((call) => ({ kind: 'call', call }))

/**
 * One session's real model: its own generator (from the seed and the session's ordinal), so a
 * session replays the same way for the same client. Each draw that departs records its deviation.
 */
export class RealModelSession {
  /** Says goodbye but never calls `end_call`, all session long. */
  readonly skipsEndCall: boolean
  private readonly random: () => number
  private readonly scale: number
  private repeated = false
  private slow = false

  constructor(
    model: RealModel,
    ordinal: number,
    private readonly deviations: ModelDeviation[],
  ) {
    this.random = seededRandom(model.seed + ordinal * 0x9e3779b9)
    this.scale = model.latencyScale ?? 1
    this.skipsEndCall = this.chance(0.5, 'skips_end_call')
  }

  /** How the next response fails, if it does (0.08 each way); the caller keeps two failures from following each other. */
  failure(): ModelFailure | undefined {
    const draw = this.random()
    const failure = draw < 0.08 ? 'failed_response' : draw < 0.16 ? 'incomplete_response' : draw < 0.24 ? 'rate_limited' : undefined
    if (failure) this.deviations.push(failure)
    return failure
  }

  /** The model's wait before a response's first output: 0.5–2 s, scaled. */
  firstOutputMs(): number {
    const ms = 500 + this.random() * 1500
    if (ms > 1000 && !this.slow) {
      this.slow = true
      this.deviations.push('slow_first_audio')
    }
    return ms * this.scale
  }

  /** Whether this response calls the final tool again, its output just back (at most once a session, 0.3). */
  repeatsAnswer(conversation: Item[]): boolean {
    if (this.repeated || !answerAwaitingReply(conversation)) return false
    this.repeated = this.chance(0.3, 'second_tool_call')
    return this.repeated
  }

  /** A response's items: a tool-calling one speaks first (0.5), calls first (0.25) or only calls (0.25); speech may come twice (0.25). */
  arrange(decision: Decision): Part[] {
    if (decision.say && decision.calls.length) {
      const draw = this.random()
      if (draw < 0.25) {
        this.deviations.push('tool_without_speaking')
        return calls(decision)
      }
      if (draw < 0.5) {
        this.deviations.push('tool_before_speaking')
        return [...calls(decision), ...this.speak(decision)]
      }
    }
    return [...this.speak(decision), ...calls(decision)]
  }

  /** How long after the answering response is over a turn's transcription arrives, if late (0.4): 200–800 ms, scaled. */
  lateTranscriptMs(): number | undefined {
    return this.chance(0.4, 'late_transcript') ? (200 + this.random() * 600) * this.scale : undefined
  }

  /** Deltas already on their way when a cancel arrives: 0–4. */
  deltasAfterCancel(): number {
    return Math.floor(this.random() * 5)
  }

  private speak(decision: Decision): Part[] {
    return decision.say && this.chance(0.25, 'speaks_twice') ? [...speech(decision.say), ...speech(decision.encore)] : speech(decision.say)
  }

  private chance(p: number, deviation: ModelDeviation): boolean {
    const happens = this.random() < p
    if (happens) this.deviations.push(deviation)
    return happens
  }
}
