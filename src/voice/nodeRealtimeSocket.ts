import WebSocket from 'ws'
import type { OpenRealtimeSocket } from './realtimeSocket.js'

/**
 * Node's Realtime socket: `ws`, without per-message deflate (µ-law audio in base64 barely
 * compresses, and inflating 50 frames a second per call costs CPU).
 *
 * @example
 * const socket = await openNodeRealtimeSocket(new URL('wss://api.openai.com/v1/realtime?model=gpt-realtime'), { authorization: `Bearer ${key}` }, 5_000)
 */
export const openNodeRealtimeSocket: OpenRealtimeSocket = (url, headers, timeoutMs) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: timeoutMs })
    ws.once('unexpected-response', (_req, res) => reject(new Error(`Realtime refused the connection: HTTP ${res.statusCode}`)))
    ws.once('error', (error) => reject(error))
    ws.once('open', () => {
      ws.on('error', () => undefined) // reported through 'close'
      resolve({
        send: (text) => ws.readyState === WebSocket.OPEN && ws.send(text),
        close: (code) => ws.close(code),
        get open() {
          return ws.readyState === WebSocket.OPEN
        },
        onMessage: (handler) => ws.on('message', (data) => handler(data.toString())),
        onClose(handler) {
          if (ws.readyState === WebSocket.CLOSED) return handler(1006)
          ws.on('close', (code) => handler(code))
        },
      })
    })
  })
