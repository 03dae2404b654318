import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { isSignedByTwilio } from '../calls/twilio.js'
import type { AppDeps } from '../deps.js'
import { addressBucket } from '../utils/clientAddress.js'
import { type BridgeDeps, CallBridge, type StreamSocket } from './callBridge.js'

/**
 * The largest message a media stream may send. Twilio's `media` messages are a few hundred bytes
 * and its `start` a few KB; the socket closes (1009) on anything larger, before it is buffered
 * (ws's `maxPayload`, set in service.ts; ws would take 100 MiB).
 */
export const MAX_STREAM_MESSAGE_BYTES = 64 * 1024
/** Streams open at once that have not yet proved which call they are; more are turned away (1013). */
export const MAX_UNVERIFIED_STREAMS = 64
/**
 * Of those, from one client address: a stranger cannot take every place and hold real calls'
 * streams out. Twilio's own streams prove themselves within milliseconds of opening.
 */
export const MAX_UNVERIFIED_PER_ADDRESS = 16
/** A closed stream that does not finish the closing handshake in this long is dropped (ws would wait 30 s). */
const CLOSE_GRACE_MS = 1_000

/**
 * Twilio's docs say the stream's upgrade request is signed; Twilio's own newer code says it is
 * not (twilio/twilio-agent-connect-python: "Twilio doesn't sign it"). So: a signature that is
 * present must be right; its absence is allowed, and the one-time token in `start` is what lets a
 * stream in (streamAdmission.ts).
 *
 * @example
 * app.get('/twilio/media-stream', checkUpgradeSignature(deps), mediaStreamRoute(deps, upgradeWebSocket))
 */
export function checkUpgradeSignature(deps: Pick<AppDeps, 'config' | 'twilio' | 'log'>): MiddlewareHandler {
  return async (c, next) => {
    const signature = c.req.header('x-twilio-signature')
    // Signed over the URL Twilio was given: PUBLIC_URL's, with the path the request came on.
    const url = `${deps.config.publicUrl.replace(/^http/, 'ws')}${c.req.path}`
    if (signature && !isSignedByTwilio(deps.twilio.account.authToken, signature, url, {})) {
      deps.log.warn('media stream refused: bad upgrade signature', { reqId: c.var.requestId })
      return c.json({ error: { code: 'invalid_signature', message: 'X-Twilio-Signature does not match' } }, 403)
    }
    await next()
  }
}

/** The bridge's view of a socket: sends straight to it, and a close that cannot be held open. */
export function streamSocket(ws: WSContext): StreamSocket {
  // Audio goes out 50 times a second per call: through the socket itself where the runtime
  // exposes one (@hono/node-ws's `raw`), not the wrapper that allocates options per send.
  const raw = ws.raw as { send?: (text: string) => void; terminate?: () => void } | undefined
  const send = typeof raw?.send === 'function' ? (text: string) => raw.send!(text) : (text: string) => ws.send(text)
  return {
    send,
    close(code, reason) {
      ws.close(code, reason)
      // A stranger need not answer our close; the socket is not kept waiting for it.
      if (typeof raw?.terminate === 'function') setTimeout(() => raw.terminate!(), CLOSE_GRACE_MS).unref?.()
    },
  }
}

/**
 * `GET /twilio/media-stream`: Twilio's bidirectional Media Stream for an answered call, one
 * CallBridge per socket. Until `start` proves the stream belongs to one of our attempts nothing
 * else is read or kept, and a stream that cannot prove it, or not within the bridge's start
 * timeout, is closed (1008, policy violation). At most MAX_UNVERIFIED_STREAMS may be waiting to
 * prove it at once, MAX_UNVERIFIED_PER_ADDRESS of them from one address: each holds a socket and a
 * timer, and a stranger can open them for free.
 *
 * @example
 * app.get('/twilio/media-stream', mediaStreamRoute(deps, upgradeWebSocket))
 */
export function mediaStreamRoute(deps: BridgeDeps & Pick<AppDeps, 'clientAddress' | 'liveStreams'>, upgradeWebSocket: UpgradeWebSocket) {
  let unverified = 0
  const unverifiedFrom = new Map<string, number>()
  return upgradeWebSocket((c) => {
    const from = addressBucket(deps.clientAddress(c))
    let bridge: CallBridge | undefined
    let ended: ((end: Promise<void>) => void) | undefined
    // The stream's place among the unverified, given up once it is verified, refused or closed.
    let waiting = false
    const leaveWaiting = () => {
      if (!waiting) return
      waiting = false
      unverified--
      const left = unverifiedFrom.get(from)! - 1
      if (left) unverifiedFrom.set(from, left)
      else unverifiedFrom.delete(from)
    }
    return {
      onOpen(_event, ws) {
        const socket = streamSocket(ws)
        const fromHere = unverifiedFrom.get(from) ?? 0
        if (unverified >= MAX_UNVERIFIED_STREAMS || fromHere >= MAX_UNVERIFIED_PER_ADDRESS) {
          deps.log.warn('media stream refused: too many streams waiting to start', { waiting: unverified, fromThisAddress: fromHere })
          return socket.close(1013, 'too many streams starting')
        }
        unverified++
        unverifiedFrom.set(from, fromHere + 1)
        waiting = true
        const opened = new CallBridge(deps, socket, leaveWaiting)
        bridge = opened
        ended = deps.liveStreams.opened((why) => opened.cut(why))
      },
      onMessage(event) {
        const receivedAt = performance.now()
        bridge?.onMessage(typeof event.data === 'string' ? event.data : String(event.data), receivedAt)
      },
      onClose() {
        leaveWaiting()
        if (bridge) ended?.(bridge.onClose())
      },
    }
  })
}
