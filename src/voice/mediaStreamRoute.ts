import { timingSafeEqual } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { findAttempt, sha256Hex, type Attempt } from '../calls/attempts.js'
import { isSignedByTwilio, mediaStreamUrl } from '../calls/twilio.js'
import { callAttempts } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { CallBridge, type BridgeDeps } from './callBridge.js'

/** Twilio's `start` message, the part we check. */
interface StartMessage {
  event: 'start'
  start: { callSid?: string; customParameters?: Record<string, string> }
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * Lets a media stream in only as the call it claims to be: its `start` must name an attempt and
 * present that attempt's one-time token, for the Call SID we placed. The token is consumed here,
 * so a replayed `start` is refused.
 */
export async function acceptStream(deps: Pick<AppDeps, 'db' | 'now'>, message: StartMessage): Promise<Attempt | undefined> {
  const { attemptId, token } = message.start.customParameters ?? {}
  if (!attemptId || !token) return undefined
  const attempt = await findAttempt(deps.db, attemptId)
  if (!attempt?.streamTokenHash || !sameHash(attempt.streamTokenHash, sha256Hex(token))) return undefined
  if (attempt.callSid && attempt.callSid !== message.start.callSid) return undefined
  const used = await deps.db
    .update(callAttempts)
    .set({ streamTokenHash: null, streamState: 'open', callSid: message.start.callSid ?? attempt.callSid, updatedAt: deps.now() })
    .where(and(eq(callAttempts.id, attempt.id), eq(callAttempts.streamTokenHash, attempt.streamTokenHash)))
    .run()
  return used.changes === 1 ? attempt : undefined
}

/**
 * Twilio's docs say the stream's upgrade request is signed; Twilio's own newer code says it is
 * not (reference §1.6). So: a signature that is present must be right; its absence is allowed,
 * and the one-time token in `start` is what lets a stream in.
 */
export function checkUpgradeSignature(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    const signature = c.req.header('x-twilio-signature')
    const url = mediaStreamUrl(deps.config.publicUrl)
    if (signature && !isSignedByTwilio(deps.twilio.account.authToken, signature, url, {})) {
      deps.log.warn('media stream refused: bad upgrade signature', { reqId: c.var.requestId })
      return c.json({ error: { code: 'invalid_signature', message: 'X-Twilio-Signature does not match' } }, 403)
    }
    await next()
  }
}

/**
 * `GET /twilio/media-stream`: Twilio's bidirectional Media Stream for an answered call, one
 * CallBridge per socket. Until `start` proves the stream belongs to one of our attempts nothing
 * else is read, and a stream that cannot prove it is closed at once (1008, policy violation).
 */
export function mediaStreamRoute(deps: BridgeDeps, upgradeWebSocket: UpgradeWebSocket) {
  return upgradeWebSocket(() => {
    let bridge: CallBridge | undefined
    // Audio goes out 50 times a second per call: through the socket itself where the runtime
    // exposes one (@hono/node-ws's `raw`), not the wrapper that allocates options per send.
    const bridgeFor = (ws: WSContext) => {
      if (bridge) return bridge
      const raw = ws.raw as { send?: (text: string) => void } | undefined
      const send = typeof raw?.send === 'function' ? (text: string) => raw.send!(text) : (text: string) => ws.send(text)
      return (bridge = new CallBridge(deps, { send, close: (code, reason) => ws.close(code, reason) }))
    }
    return {
      onMessage(event, ws) {
        const receivedAt = performance.now()
        bridgeFor(ws).onMessage(typeof event.data === 'string' ? event.data : String(event.data), receivedAt)
      },
      onClose() {
        bridge?.onClose()
      },
    }
  })
}
