import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  RealtimeClientEvent,
  RealtimeResponseUsage,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
} from 'openai/resources/realtime/realtime'
import { type WebSocket, WebSocketServer } from 'ws'
import { frameEnergy, hear, speak } from '../speech.js'
import { type BrainHabits, type Decision, decide, type Item } from './brain.js'

/**
 * How a response fails, as OpenAI reports it: `response.done` with status `failed` (a server error,
 * a rate limit: `status_details.error`) or `incomplete` (`status_details.reason`), or an `error`
 * event (`rate_limit_exceeded`) in place of the response.
 */
export type ResponseFailure =
  | { status: 'failed'; error: { type: string; code?: string } }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { error: 'rate_limit_exceeded' }

export interface RealtimeSimulatorOptions {
  apiKey: string
  /** How fast the simulated model speaks: milliseconds of audio per character (default 60). */
  msPerChar?: number
  /** The model's own latency before a response's first audio (default 0). */
  firstAudioMs?: number
  /** How often a 20 ms delta is sent: faster than real time, as OpenAI streams (default 5 ms). */
  deltaEveryMs?: number
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
  /** What the model said in each response, and how that response ended. */
  responses: Array<{ id: string; said: string; status: string; calls: string[]; deltas: number }>
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
  /** A cancelled response (by the client or by a barge-in) still sends this many deltas before its `response.done`. */
  sendDeltasAfterCancel(count: number): void
  /** The next `count` responses, in any session, fail as `failure` says, with no audio. */
  failNextResponses(count: number, failure: ResponseFailure): void
  /** How the simulated model departs from the ideal one from now on (`neverEndCall`: it says goodbye but never calls `end_call`). */
  setHabits(habits: BrainHabits): void
  close(): Promise<void>
}

const FRAME_BYTES = 160 // 20 ms of µ-law
const SPEECH_ENERGY = 1000
let counter = 0
const id = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(8, '0')}${Math.random().toString(36).slice(2, 10)}`

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
 * (`conversation_already_has_active_response`…). What the "model" says comes from brain.ts.
 */
export async function startRealtimeSimulator(options: RealtimeSimulatorOptions): Promise<RealtimeSimulator> {
  const sessions: SimulatedSession[] = []
  const sockets = new Set<WebSocket>()
  let refusing = false
  let dropAfter: number | undefined
  let deltasAfterCancel = 0
  const failures: ResponseFailure[] = []
  let habits: BrainHabits = {}
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
      closed: false,
    }
    sessions.push(record)
    const conversation: Item[] = []
    const audioItems = new Map<string, number>() // assistant item → generated audio ms
    let audioMs = 0
    let speech: { itemId: string; startMs: number; bytes: number[]; silentMs: number } | undefined
    let pending = new Uint8Array(0)
    let active: { id: string; cancel: (reason: 'turn_detected' | 'client_cancelled') => void } | undefined
    let userAudioMs = 0

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
      record.responses.push({ id: responseId, said: '', status: failure.status, calls: [], deltas: 0 })
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

    function respond(instructions?: string) {
      const failure = failures.shift()
      if (failure) return fail(failure)
      const decision: Decision = decide(session.instructions ?? '', instructions, conversation, tools(), habits)
      const responseId = id('resp')
      const itemId = id('item')
      const audio = decision.say ? speak(decision.say, options.msPerChar ?? 60) : new Uint8Array(0)
      let sent = 0
      let cancelled: 'turn_detected' | 'client_cancelled' | undefined
      const entry = { id: responseId, said: decision.say, status: 'in_progress', calls: decision.calls.map((c) => c.name), deltas: 0 }
      record.responses.push(entry)
      send({
        type: 'response.created',
        event_id: id('event'),
        response: { object: 'realtime.response', id: responseId, status: 'in_progress', output: [], output_modalities: ['audio'] },
      })
      if (audio.length) {
        send({
          type: 'response.output_item.added',
          event_id: id('event'),
          response_id: responseId,
          output_index: 0,
          item: { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
        })
        audioItems.set(itemId, 0)
      }

      const finish = () => {
        active = undefined
        const spokenMs = sent / 8
        const said = cancelled ? decision.say.slice(0, Math.floor((sent / audio.length) * decision.say.length)) : decision.say
        if (audio.length) {
          send({
            type: 'response.output_audio.done',
            event_id: id('event'),
            response_id: responseId,
            item_id: itemId,
            output_index: 0,
            content_index: 0,
          })
          send({
            type: 'response.output_audio_transcript.done',
            event_id: id('event'),
            response_id: responseId,
            item_id: itemId,
            output_index: 0,
            content_index: 0,
            transcript: said,
          })
          conversation.push({ kind: 'assistant', transcript: said })
        }
        const calls = cancelled ? [] : decision.calls
        calls.forEach((call, i) => {
          const callId = id('call')
          const item = id('item')
          const args = JSON.stringify(call.arguments)
          const index = (audio.length ? 1 : 0) + i
          send({
            type: 'response.output_item.added',
            event_id: id('event'),
            response_id: responseId,
            output_index: index,
            item: { id: item, type: 'function_call', call_id: callId, name: call.name, arguments: '', status: 'in_progress' },
          })
          send({
            type: 'response.function_call_arguments.delta',
            event_id: id('event'),
            response_id: responseId,
            item_id: item,
            output_index: index,
            call_id: callId,
            delta: args,
          })
          send({
            type: 'response.function_call_arguments.done',
            event_id: id('event'),
            response_id: responseId,
            item_id: item,
            output_index: index,
            call_id: callId,
            name: call.name,
            arguments: args,
          })
          send({
            type: 'response.output_item.done',
            event_id: id('event'),
            response_id: responseId,
            output_index: index,
            item: { id: item, type: 'function_call', call_id: callId, name: call.name, arguments: args, status: 'completed' },
          })
          conversation.push({ kind: 'function_call', name: call.name, callId })
        })
        entry.status = cancelled ? 'cancelled' : 'completed'
        const inputText = Math.ceil((session.instructions ?? '').length / 4)
        send({
          type: 'response.done',
          event_id: id('event'),
          response: {
            object: 'realtime.response',
            id: responseId,
            status: cancelled ? 'cancelled' : 'completed',
            status_details: cancelled ? { type: 'cancelled', reason: cancelled } : null,
            output_modalities: ['audio'],
            output: [],
            usage: usage(userAudioMs, inputText, spokenMs, Math.ceil(said.length / 4)),
          },
        } as RealtimeServerEvent)
        userAudioMs = 0
      }

      active = {
        id: responseId,
        cancel: (reason) => {
          // Deltas already on the wire when the cancel arrived still reach the client.
          for (let i = 0; i < deltasAfterCancel && sent < audio.length; i++) sendDelta()
          cancelled = reason
          finish()
        },
      }
      // Stream the audio in 20 ms deltas, faster than it plays, after the model's own latency.
      const sendDelta = () => {
        const chunk = audio.subarray(sent, sent + FRAME_BYTES)
        sent += chunk.length
        audioItems.set(itemId, sent / 8)
        send({
          type: 'response.output_audio.delta',
          event_id: id('event'),
          response_id: responseId,
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          delta: Buffer.from(chunk).toString('base64'),
        })
        // The transcript streams alongside, in step with the audio.
        const spokenTo = Math.floor((sent / audio.length) * decision.say.length)
        const words = decision.say.slice(Math.floor(((sent - chunk.length) / audio.length) * decision.say.length), spokenTo)
        if (words)
          send({
            type: 'response.output_audio_transcript.delta',
            event_id: id('event'),
            response_id: responseId,
            item_id: itemId,
            output_index: 0,
            content_index: 0,
            delta: words,
          })
        entry.deltas++
      }
      const stream = () => {
        if (cancelled || !active || active.id !== responseId) return
        if (sent >= audio.length) return finish()
        sendDelta()
        later(options.deltaEveryMs ?? 5, stream)
      }
      later(options.firstAudioMs ?? 0, stream)
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
      later(30, () => {
        send({
          type: 'conversation.item.input_audio_transcription.completed',
          event_id: id('event'),
          item_id: done.itemId,
          content_index: 0,
          transcript,
          usage: { type: 'duration', seconds: (audioMs - done.startMs) / 1000 },
        } as RealtimeServerEvent)
        if (detection.create_response !== false && !active) respond()
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
          return respond(event.response?.instructions ?? undefined)
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
    setHabits(next) {
      habits = { ...next }
    },
    async close() {
      for (const ws of sockets) ws.terminate()
      await new Promise((resolve) => wss.close(resolve))
      await new Promise((resolve) => http.close(resolve))
    },
  }
}
