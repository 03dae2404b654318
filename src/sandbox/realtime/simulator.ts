import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  ConversationItem,
  RealtimeClientEvent,
  RealtimeResponseUsage,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
} from 'openai/resources/realtime/realtime'
import { type WebSocket, WebSocketServer } from 'ws'
import { frameEnergy, hear, speak } from '../speech.js'
import { type BrainHabits, type Call, decide, type Item } from './brain.js'
import { inOrder, type ModelDeviation, type ModelFailure, type RealModel, RealModelSession } from './realModel.js'

export { MODEL_DEVIATIONS, type ModelDeviation, type RealModel } from './realModel.js'

/**
 * How a response fails, as OpenAI reports it: `response.done` with status `failed` (a server error,
 * a rate limit: `status_details.error`) or `incomplete` (`status_details.reason`), or an `error`
 * event (`rate_limit_exceeded`) in place of the response.
 */
export type ResponseFailure =
  | { status: 'failed'; error: { type: string; code?: string } }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { error: 'rate_limit_exceeded' }

/** How the real model's failures look on the wire. */
const REAL_FAILURES: Record<ModelFailure, ResponseFailure> = {
  failed_response: { status: 'failed', error: { type: 'server_error' } },
  incomplete_response: { status: 'incomplete', reason: 'max_output_tokens' },
  rate_limited: { error: 'rate_limit_exceeded' },
}

export interface RealtimeSimulatorOptions {
  apiKey: string
  /** How fast the simulated model speaks: milliseconds of audio per character (default 60). */
  msPerChar?: number
  /** The model's own latency before a response's first audio (default 0; a real model draws its own). */
  firstAudioMs?: number
  /** How often a 20 ms delta is sent: faster than real time, as OpenAI streams (default 5 ms). */
  deltaEveryMs?: number
  /** Sessions behave like gpt-realtime, seeded (see `behaveLikeRealModel`); without it, like the ideal model. */
  realModel?: RealModel
}

/** One Realtime session as the simulator holds it; tests read it to see what OpenAI saw. */
export interface SimulatedSession {
  model: string
  session: RealtimeSessionCreateRequest
  /** Every client event type received, in order. */
  received: string[]
  /** The `response` parameters of each `response.create` received (`{}` for a plain one). */
  responseCreates: Array<NonNullable<Extract<RealtimeClientEvent, { type: 'response.create' }>['response']>>
  /** Truncations asked for, and whether they were valid. */
  truncations: Array<{ item_id: string; audio_end_ms: number; accepted: boolean }>
  /** Error codes sent. */
  errors: string[]
  /** Texts the customer said (as transcribed). */
  heard: string[]
  /** What the model said in each response (all its speech, as generated), the tools it called, how it ended, and how many output items and audio deltas it sent. */
  responses: Array<{ id: string; said: string; status: string; calls: string[]; deltas: number; items: number }>
  /** How the real model departed from the ideal one, in order (none without a real model). */
  deviations: ModelDeviation[]
  closed: boolean
}

export interface RealtimeSimulator {
  /** `OPENAI_REALTIME_URL` for this simulator. */
  url: string
  sessions: SimulatedSession[]
  /** Refuse new connections (HTTP 503), as when OpenAI cannot be reached. */
  refuseConnections(refuse: boolean): void
  /** Close each new session's socket this long after it opens, as a dropped connection. */
  dropSessionsAfter(ms: number | undefined): void
  /** A cancelled response (by the client or by a barge-in) still sends this many deltas before its `response.done` (a real model draws its own, 0–4). */
  sendDeltasAfterCancel(count: number): void
  /** The next `count` responses, in any session, fail as `failure` says, with no audio. */
  failNextResponses(count: number, failure: ResponseFailure): void
  /** How the simulated model departs from the ideal one from now on (`neverEndCall`: it says goodbye but never calls `end_call`). */
  /** From now on each turn's transcription is sent `ms` after the response that answers it, as a late transcription (undefined: at once). */
  transcribeLate(ms: number | undefined): void
  setHabits(habits: BrainHabits): void
  /**
   * Sessions opened from now on behave like gpt-realtime is reported to (realModel.ts), each with
   * its own generator drawn from the seed and its ordinal since this call, so the same client sees
   * the same model again; `undefined` brings back the ideal model.
   */
  behaveLikeRealModel(model: RealModel | undefined): void
  /** Which response sent this `response.output_audio.delta` payload, and whether it went out after that response was cancelled. */
  audioOwner(base64Payload: string): { responseId: string; afterCancel: boolean } | undefined
  close(): Promise<void>
}

const FRAME_BYTES = 160 // 20 ms of µ-law
const SPEECH_ENERGY = 1000
let counter = 0
const id = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(8, '0')}${Math.random().toString(36).slice(2, 10)}`

/** An assistant audio item being streamed: its audio, how much of it was sent, and its item in the conversation. */
interface AudioItem {
  itemId: string
  index: number
  text: string
  audio: Uint8Array
  sent: number
  item: { transcript: string }
}

/** How many characters of its text `bytes` of an audio item have said: the words keep pace with the audio. */
const spokenChars = (speech: AudioItem, bytes: number) => Math.floor((bytes / speech.audio.length) * speech.text.length)

const usage = (inputAudioMs: number, inputText: number, outputAudioMs: number, outputText: number): RealtimeResponseUsage => {
  // OpenAI's accounting: 1 token per 100 ms of input audio, 1 per 50 ms of output audio.
  const inputAudio = Math.ceil(inputAudioMs / 100)
  const outputAudio = Math.ceil(outputAudioMs / 50)
  return {
    total_tokens: inputAudio + inputText + outputAudio + outputText,
    input_tokens: inputAudio + inputText,
    output_tokens: outputAudio + outputText,
    input_token_details: {
      text_tokens: inputText,
      audio_tokens: inputAudio,
      image_tokens: 0,
      cached_tokens: 0,
      cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
  }
}

/**
 * OpenAI's Realtime API (GA) on loopback for one model, over WebSocket: `session.created`,
 * `session.updated`, server VAD measuring the energy of incoming µ-law (`speech_started`,
 * `speech_stopped`, `committed`), transcriptions, responses streamed as 20 ms µ-law deltas with
 * their transcript, function calls, `response.done` with usage, truncation checked against the
 * audio actually generated, barge-in cancelling the active response, and the real error codes
 * (`conversation_already_has_active_response`…). What the "model" says comes from brain.ts; in
 * real-model mode (realModel.ts) it also departs from the ideal stream, seeded, as gpt-realtime does.
 */
export async function startRealtimeSimulator(options: RealtimeSimulatorOptions): Promise<RealtimeSimulator> {
  const sessions: SimulatedSession[] = []
  const sockets = new Set<WebSocket>()
  let refusing = false
  let dropAfter: number | undefined
  let deltasAfterCancel = 0
  const failures: ResponseFailure[] = []
  let transcribeLateMs: number | undefined
  let habits: BrainHabits = {}
  let realModel = options.realModel
  let realSessions = 0
  let audioSeed = 0 // seeds each audio item, so no two items' deltas are alike
  const owners = new Map<string, { responseId: string; afterCancel: boolean }>()
  const http = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })

  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const reject = (status: number, body: object) => {
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 400 ? 'Bad Request' : 'Service Unavailable'}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify(body)}`,
      )
    }
    if (refusing) return reject(503, { error: { message: 'The server is overloaded.', type: 'server_error', code: null } })
    if (req.headers.authorization !== `Bearer ${options.apiKey}`)
      return reject(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } })
    if (url.pathname !== '/v1/realtime' || !url.searchParams.get('model'))
      return reject(400, {
        error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', code: 'missing_required_parameter' },
      })
    wss.handleUpgrade(req, socket, head, (ws) => run(ws, url.searchParams.get('model')!))
  })

  function run(ws: WebSocket, model: string) {
    sockets.add(ws)
    const timers = new Set<ReturnType<typeof setTimeout>>()
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t)
        fn()
      }, ms)
      timers.add(t)
    }
    const session: RealtimeSessionCreateRequest = {
      type: 'realtime',
      model,
      output_modalities: ['audio'],
      instructions: 'You are a helpful assistant.',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
      },
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
    }
    const record: SimulatedSession = {
      model,
      session,
      received: [],
      responseCreates: [],
      truncations: [],
      errors: [],
      heard: [],
      responses: [],
      deviations: [],
      closed: false,
    }
    sessions.push(record)
    const real = realModel && new RealModelSession(realModel, realSessions++, record.deviations)
    const conversation: Item[] = []
    const audioItems = new Map<string, number>() // assistant item → generated audio ms
    let audioMs = 0
    let speech: { itemId: string; startMs: number; bytes: number[]; silentMs: number } | undefined
    let pending = new Uint8Array(0)
    let active: { id: string; cancel: (reason: 'turn_detected' | 'client_cancelled') => void } | undefined
    let userAudioMs = 0
    let lastFailed = false
    /** Transcriptions held back until the response that answers their turn is over. */
    let lateTranscripts: Array<{ afterMs: number; send: () => void }> = []

    const send = (event: RealtimeServerEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event))
    }
    const error = (code: string, message: string, param: string | null = null) => {
      record.errors.push(code)
      send({ type: 'error', event_id: id('event'), error: { type: 'invalid_request_error', code, message, param, event_id: null } })
    }
    const turnDetection = () => session.audio?.input?.turn_detection
    const tools = () => new Set((session.tools ?? []).flatMap((t) => ('name' in t && t.name ? [t.name] : [])))

    /** A response that fails before it says anything. */
    function fail(failure: ResponseFailure) {
      if (!('status' in failure)) {
        record.errors.push(failure.error)
        return send({
          type: 'error',
          event_id: id('event'),
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit_exceeded',
            message: 'Rate limit reached for gpt-realtime on tokens per min (TPM): Limit 40000, Used 40000, Requested 1200.',
            param: null,
            event_id: null,
          },
        })
      }
      const responseId = id('resp')
      record.responses.push({ id: responseId, said: '', status: failure.status, calls: [], deltas: 0, items: 0 })
      const response = { object: 'realtime.response' as const, id: responseId, output_modalities: ['audio' as const], output: [] }
      send({ type: 'response.created', event_id: id('event'), response: { ...response, status: 'in_progress' } })
      const status_details =
        failure.status === 'failed' ? { type: 'failed' as const, error: failure.error } : { type: 'incomplete' as const, reason: failure.reason }
      send({
        type: 'response.done',
        event_id: id('event'),
        response: { ...response, status: failure.status, status_details, usage: usage(0, 0, 0, 0) },
      })
    }

    /**
     * A response: the brain's decision as a sequence of parts (audio items and function calls),
     * streamed in order after the model's latency. A cancel stops the sequence: the audio item
     * under way ends with the transcript of what was generated, calls not yet emitted are dropped.
     */
    function respond(instructions?: string, toolChoice?: unknown) {
      // The real model never fails twice running: the client retries once, and the retry should go through.
      const drawn = real && !lastFailed && !failures.length ? real.failure() : undefined
      const failure = failures.shift() ?? (drawn && REAL_FAILURES[drawn])
      lastFailed = failure !== undefined
      // A failed response answers nothing: the turn's late transcription waits for the retry.
      if (failure) return fail(failure)
      // The turns this response answers: their late transcriptions follow it.
      const held = lateTranscripts
      lateTranscripts = []
      // `tool_choice: 'none'` for this response: it can only speak (and so cannot call the answer's tool again).
      const available = toolChoice === 'none' ? new Set<string>() : tools()
      const decision = decide(session.instructions ?? '', instructions, conversation, available, {
        neverEndCall: habits.neverEndCall || real?.skipsEndCall,
        repeatsAnswer: available.size > 0 && real?.repeatsAnswer(conversation),
      })
      const parts = real ? real.arrange(decision) : inOrder(decision)
      const responseId = id('resp')
      const entry = { id: responseId, said: '', status: 'in_progress', calls: [] as string[], deltas: 0, items: 0 }
      record.responses.push(entry)
      const output: ConversationItem[] = []
      const spoken: string[] = []
      let audioBytes = 0
      let speaking: AudioItem | undefined
      let cancelled: 'turn_detected' | 'client_cancelled' | undefined
      send({
        type: 'response.created',
        event_id: id('event'),
        response: { object: 'realtime.response', id: responseId, status: 'in_progress', output: [], output_modalities: ['audio'] },
      })

      const startSpeech = (text: string) => {
        const itemId = id('item')
        const index = entry.items++
        send({
          type: 'response.output_item.added',
          event_id: id('event'),
          response_id: responseId,
          output_index: index,
          item: { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
        })
        // In the conversation from the moment it is added, as OpenAI's items are.
        const item = { kind: 'assistant' as const, transcript: '' }
        conversation.push(item)
        audioItems.set(itemId, 0)
        speaking = { itemId, index, text, audio: speak(text, options.msPerChar ?? 60, ++audioSeed), sent: 0, item }
      }
      // One 20 ms delta of the item under way, with the words it carries.
      const sendDelta = (afterCancel: boolean) => {
        const s = speaking!
        const chunk = s.audio.subarray(s.sent, s.sent + FRAME_BYTES)
        s.sent += chunk.length
        audioBytes += chunk.length
        audioItems.set(s.itemId, s.sent / 8)
        const delta = Buffer.from(chunk).toString('base64')
        owners.set(delta, { responseId, afterCancel })
        const at = { response_id: responseId, item_id: s.itemId, output_index: s.index, content_index: 0 }
        send({ type: 'response.output_audio.delta', event_id: id('event'), ...at, delta })
        // The transcript streams alongside, in step with the audio.
        const words = s.text.slice(spokenChars(s, s.sent - chunk.length), spokenChars(s, s.sent))
        if (words) send({ type: 'response.output_audio_transcript.delta', event_id: id('event'), ...at, delta: words })
        entry.deltas++
      }
      const endSpeech = () => {
        const s = speaking!
        speaking = undefined
        const transcript = s.text.slice(0, spokenChars(s, s.sent))
        s.item.transcript = transcript
        spoken.push(transcript)
        const at = { response_id: responseId, item_id: s.itemId, output_index: s.index, content_index: 0 }
        send({ type: 'response.output_audio.done', event_id: id('event'), ...at })
        send({ type: 'response.output_audio_transcript.done', event_id: id('event'), ...at, transcript })
        const item: ConversationItem = {
          id: s.itemId,
          object: 'realtime.item',
          type: 'message',
          role: 'assistant',
          status: s.sent < s.audio.length ? 'incomplete' : 'completed',
          content: [{ type: 'output_audio', transcript }],
        }
        output.push(item)
        send({ type: 'response.output_item.done', event_id: id('event'), response_id: responseId, output_index: s.index, item })
      }
      const emitCall = (call: Call) => {
        const callId = id('call')
        const itemId = id('item')
        const index = entry.items++
        const args = JSON.stringify(call.arguments)
        const at = { response_id: responseId, item_id: itemId, output_index: index, call_id: callId }
        send({
          type: 'response.output_item.added',
          event_id: id('event'),
          response_id: responseId,
          output_index: index,
          item: { id: itemId, type: 'function_call', call_id: callId, name: call.name, arguments: '', status: 'in_progress' },
        })
        send({ type: 'response.function_call_arguments.delta', event_id: id('event'), ...at, delta: args })
        send({ type: 'response.function_call_arguments.done', event_id: id('event'), ...at, name: call.name, arguments: args })
        const item: ConversationItem = { id: itemId, type: 'function_call', call_id: callId, name: call.name, arguments: args, status: 'completed' }
        output.push(item)
        send({ type: 'response.output_item.done', event_id: id('event'), response_id: responseId, output_index: index, item })
        conversation.push({ kind: 'function_call', callId, ...call })
        entry.calls.push(call.name)
      }
      const finish = () => {
        active = undefined
        const status = cancelled ? 'cancelled' : 'completed'
        entry.status = status
        entry.said = spoken.join(' ')
        const inputText = Math.ceil((session.instructions ?? '').length / 4)
        send({
          type: 'response.done',
          event_id: id('event'),
          response: {
            object: 'realtime.response',
            id: responseId,
            status,
            status_details: cancelled ? { type: 'cancelled', reason: cancelled } : undefined,
            output_modalities: ['audio'],
            output,
            usage: usage(userAudioMs, inputText, audioBytes / 8, Math.ceil(entry.said.length / 4)),
          },
        })
        userAudioMs = 0
        for (const late of held) later(late.afterMs, late.send)
      }
      // The sequence: the item under way streams its deltas faster than they play, then the next part.
      const next = () => {
        if (cancelled) return
        if (speaking && speaking.sent < speaking.audio.length) {
          sendDelta(false)
          return later(options.deltaEveryMs ?? 5, next)
        }
        if (speaking) endSpeech()
        const part = parts.shift()
        if (!part) return finish()
        if (part.kind === 'call') emitCall(part.call)
        else startSpeech(part.text)
        next()
      }

      active = {
        id: responseId,
        cancel: (reason) => {
          // Deltas already on the wire when the cancel arrived still reach the client.
          const inFlight = real ? real.deltasAfterCancel() : deltasAfterCancel
          for (let i = 0; i < inFlight && speaking && speaking.sent < speaking.audio.length; i++) sendDelta(true)
          cancelled = reason
          if (speaking) endSpeech()
          finish()
        },
      }
      later(real ? real.firstOutputMs() : (options.firstAudioMs ?? 0), next)
    }

    /** Server VAD over 20 ms frames of the incoming µ-law. */
    function listen(frame: Uint8Array) {
      audioMs += 20
      const detection = turnDetection()
      if (!detection || session.audio?.input?.format?.type !== 'audio/pcmu') return
      const loud = frameEnergy(frame) > SPEECH_ENERGY
      if (!speech && loud) {
        speech = { itemId: id('item'), startMs: audioMs - 20, bytes: [...frame], silentMs: 0 }
        send({ type: 'input_audio_buffer.speech_started', event_id: id('event'), audio_start_ms: speech.startMs, item_id: speech.itemId })
        if (active && detection.interrupt_response !== false) active.cancel('turn_detected')
        return
      }
      if (!speech) return
      speech.bytes.push(...frame)
      speech.silentMs = loud ? 0 : speech.silentMs + 20
      const silence = detection.type === 'server_vad' ? (detection.silence_duration_ms ?? 500) : 500
      if (speech.silentMs < silence) return
      const done = speech
      speech = undefined
      userAudioMs += audioMs - done.startMs
      send({ type: 'input_audio_buffer.speech_stopped', event_id: id('event'), audio_end_ms: audioMs, item_id: done.itemId })
      send({ type: 'input_audio_buffer.committed', event_id: id('event'), item_id: done.itemId, previous_item_id: null })
      const transcript = hear(new Uint8Array(done.bytes)).join(' ')
      record.heard.push(transcript)
      conversation.push({ kind: 'user_audio', transcript })
      const seconds = (audioMs - done.startMs) / 1000
      const transcribed = () =>
        send({
          type: 'conversation.item.input_audio_transcription.completed',
          event_id: id('event'),
          item_id: done.itemId,
          content_index: 0,
          transcript,
          usage: { type: 'duration', seconds },
        } as RealtimeServerEvent)
      const creates = detection.create_response !== false
      // Only held back when a response is sure to follow (it answers the turn, then the transcription comes).
      const lateMs = creates ? (transcribeLateMs ?? real?.lateTranscriptMs()) : undefined
      if (lateMs !== undefined) lateTranscripts.push({ afterMs: lateMs, send: transcribed })
      later(30, () => {
        if (lateMs === undefined) transcribed()
        if (creates && !active) respond()
      })
    }

    function receive(event: RealtimeClientEvent) {
      record.received.push(event.type)
      switch (event.type) {
        case 'session.update': {
          if (event.session.type !== 'realtime')
            return error('missing_required_parameter', "Missing required parameter: 'session.type'.", 'session.type')
          const update = event.session as RealtimeSessionCreateRequest
          Object.assign(session, {
            ...update,
            audio: { input: { ...session.audio?.input, ...update.audio?.input }, output: { ...session.audio?.output, ...update.audio?.output } },
          })
          return send({ type: 'session.updated', event_id: id('event'), session })
        }
        case 'input_audio_buffer.append': {
          const bytes = new Uint8Array(Buffer.from(event.audio, 'base64'))
          const all = new Uint8Array(pending.length + bytes.length)
          all.set(pending)
          all.set(bytes, pending.length)
          let offset = 0
          for (; offset + FRAME_BYTES <= all.length; offset += FRAME_BYTES) listen(all.subarray(offset, offset + FRAME_BYTES))
          pending = all.slice(offset)
          return
        }
        case 'conversation.item.create': {
          const item = event.item
          if (item.type === 'function_call_output') conversation.push({ kind: 'function_output', callId: item.call_id, output: item.output })
          else if (item.type === 'message' && (item.role === 'user' || item.role === 'system'))
            conversation.push({ kind: 'user_text', text: item.content.map((c) => ('text' in c ? c.text : '')).join(' ') })
          const created = { ...item, id: item.id ?? id('item') }
          send({ type: 'conversation.item.added', event_id: id('event'), previous_item_id: null, item: created } as RealtimeServerEvent)
          return send({ type: 'conversation.item.done', event_id: id('event'), previous_item_id: null, item: created } as RealtimeServerEvent)
        }
        case 'response.create':
          record.responseCreates.push(event.response ?? {})
          if (active)
            return error(
              'conversation_already_has_active_response',
              `Conversation already has an active response in progress: ${active.id}. Wait until the response is finished before creating a new one.`,
            )
          return respond(event.response?.instructions ?? undefined, event.response?.tool_choice)
        case 'response.cancel':
          if (!active) return error('response_cancel_not_active', 'Cancellation failed: no active response found.')
          return active.cancel('client_cancelled')
        case 'conversation.item.truncate': {
          const generated = audioItems.get(event.item_id)
          const accepted = generated !== undefined && event.audio_end_ms <= generated && event.audio_end_ms >= 0
          record.truncations.push({ item_id: event.item_id, audio_end_ms: event.audio_end_ms, accepted })
          if (generated === undefined) return error('item_truncate_invalid_item_id', `Item with id '${event.item_id}' not found.`, 'item_id')
          if (!accepted)
            return error(
              'invalid_value',
              `Audio content of ${Math.round(generated)}ms is already shorter than ${event.audio_end_ms}ms`,
              'audio_end_ms',
            )
          return send({
            type: 'conversation.item.truncated',
            event_id: id('event'),
            item_id: event.item_id,
            content_index: 0,
            audio_end_ms: event.audio_end_ms,
          })
        }
        default:
          return error('invalid_value', `Invalid value: '${event.type}'.`, 'type')
      }
    }

    ws.on('message', (data) => {
      let event: RealtimeClientEvent
      try {
        event = JSON.parse(data.toString())
      } catch {
        return error('invalid_json', 'The event could not be parsed as JSON.')
      }
      receive(event)
    })
    ws.on('close', () => {
      record.closed = true
      for (const t of timers) clearTimeout(t)
      sockets.delete(ws)
    })
    send({ type: 'session.created', event_id: id('event'), session })
    if (dropAfter !== undefined) later(dropAfter, () => ws.terminate())
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/v1/realtime`,
    sessions,
    refuseConnections(refuse) {
      refusing = refuse
    },
    dropSessionsAfter(ms) {
      dropAfter = ms
    },
    sendDeltasAfterCancel(count) {
      deltasAfterCancel = count
    },
    failNextResponses(count, failure) {
      failures.push(...Array.from({ length: count }, () => failure))
    },
    transcribeLate(ms) {
      transcribeLateMs = ms
    },
    setHabits(next) {
      habits = { ...next }
    },
    behaveLikeRealModel(model) {
      realModel = model
      realSessions = 0
    },
    audioOwner(base64Payload) {
      return owners.get(base64Payload)
    },
    async close() {
      for (const ws of sockets) ws.terminate()
      await new Promise((resolve) => wss.close(resolve))
      await new Promise((resolve) => http.close(resolve))
    },
  }
}
