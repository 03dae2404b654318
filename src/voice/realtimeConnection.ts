import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime'
import type { OpenRealtimeSocket } from './realtimeSocket.js'

/**
 * One OpenAI Realtime (GA) session over WebSocket. Events in and out are the `openai` package's
 * types, so every shape is checked by the compiler; only the hot audio append is built as text.
 */
export interface RealtimeConnection {
  send(event: RealtimeClientEvent): void
  /** `input_audio_buffer.append` for base64 audio straight from Twilio. */
  appendAudio(base64: string): void
  /** Where the connection's events go; events before one is set are kept for it. */
  onEvent(handler: (event: RealtimeServerEvent) => void): void
  /**
   * Where the model's audio goes, read without a full JSON parse (it streams 50 deltas a second
   * per call), with `performance.now()` when its message arrived. Until set, audio deltas arrive
   * through `onEvent` like any other event.
   */
  onAudioDelta(handler: (delta: AudioDelta, receivedAt: number) => void): void
  onClose(handler: (code: number) => void): void
  readonly open: boolean
  close(): void
}

/** One `response.output_audio.delta`, as far as the call needs it. */
export interface AudioDelta {
  responseId: string
  itemId: string
  /** Base64 audio. */
  delta: string
}

export interface RealtimeEndpoint {
  /** `wss://api.openai.com/v1/realtime` (OPENAI_REALTIME_URL). */
  url: string
  apiKey: string
  model: string
}

/**
 * The value of a string field that holds no escapes (ids, base64), found by position; undefined
 * when the field is absent or its value has a backslash (then a full parse reads it).
 */
function stringField(text: string, name: string): string | undefined {
  const key = `"${name}":"`
  const start = text.indexOf(key)
  if (start < 0) return undefined
  const from = start + key.length
  const end = text.indexOf('"', from)
  const value = end < 0 ? undefined : text.slice(from, end)
  return value && !value.includes('\\') ? value : undefined
}

/** How long to wait for the socket to open before the call gives up on the agent. */
const CONNECT_TIMEOUT_MS = 5_000

/**
 * Opens a session's socket through the runtime's `open` (realtimeSocket.ts) and reads its events:
 * audio deltas by position, everything else parsed.
 */
export async function connectRealtime(endpoint: RealtimeEndpoint, open: OpenRealtimeSocket): Promise<RealtimeConnection> {
  const url = new URL(endpoint.url)
  url.searchParams.set('model', endpoint.model)
  const ws = await open(url, { authorization: `Bearer ${endpoint.apiKey}` }, CONNECT_TIMEOUT_MS)
  let handler: ((event: RealtimeServerEvent) => void) | undefined
  const early: RealtimeServerEvent[] = []
  let audioHandler: ((delta: AudioDelta, receivedAt: number) => void) | undefined
  ws.onMessage((text) => {
    const receivedAt = performance.now()
    if (audioHandler && text.includes('"type":"response.output_audio.delta"')) {
      const responseId = stringField(text, 'response_id')
      const itemId = stringField(text, 'item_id')
      const delta = stringField(text, 'delta')
      if (responseId && itemId && delta) return audioHandler({ responseId, itemId, delta }, receivedAt)
    }
    let event: RealtimeServerEvent
    try {
      event = JSON.parse(text)
    } catch {
      return
    }
    if (handler) handler(event)
    else early.push(event)
  })
  return {
    send: (event) => ws.send(JSON.stringify(event)),
    appendAudio: (base64) => ws.send(`{"type":"input_audio_buffer.append","audio":"${base64}"}`),
    onEvent(next) {
      handler = next
      for (const event of early.splice(0)) next(event)
    },
    onAudioDelta(next) {
      audioHandler = next
    },
    onClose: (next) => ws.onClose(next),
    get open() {
      return ws.open
    },
    close: () => ws.close(1000),
  }
}
