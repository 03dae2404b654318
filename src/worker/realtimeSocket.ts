import type { OpenRealtimeSocket } from '../voice/realtimeSocket.js'

/**
 * Workers' Realtime socket: a fetch to the http(s) form of the URL with `Upgrade: websocket`, the
 * only way workerd sends headers (the API key) on an outbound WebSocket; `fetch('wss://…')` is
 * refused, and `new WebSocket(url)` takes no headers.
 *
 * @example
 * const socket = await openWorkerRealtimeSocket(new URL('wss://api.openai.com/v1/realtime?model=gpt-realtime'), { authorization: `Bearer ${key}` }, 5_000)
 */
export const openWorkerRealtimeSocket: OpenRealtimeSocket = async (url, headers, timeoutMs) => {
  const target = new URL(url)
  target.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
  // A timer, not AbortSignal.timeout: the signal stays bound to the upgraded socket and would cut the call.
  const handshake = new AbortController()
  const timer = setTimeout(() => handshake.abort(new Error(`Realtime did not answer within ${timeoutMs} ms`)), timeoutMs)
  const response = await fetch(target, { headers: { ...headers, upgrade: 'websocket' }, signal: handshake.signal }).finally(() => clearTimeout(timer))
  const ws = response.webSocket
  if (!ws) throw new Error(`Realtime refused the connection: HTTP ${response.status}`)
  ws.accept()
  let closedWith: number | undefined
  let closeHandler: ((code: number) => void) | undefined
  ws.addEventListener('close', (event) => {
    closedWith = event.code
    closeHandler?.(event.code)
  })
  ws.addEventListener('error', () => {
    if (closedWith === undefined) {
      closedWith = 1006
      closeHandler?.(1006)
    }
  })
  return {
    send(text) {
      if (closedWith === undefined) ws.send(text)
    },
    close(code) {
      if (closedWith === undefined) ws.close(code)
    },
    get open() {
      return closedWith === undefined
    },
    onMessage: (handler) =>
      ws.addEventListener('message', (event) =>
        handler(typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)),
      ),
    onClose(handler) {
      if (closedWith !== undefined) return handler(closedWith)
      closeHandler = handler
    },
  }
}
