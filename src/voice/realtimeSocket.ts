/**
 * A WebSocket to OpenAI Realtime as a call needs it: text frames both ways, a header on the
 * upgrade (the API key), a bounded handshake. Each runtime opens its own: Node with `ws`
 * (nodeRealtimeSocket.ts, the fastest there), Workers through fetch's upgrade
 * (worker/realtimeSocket.ts), as the WHATWG WebSocket can send no headers.
 */
export interface RealtimeSocket {
  /** Dropped once the socket is no longer open (the call is ending). */
  send(text: string): void
  close(code: number): void
  readonly open: boolean
  /** Where each text frame goes; set once, right after the socket opens. */
  onMessage(handler: (text: string) => void): void
  /** Called once with the close code; at once if the socket has already closed. */
  onClose(handler: (code: number) => void): void
}

/** Opens a socket to `url` (ws: or wss:) sending `headers`, or rejects naming why (`HTTP 401`, a timeout). */
export type OpenRealtimeSocket = (url: URL, headers: Record<string, string>, timeoutMs: number) => Promise<RealtimeSocket>
