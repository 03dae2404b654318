import { timingSafeEqual } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { findAttempt, sha256Hex, type Attempt } from '../calls/attempts.js'
import { isSignedByTwilio, mediaStreamUrl } from '../calls/twilio.js'
import { callAttempts } from '../db/schema.js'
import type { AppDeps } from '../deps.js'

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
    .set({ streamTokenHash: null, updatedAt: deps.now() })
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
      deps.log.warn('media stream refused: bad upgrade signature')
      return c.json({ error: { code: 'invalid_signature', message: 'X-Twilio-Signature does not match' } }, 403)
    }
    await next()
  }
}

/**
 * `GET /twilio/media-stream`: Twilio's bidirectional Media Stream for an answered call. Until
 * `start` proves the stream belongs to one of our attempts nothing else is read, and a stream
 * that cannot prove it is closed at once (1008, policy violation).
 */
export function mediaStreamRoute(deps: AppDeps, upgradeWebSocket: UpgradeWebSocket) {
  return upgradeWebSocket(() => {
    let state: 'waiting' | 'checking' | 'accepted' | 'refused' = 'waiting'
    const refuse = (ws: WSContext, why: string) => {
      state = 'refused'
      deps.log.warn('media stream refused', { reason: why })
      ws.close(1008, 'unauthorised stream')
    }
    return {
      onMessage(event, ws) {
        if (state !== 'waiting') return // the call's audio; the voice agent takes it from here
        let message: { event?: string }
        try {
          message = JSON.parse(String(event.data))
        } catch {
          return refuse(ws, 'not JSON')
        }
        if (message.event === 'connected') return
        if (message.event !== 'start') return refuse(ws, `${message.event ?? 'a message'} before start`)
        state = 'checking'
        void acceptStream(deps, message as StartMessage).then(
          (attempt) => {
            if (!attempt) return refuse(ws, 'no attempt matches the token')
            state = 'accepted'
            deps.log.info('media stream connected', { attemptId: attempt.id, orderId: attempt.orderId })
          },
          (error) => {
            deps.log.error('media stream check failed', { error })
            refuse(ws, 'check failed')
          },
        )
      },
    }
  })
}
