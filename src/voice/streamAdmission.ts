import { and, eq } from 'drizzle-orm'
import { type Attempt, findAttempt } from '../calls/attempts.js'
import { holdCall, type LeaseHolder } from '../calls/outcomes.js'
import type { Db } from '../db/index.js'
import { callAttempts } from '../db/schema.js'
import { sameSecret, sha256Hex } from '../utils/digest.js'

/** Twilio's `start` message, the part we check. */
export interface StartMessage {
  event: 'start'
  start: { callSid?: string; customParameters?: Record<string, string> }
}

/**
 * Lets a media stream in only as the call it claims to be: its `start` must name an attempt and
 * present that attempt's one-time token, for the Call SID we placed. The token is consumed here
 * (the attempt's stream is then `open`), so a replayed `start` is refused. In the same
 * transaction this worker takes the order's lease (holdCall: the lease follows the stream), so
 * whoever sees the stream open also sees who bridges it.
 *
 * @example
 * const attempt = await acceptStream(deps, { event: 'start', start: { callSid, customParameters: { attemptId, token } } })
 * if (!attempt) socket.close(1008, 'unauthorised stream')
 */
export async function acceptStream(
  deps: { db: Db; now: () => number; config: { calls: LeaseHolder } },
  message: StartMessage,
): Promise<Attempt | undefined> {
  const { attemptId, token } = message.start.customParameters ?? {}
  if (!attemptId || !token) return undefined
  const attempt = await findAttempt(deps.db, attemptId)
  const tokenHash = attempt?.streamTokenHash
  if (!attempt || !tokenHash || !sameSecret(sha256Hex(token), tokenHash)) return undefined
  if (attempt.callSid && attempt.callSid !== message.start.callSid) return undefined
  const now = deps.now()
  const admitted = deps.db.transaction(() => {
    const spent = deps.db
      .update(callAttempts)
      .set({ streamTokenHash: null, streamState: 'open', callSid: message.start.callSid ?? attempt.callSid, updatedAt: now })
      .where(and(eq(callAttempts.id, attempt.id), eq(callAttempts.streamTokenHash, tokenHash)))
      .returning({ id: callAttempts.id })
      .all()
    if (spent.length === 1) holdCall(deps.db, attempt.orderId, deps.config.calls, now)
    return spent.length === 1
  })
  return admitted ? attempt : undefined
}
