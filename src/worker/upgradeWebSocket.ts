import type { UpgradeWebSocket } from 'hono/ws'
import { defineWebSocketHelper, WSContext } from 'hono/ws'

/** A message's size as far as the cap goes: bytes of binary, UTF-16 units of text (never more than its UTF-8 bytes). */
const sizeOf = (data: unknown) => (typeof data === 'string' ? data.length : data instanceof ArrayBuffer ? data.byteLength : 0)

/**
 * Hono's WebSocket upgrade on workerd, with what the media-stream route relies on and Hono's own
 * Workers helper leaves out: `onOpen` (there it is never called); a close answered, so a closing
 * handshake the client began completes instead of leaving the request hanging; and a cap on each
 * message, over which the socket is closed (1009) and the message never handed on (workerd has
 * taken it in whole by then, up to its own 32 MiB limit; Node's ws refuses it while it arrives).
 *
 * @example
 * app.get('/twilio/media-stream', mediaStreamRoute(deps, workerWebSocketUpgrade(MAX_STREAM_MESSAGE_BYTES)))
 */
export const workerWebSocketUpgrade = (maxMessageBytes: number): UpgradeWebSocket =>
  defineWebSocketHelper(async (c, events) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    let closed = false
    const context = new WSContext({
      raw: server,
      get readyState() {
        return server.readyState as 0 | 1 | 2 | 3
      },
      url: null,
      send: (source) => server.send(source),
      close: (code, reason) => {
        if (closed) return
        closed = true
        server.close(code, reason)
      },
    })
    server.accept()
    server.addEventListener('message', (event) => {
      if (closed) return
      if (sizeOf(event.data) > maxMessageBytes) return context.close(1009, 'message too large')
      events.onMessage?.(event, context)
    })
    server.addEventListener('close', (event) => {
      if (!closed) {
        closed = true
        // The client began the close: answer it (1005 "no status" may not be sent back).
        server.close(event.code === 1005 ? 1000 : event.code, event.reason)
      }
      events.onClose?.(event, context)
    })
    server.addEventListener('error', (event) => events.onError?.(event, context))
    events.onOpen?.(new Event('open'), context)
    return new Response(null, { status: 101, webSocket: client })
  })
