/**
 * Twilio Media Streams, spoken in neutral call events: everything Twilio-shaped in the voice path
 * lives here (as a serializer in Pipecat). The bridge sees audio, keys, marks played, start and
 * stop; it never builds or reads a Twilio message itself.
 */

export type StreamEvent =
  | { kind: 'start'; streamSid: string; callSid: string; parameters: Record<string, string> }
  /** Caller audio: base64 µ-law, and Twilio's stream clock (ms since the stream started). */
  | { kind: 'audio'; payload: string; timestamp: number }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'mark'; name: string }
  | { kind: 'stop' }
  | { kind: 'connected' }
  | { kind: 'unknown' }

const MEDIA_PREFIX = '{"event":"media",'

/** Reads the two fields of a `media` message without a full parse; undefined if the shape differs. */
function fastMedia(text: string): StreamEvent | undefined {
  const t = text.indexOf('"timestamp":"')
  const p = text.indexOf('"payload":"')
  if (t < 0 || p < 0) return undefined
  const tEnd = text.indexOf('"', t + 13)
  const pEnd = text.indexOf('"', p + 11)
  if (tEnd < 0 || pEnd < 0) return undefined
  const timestamp = Number(text.slice(t + 13, tEnd))
  const payload = text.slice(p + 11, pEnd)
  // An escaped payload (`\/` is legal JSON for `/`) is left to JSON.parse.
  return Number.isFinite(timestamp) && !payload.includes('\\') ? { kind: 'audio', payload, timestamp } : undefined
}

/**
 * One message from Twilio as a call event. Media frames arrive 50 times a second per call in
 * Twilio's fixed shape (`{"event":"media",…"timestamp":"…","payload":"…"}`), so they are read by
 * position; anything else, or a media frame shaped otherwise, goes through JSON.parse.
 */
export function readStreamMessage(text: string): StreamEvent {
  if (text.startsWith(MEDIA_PREFIX)) {
    const media = fastMedia(text)
    if (media) return media
  }
  // biome-ignore lint/suspicious/noExplicitAny: Twilio's message, read field by field with fallbacks below
  let m: Record<string, any>
  try {
    m = JSON.parse(text)
  } catch {
    return { kind: 'unknown' }
  }
  switch (m.event) {
    case 'media':
      return { kind: 'audio', payload: String(m.media?.payload ?? ''), timestamp: Number(m.media?.timestamp ?? 0) }
    case 'start':
      return {
        kind: 'start',
        streamSid: String(m.start?.streamSid ?? m.streamSid ?? ''),
        callSid: String(m.start?.callSid ?? ''),
        parameters: (m.start?.customParameters ?? {}) as Record<string, string>,
      }
    case 'dtmf':
      return { kind: 'dtmf', digit: String(m.dtmf?.digit ?? '') }
    case 'mark':
      return { kind: 'mark', name: String(m.mark?.name ?? '') }
    case 'stop':
      return { kind: 'stop' }
    case 'connected':
      return { kind: 'connected' }
    default:
      return { kind: 'unknown' }
  }
}

/** Audio to play (base64 µ-law). Built as text: the payload is base64, which needs no escaping. */
export const audioMessage = (streamSid: string, payload: string) => `{"event":"media","streamSid":"${streamSid}","media":{"payload":"${payload}"}}`

/** Ask to be told when the audio sent so far has played. */
export const markMessage = (streamSid: string, name: string) => JSON.stringify({ event: 'mark', streamSid, mark: { name } })

/** Drop the audio Twilio still has queued (barge-in); Twilio echoes every pending mark. */
export const clearMessage = (streamSid: string) => JSON.stringify({ event: 'clear', streamSid })
