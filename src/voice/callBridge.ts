import type { RealtimeResponseStatus, RealtimeServerEvent } from 'openai/resources/realtime/realtime'
import { callLog } from '../calls/outcomes.js'
import { hangUp, type TwilioAccount, type TwilioClient } from '../calls/twilio.js'
import type { Config } from '../config.js'
import { addUsage, type CallPrices, modelCost, NO_USAGE, type UsageTotals } from '../domain/callCost.js'
import { type Answer, type AnsweredWith, afterAgentFailure, decideKey, decideToolCall, laterAnswer } from '../domain/callOutcome.js'
import { type Answered, storedEvidence, withEarlier } from '../domain/evidence.js'
import type { Metrics } from '../metrics.js'
import type { Logger } from '../utils/log.js'
import type { AgentSession } from './agentSession.js'
import type { CallContext } from './callFacts.js'
import type { CallLedger } from './callLedger.js'
import { CustomerTurns } from './customerTurns.js'
import type { AudioDelta } from './realtimeConnection.js'
import type { RealtimePool } from './realtimePool.js'
import { readStreamMessage, type StreamEvent } from './twilioMediaStream.js'
import { TwilioPlayout } from './twilioPlayout.js'

export interface BridgeDeps {
  /** The agent's model. */
  config: Pick<Config, 'openai'>
  log: Logger
  now: () => number
  prices: CallPrices
  /** Audio latencies, where this runtime's metrics can see them (Node's /metrics). */
  metrics: Pick<Metrics, 'frameToModel' | 'frameToCaller'>
  twilio: { client: TwilioClient; account: TwilioAccount }
  realtimePool: RealtimePool
  /** Where the call is read from and written down. */
  callLedger: CallLedger
  /** Overrides of the conversation's timings (tests shorten them). */
  voiceTiming?: Partial<VoiceTiming>
}

export interface VoiceTiming {
  /** A conversation stops here, politely, before Twilio's own time limit cuts it. */
  maxConversationMs: number
  /** Silence after the agent has finished speaking before it asks whether the customer is there. */
  silenceMs: number
  /** After the goodbye is asked for, the line is dropped this long later whatever happens. */
  goodbyeGraceMs: number
  /** A stream that has not proved which call it is (a valid `start`) this long after opening is closed. */
  startTimeoutMs: number
  /**
   * Callees here answer "Alo?": the greeting waits for their first words (and answers them), but
   * no longer than this after pickup for a callee who says nothing (bench/pickup.ts measures it).
   */
  helloWaitMs: number
  /** How long an answer waits for the transcription of the words that led to it. */
  transcriptWaitMs: number
}

export const VOICE_TIMING: VoiceTiming = {
  maxConversationMs: 240_000,
  silenceMs: 8_000,
  goodbyeGraceMs: 15_000,
  startTimeoutMs: 5_000,
  helloWaitMs: 1_200,
  transcriptWaitMs: 2_000,
}

/** Why a finished response said nothing usable (`failed`, `incomplete`), named by its error code or reason; undefined when it completed or was cancelled. */
export function responseFailure(response: { status?: string; status_details?: RealtimeResponseStatus | null }): string | undefined {
  if (response.status !== 'failed' && response.status !== 'incomplete') return undefined
  const details = response.status_details
  return `${response.status}: ${details?.error?.code ?? details?.error?.type ?? details?.reason ?? 'no reason given'}`
}

/** The Twilio side of the bridge: the media stream's socket. */
export interface StreamSocket {
  send(text: string): void
  close(code?: number, reason?: string): void
}

/** The tools whose call is a final answer (decideToolCall's `answer` and `call_back`). */
const FINAL_TOOLS = new Set(['confirm_order', 'cancel_order', 'request_changes', 'wrong_number', 'request_callback'])

/** What the model is told once the customer's answer is recorded: its next response is the goodbye. */
const AFTER_ANSWER = "The customer's answer is recorded. Say a short, polite goodbye now, in the customer's language."

/** Asked when the goodbye did not come: the model called a tool or end_call without a word. */
const GOODBYE_AGAIN = 'Say a short, polite goodbye to the customer now, in their language.'

/** How often the goodbye is asked for before the line is dropped without one. */
const MAX_GOODBYE_ASKS = 4

/** After the customer stops speaking, how long turn detection has to start the model's answer before we ask for what waited (the greeting, after "Alo?"). */
const ANSWER_WAIT_MS = 800

/** Caller audio kept, once the stream is verified, while the agent's session gets ready (2 s of 20 ms frames). */
const MAX_HELD_FRAMES = 100

/**
 * One call's voice agent: Twilio's media stream on one side, an OpenAI Realtime session on the
 * other, nothing shared with other calls. Audio passes through untouched (µ-law both ways). The
 * agent greets as soon as the stream starts, can be interrupted (the audio Twilio still holds is
 * cleared and the model told how much was heard: the TwilioPlayout's business), takes answers by
 * voice or keypad and records them with the customer's own words (what each answer means is
 * domain/callOutcome.ts's), and says goodbye before the line drops.
 *
 * Until its `start` is verified a stream is a stranger's: anything but `connected` and `start`
 * closes it, nothing it sends is kept, and it is closed if it has not proved itself within
 * `startTimeoutMs` of opening. `onDecided` is told once, when the stream is let in or turned away.
 */
export class CallBridge {
  private phase: 'waiting' | 'checking' | 'live' | 'closed' = 'waiting'
  private context: CallContext | undefined
  private session: AgentSession | undefined
  private ready = false
  private held: string[] = []
  private startedAt = 0
  private greetingMs: number | null = null
  /** The first response has been asked for (or the model answered the callee's "Alo?" itself). */
  private greeted = false
  /** The callee spoke before the greeting: the model's answer to their words is the greeting. */
  private heardHello = false
  /** Between turn detection's speech_started and speech_stopped. */
  private customerSpeaking = false
  /** The customer has said something since the agent began speaking ("Alo?" before the greeting does not count). */
  private spokeSinceGreeting = false
  /** The agent's audio in Twilio's queue; there from the moment the stream is live. */
  private playout: TwilioPlayout | undefined
  // The model's responses.
  private responding = false
  /** The response being generated; once interrupted, its id joins `discarded` and its audio still arriving is dropped. */
  private currentResponse: string | undefined
  private discarded = new Set<string>()
  private nextResponse: { guidance?: string | undefined; speakOnly?: boolean } | undefined
  /** The response.create we sent that has not begun yet, and whether the response now under way was a speak-only one of ours. */
  private requested: { speakOnly: boolean } | undefined
  private speakOnlyResponse = false
  private failedResponses = 0
  private turns = new CustomerTurns()
  private usage: UsageTotals = NO_USAGE
  // The end.
  /** The customer has given a final answer: the goodbye is ours to ask for, and the silence prompt is never asked. */
  private answered = false
  /** The answer written so far, replaced by a different later one. */
  private lastAnswer: AnsweredWith | undefined
  /** A callback asked for and not yet replaced by an answer; written as the stream ends. */
  private callbackAsked: { at: number; evidence: Answered } | undefined
  /** Answers being written (each waits for its words); the stream's end is written after them. */
  private writing: Promise<void> = Promise.resolve()
  /** The check of `start` and what follows it; then the writing of the stream's end. What onClose waits for. */
  private began: Promise<void> = Promise.resolve()
  private recorded: Promise<void> = Promise.resolve()
  private ending: string | undefined
  /** The agent has spoken since the ending began (or in the response that called end_call): the goodbye is said. */
  private saidGoodbye = false
  private spokeInResponse = false
  private goodbyeAsks = 0
  private hungUp = false
  /** Why the agent failed, for the attempt's `error`. */
  private failure: string | undefined
  private promptedSilence = false
  private timers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly timing: VoiceTiming
  /** The service's log until the stream proves which call it is; then that call's (callId, orderId, callSid). */
  private log: Logger

  /** The bridge for a socket that has just opened: its `start` is awaited from now. */
  constructor(
    private readonly deps: BridgeDeps,
    private readonly socket: StreamSocket,
    private readonly onDecided: () => void = () => {},
  ) {
    this.timing = { ...VOICE_TIMING, ...deps.voiceTiming }
    this.log = deps.log
    this.later('start', this.timing.startTimeoutMs, () => this.refuse('no valid start in time'))
  }

  /** A message from Twilio, received at `receivedAt` (`performance.now()`, for the frame latency metric). */
  onMessage(text: string, receivedAt = performance.now()): void {
    if (this.phase === 'closed') return
    const event = readStreamMessage(text)
    if (this.phase === 'live') {
      if (event.kind === 'audio') return this.onCallerAudio(event.payload, event.timestamp, receivedAt)
      if (event.kind === 'mark') return this.onMarkPlayed(event.name)
      if (event.kind === 'dtmf') return this.onKey(event.digit)
      if (event.kind === 'stop') return void this.finish('customer_hung_up')
      return
    }
    // While its start is being checked, whatever else the stream sends is dropped.
    if (this.phase === 'checking' || event.kind === 'connected') return
    if (event.kind !== 'start') return this.refuse(`${event.kind} before start`)
    this.phase = 'checking'
    this.began = this.begin(event).catch((error) => {
      this.log.error('media stream could not begin', { error })
      if (this.context) this.agentFailed('the call could not begin')
      else this.refuse('check failed')
    })
  }

  /**
   * Twilio's socket closed (after `stop`, or without one). Resolves once everything the bridge
   * writes about the call is written: a process that stops waits for it (the drain).
   */
  onClose(): Promise<void> {
    void this.finish('customer_hung_up')
    return Promise.allSettled([this.began, this.recorded]).then(() => undefined)
  }

  /**
   * The process is stopping with this call still on (the drain's bound passed): the agent goes as
   * when it fails (a customer who spoke is looked at by a person, not called again), and the stream
   * closes. The next worker settles the call against Twilio (recovery.ts).
   */
  cut(why: string): void {
    if (this.phase === 'closed') return
    if (this.phase === 'live') this.agentFailed(why)
    this.socket.close(1001, 'the service is stopping')
  }

  private refuse(reason: string) {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    this.clearTimer('start')
    this.onDecided()
    this.log.warn('media stream refused', { reason })
    this.socket.close(1008, 'unauthorised stream')
  }

  private async begin(start: Extract<StreamEvent, { kind: 'start' }>) {
    const admission = await this.deps.callLedger.admit({
      event: 'start',
      start: { callSid: start.callSid, customParameters: start.parameters },
    })
    if ('refused' in admission) return this.refuse(admission.refused)
    const { context } = admission
    this.context = context
    this.log = callLog(this.deps.log, { id: context.attemptId, orderId: context.orderId, callSid: start.callSid || context.callSid })
    // The socket closed (or ran out of time) while its start was checked: the token is spent, so the stream is written down as over.
    if (this.phase !== 'checking') return this.recordEnd('customer_hung_up')
    this.playout = new TwilioPlayout(this.socket, start.streamSid)
    this.startedAt = this.deps.now()
    this.phase = 'live'
    this.clearTimer('start')
    this.onDecided()
    this.log.info('media stream connected')
    this.later('time limit', this.timing.maxConversationMs, () => this.endPolitely('time_limit'))

    try {
      this.session = (await this.deps.realtimePool.take(context.attemptId)) ?? (await this.deps.realtimePool.open(context))
      this.session.attach((event) => this.onRealtime(event))
      this.session.connection.onAudioDelta((delta, receivedAt) => this.playAudio(delta, receivedAt))
      this.session.connection.onClose(() => {
        if (this.phase === 'live' && !this.hungUp) this.agentFailed('the Realtime connection dropped')
      })
      await this.session.ready
    } catch (error) {
      this.log.error('the agent could not start', { error })
      return this.agentFailed('the Realtime session could not open')
    }
    // The stream ended while the agent got ready: its session may have arrived after finish() ran.
    if (this.phase !== 'live') return this.session?.connection.close()
    this.ready = true
    for (const payload of this.held.splice(0)) this.session.connection.appendAudio(payload)
    // A customer who rang us is waiting to be answered: no "Alo?" to wait for.
    const helloWaitMs = context.facts.calledBack ? 0 : this.timing.helloWaitMs
    if (!this.heardHello) this.later('hello', helloWaitMs - (this.deps.now() - this.startedAt), () => this.greet())
  }

  /** The greeting, unless it is under way: the model may have answered the callee's "Alo?" by itself. */
  private greet() {
    if (this.greeted || !this.ready) return
    this.greeted = true
    this.respond()
  }

  // — caller → agent ——————————————————————————————————————————————

  private onCallerAudio(payload: string, timestamp: number, receivedAt: number) {
    this.playout?.clockAt(timestamp)
    if (this.ready && this.session) {
      this.session.connection.appendAudio(payload)
      this.deps.metrics.frameToModel(receivedAt)
    } else if (this.held.length < MAX_HELD_FRAMES) this.held.push(payload)
  }

  private onKey(digit: string) {
    if (!this.context || this.phase !== 'live') return
    const key = decideKey(digit)
    void this.note(`Pressed ${digit} on the keypad`)
    if (key) this.takeAnswer(async () => ({ action: 'answer', ...key }))
    this.interrupt()
    this.session?.connection.send({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'system',
        content: [{ type: 'input_text', text: `The customer pressed ${digit} on the keypad${key ? ` ${key.meaning}` : ''}.` }],
      },
    })
    if (key) this.endAfterAnswer()
    else this.respond()
  }

  // — agent → caller ——————————————————————————————————————————————

  private onRealtime(event: RealtimeServerEvent) {
    switch (event.type) {
      case 'response.created':
        this.responding = true
        // Ours if we asked for one; else turn detection's, answering the customer.
        this.speakOnlyResponse = this.requested?.speakOnly ?? false
        this.requested = undefined
        this.clearTimer('reply')
        this.spokeInResponse = false
        this.currentResponse = event.response.id
        if (event.response.id) this.turns.responseCreated(event.response.id)
        this.greeted = true
        this.clearTimer('hello')
        return
      case 'response.output_audio.delta':
        return this.playAudio({ responseId: event.response_id, itemId: event.item_id, delta: event.delta })
      case 'response.output_audio.done':
        return this.playout?.endOfItem(event.item_id)
      case 'response.output_audio_transcript.done':
        if (event.transcript) void this.transcribe('agent', event.transcript)
        return
      case 'input_audio_buffer.committed':
        // Words after the greeting began are an answer of sorts ("Alo?" before it is not).
        if (this.greetingMs !== null) this.spokeSinceGreeting = true
        return this.turns.committed(event.item_id)
      case 'conversation.item.input_audio_transcription.completed':
        this.turns.transcribed(event.item_id, event.transcript)
        if (event.transcript.trim()) void this.transcribe('customer', event.transcript.trim())
        return
      case 'conversation.item.input_audio_transcription.failed':
        return this.turns.transcribed(event.item_id, '')
      case 'input_audio_buffer.speech_started':
        this.customerSpeaking = true
        this.clearTimer('silence')
        this.promptedSilence = false
        if (!this.greeted) {
          this.heardHello = true
          return this.clearTimer('hello')
        }
        // The customer speaks over the goodbye (to change their answer, say): a goodbye is owed again once they are heard.
        if (this.ending && !this.hungUp) {
          this.saidGoodbye = false
          this.later('goodbye', this.timing.goodbyeGraceMs, () => this.hangUpNow())
        }
        // Turn detection cancels the response under way; but one we asked for while this speech_started was on
        // its way began after it, and would talk over the customer and keep their words from being answered.
        return this.interrupt()
      case 'input_audio_buffer.speech_stopped':
        this.customerSpeaking = false
        // The callee's "Alo?": the model answers it with the greeting, or we ask for it if it does not.
        if (!this.greeted && this.ready) this.later('hello', ANSWER_WAIT_MS, () => this.greet())
        // What waited for the customer to finish goes ahead if the model does not answer them by itself.
        else if (this.nextResponse) this.later('reply', ANSWER_WAIT_MS, () => this.askNext())
        return
      case 'response.function_call_arguments.done':
        return this.onTool(event.name, event.call_id, event.arguments, event.response_id)
      case 'response.done': {
        this.responding = false
        if (this.currentResponse === event.response.id) this.currentResponse = undefined
        this.usage = addUsage(this.usage, event.response.usage)
        const failure = responseFailure(event.response)
        if (failure) return this.onResponseFailed(failure, this.speakOnlyResponse)
        this.failedResponses = 0
        if (this.nextResponse) this.askNext()
        else if (this.ending) this.goodbyeOrHangUp()
        return
      }
      case 'error':
        // The barge-in's cancel found turn detection had cancelled the response already: as it should be.
        if (event.error.code === 'response_cancel_not_active') return
        // Most errors leave the session usable (OpenAI says so); the call goes on.
        this.log.warn('Realtime error', { code: event.error.code ?? undefined, message: event.error.message })
        if (event.error.code === 'session_expired') this.agentFailed('the Realtime session expired')
        // A response refused (ours, or the one turn detection would have made): none will come, so it is asked for again.
        if (event.error.code === 'rate_limit_exceeded') {
          const refused = this.requested
          this.requested = undefined
          this.responding = false
          this.onResponseFailed('rate_limit_exceeded', refused?.speakOnly ?? false)
        }
        return
    }
  }

  /** The model's audio on to Twilio; `receivedAt` (`performance.now()`) when it came by the fast path, for the latency metric. */
  private playAudio({ responseId, itemId, delta }: AudioDelta, receivedAt?: number) {
    if (this.hungUp || !this.playout || this.discarded.has(responseId)) return
    if (this.greetingMs === null) this.greetingMs = this.deps.now() - this.startedAt
    this.spokeInResponse = true
    if (this.ending) this.saidGoodbye = true
    this.playout.play(itemId, delta)
    if (receivedAt !== undefined) this.deps.metrics.frameToCaller(receivedAt)
    this.clearTimer('silence')
  }

  /** Twilio has played a mark; once all the agent said has been heard, the call ends or the silence is timed. */
  private onMarkPlayed(name: string) {
    if (!this.playout?.markPlayed(name) || this.responding) return
    if (this.ending) {
      if (this.saidGoodbye && !this.nextResponse) this.hangUpNow()
      return
    }
    // After a final answer the goodbye is on its way: nobody is asked whether they are there.
    if (this.answered) return
    this.later('silence', this.timing.silenceMs, () => this.onSilence())
  }

  /**
   * Barge-in: the caller speaks (or presses a key) while the agent's audio is still queued at
   * Twilio. The playout drops what Twilio holds and says how much of the answer was heard; the
   * model is told, so its record of the conversation ends where the caller stopped listening, and
   * the response under way is cancelled.
   */
  private interrupt() {
    if (this.currentResponse) this.discarded.add(this.currentResponse)
    const cut = this.playout?.clear()
    if (cut) this.session?.connection.send({ type: 'conversation.item.truncate', item_id: cut.itemId, content_index: 0, audio_end_ms: cut.heardMs })
    if (this.responding) this.session?.connection.send({ type: 'response.cancel' })
  }

  /** The response that waited (for the last one to end, or for the customer to finish), unless the model is speaking again. */
  private askNext() {
    const next = this.nextResponse
    if (!next || this.responding || this.customerSpeaking) return
    this.nextResponse = undefined
    this.respond(next.guidance, next.speakOnly)
  }

  /** A response failed without speaking: it is asked for once more; a second failure ends the call as the agent's. */
  private onResponseFailed(why: string, speakOnly: boolean) {
    this.log.warn('a model response failed', { why })
    if (++this.failedResponses > 1) return this.agentFailed(`the model's response failed twice (${why})`)
    // The same response again (its guidance is in the conversation already): a goodbye stays speak-only, the
    // answer to the customer's turn may call its tool. What waited behind it still waits.
    this.respond(undefined, speakOnly)
  }

  /**
   * Asks the model to speak; if it is speaking already, right after this response. `guidance` goes
   * in as a system item before a plain `response.create`: a response's own `instructions` would
   * replace the session's (language, persona, order) for that response.
   */
  private respond(guidance?: string, speakOnly = false) {
    if (!this.session || this.hungUp) return
    // While the customer speaks the model will answer them; what we ask for comes after that answer.
    if (this.responding || this.customerSpeaking) {
      this.nextResponse = guidance === undefined && !speakOnly ? (this.nextResponse ?? {}) : { guidance, speakOnly }
      return
    }
    this.responding = true
    if (guidance !== undefined)
      this.session.connection.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: guidance }] },
      })
    this.requested = { speakOnly }
    // A goodbye may only speak: a model that answers it with a tool call alone (end_call, the answer again) says nothing.
    this.session.connection.send(speakOnly ? { type: 'response.create', response: { tool_choice: 'none' } } : { type: 'response.create' })
  }

  // — answers ———————————————————————————————————————————————————

  /**
   * A function the model called. Its output goes back at once, so the conversation goes on; a
   * final answer is written once the words of the turn it answers are in (answers are written in
   * order, and the stream's end after them), and the next response is the goodbye.
   */
  private onTool(name: string, callId: string, argumentsJson: string, responseId: string) {
    this.session?.connection.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: callId, output: JSON.stringify({ ok: true }) },
    })
    if (FINAL_TOOLS.has(name)) {
      this.takeAnswer(async () => {
        const settings = this.context?.settings
        if (!settings) return undefined
        const lastWords = await this.turns.wordsFor(responseId, this.timing.transcriptWaitMs)
        return decideToolCall(name, argumentsJson, {
          lastWords,
          now: this.deps.now(),
          callingHours: settings.callingHours,
          timezone: settings.timezone,
        })
      })
      return this.endAfterAnswer()
    }
    if (name === 'end_call') {
      this.ending ??= 'agent_ended'
      // A goodbye said in the same response as end_call is the goodbye.
      if (this.spokeInResponse) this.saidGoodbye = true
      return
    }
    this.log.warn('the model called a tool that does not exist', { name })
    this.respond()
  }

  /** The customer answered (by voice or key): from now on the call only ends; the answer is written in turn. */
  private takeAnswer(decide: () => Promise<Answer | undefined>) {
    this.answered = true
    this.writing = this.writing
      .then(async () => {
        const answer = await decide()
        if (answer?.action === 'answer') await this.answer(this.afterCallback(answer))
        else if (answer?.action === 'call_back') {
          // Written when the stream ends, so that an answer after it ("no, wait, I confirm") can still take its place.
          this.callbackAsked = { at: answer.at, evidence: answer.evidence }
          await this.note(`Call back at ${new Date(answer.at).toISOString()}`)
        }
      })
      .catch((error) => this.log.error('could not record the answer', { error }))
  }

  private async answer(given: AnsweredWith) {
    if (!this.context) return
    const answer = laterAnswer(this.lastAnswer, given)
    if (!answer) return
    this.lastAnswer = answer
    await this.deps.callLedger.answer(this.context.orderId, answer.outcome, storedEvidence(answer.evidence), this.deps.now())
    await this.note(`Recorded: ${answer.outcome}`)
  }

  /** An answer given after a callback was asked for replaces it; the evidence keeps both. */
  private afterCallback(answer: AnsweredWith): AnsweredWith {
    const asked = this.callbackAsked
    this.callbackAsked = undefined
    return asked ? { ...answer, evidence: withEarlier(answer.evidence, asked.evidence) } : answer
  }

  /** The callback the customer asked for last, if no answer came after it: the order waits in the queue for that time. */
  private async recordCallbackAsked() {
    const asked = this.callbackAsked
    if (!asked || !this.context) return
    const evidence = this.lastAnswer ? withEarlier(asked.evidence, this.lastAnswer.evidence) : asked.evidence
    await this.deps.callLedger.callBack(this.context.orderId, asked.at, storedEvidence(evidence), this.deps.now())
  }

  // — the end ———————————————————————————————————————————————————

  private onSilence() {
    if (this.ending || this.hungUp || this.answered) return
    if (!this.promptedSilence) {
      this.promptedSilence = true
      return this.respond('The customer has said nothing for a while. Ask briefly whether they can hear you.')
    }
    this.endPolitely('silence')
  }

  /** The conversation must end: a short goodbye, then the line drops (or drops anyway soon after). Nothing if it is ending already. */
  private endPolitely(reason: string) {
    if (this.ending || this.hungUp) return
    this.ending = reason
    this.askGoodbye("The call must end now. Say a short, polite goodbye, in the customer's language.")
  }

  /** A final answer (a new one replaces an earlier one): the next response is the goodbye, whatever was said before it. */
  private endAfterAnswer() {
    if (this.hungUp) return
    this.ending ??= 'agent_ended'
    this.askGoodbye(AFTER_ANSWER)
  }

  /**
   * The next response is the goodbye: once it is over and its last audio mark is back from Twilio
   * the line drops (onMarkPlayed, or response.done when nothing is left playing), and in any case
   * `goodbyeGraceMs` later.
   */
  private askGoodbye(guidance: string) {
    this.saidGoodbye = false
    this.goodbyeAsks++
    this.respond(guidance, true)
    this.later('goodbye', this.timing.goodbyeGraceMs, () => this.hangUpNow())
  }

  /**
   * A response ended while the call is ending: hang up once the goodbye has played; if the model
   * said nothing since the ending began (a tool call or end_call alone), ask for the goodbye once
   * more, so the customer always hears one.
   */
  private goodbyeOrHangUp() {
    if (!this.saidGoodbye) return this.goodbyeAsks < MAX_GOODBYE_ASKS ? this.askGoodbye(GOODBYE_AGAIN) : this.hangUpNow()
    if (this.playout?.endMarksPending === 0) this.hangUpNow()
  }

  /** The agent cannot go on (Realtime unreachable, dropped, expired): end the call and call again later. */
  private agentFailed(why: string) {
    if (this.hungUp || this.phase === 'closed') return
    this.log.error('the agent failed; ending the call', { why })
    this.ending = 'agent_failed'
    this.failure = why
    // Nothing recorded yet, but the customer had spoken: a person looks rather than calling them again.
    const last = this.turns.last()
    const review = !this.answered && afterAgentFailure({ spoke: this.spokeSinceGreeting, words: last?.words })
    if (review) this.takeAnswer(async () => ({ action: 'answer', ...review }))
    this.hangUpNow()
  }

  private hangUpNow() {
    if (this.hungUp || !this.context) return
    this.hungUp = true
    // No phone call behind the stream (the dashboard's talk page): hanging up is closing it.
    if (!this.context.callSid) return this.socket.close(1000, 'the conversation is over')
    hangUp(this.deps.twilio.client, this.context.callSid, true).catch((error) => this.log.error('hanging up failed', { error }))
  }

  /** The stream is over: close the agent, write the call down, settle it if Twilio already has. */
  private async finish(reason: string) {
    if (this.phase === 'closed') return
    const wasLive = this.phase === 'live'
    this.phase = 'closed'
    for (const timer of this.timers.values()) clearTimeout(timer)
    // An answer may still be waiting for its words: the session stays open until it has them (transcriptWaitMs at most).
    const session = this.session
    this.session = undefined
    void this.writing.finally(() => session?.connection.close())
    if (!wasLive) return
    this.recorded = this.recordEnd(reason).catch((error) => this.log.error('could not write the end of the call', { error }))
    await this.recorded
  }

  /** Writes the stream's end on the attempt, and settles the attempt if Twilio has already ended the call. */
  private async recordEnd(reason: string) {
    if (!this.context) return
    await this.writing
    await this.recordCallbackAsked()
    const endReason = this.ending ?? reason
    const usage = { ...this.usage }
    const { attemptId, orderId, callSid } = this.context
    await this.deps.callLedger.end(
      { attemptId, orderId, callSid },
      { endReason, usage, modelCostUsd: modelCost(this.usage, this.deps.prices), greetingMs: this.greetingMs, error: this.failure },
      this.deps.now(),
    )
    this.log.info('media stream ended', { endReason, greetingMs: this.greetingMs ?? undefined })
  }

  private transcribe(speaker: 'agent' | 'customer' | 'system', text: string) {
    if (!this.context) return Promise.resolve()
    return this.deps.callLedger
      .addLine({
        orderId: this.context.orderId,
        attemptId: this.context.attemptId,
        speaker,
        text,
        at: this.deps.now(),
      })
      .catch((error) => this.log.error('could not save a transcript line', { error }))
  }

  private note(text: string) {
    return this.transcribe('system', text)
  }

  private later(name: string, ms: number, fn: () => void) {
    this.clearTimer(name)
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name)
        fn()
      }, ms),
    )
  }

  private clearTimer(name: string) {
    const timer = this.timers.get(name)
    if (timer) clearTimeout(timer)
    this.timers.delete(name)
  }
}
