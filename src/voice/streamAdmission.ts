import { and, eq } from 'drizzle-orm'
import { type Attempt, findAttempt } from '../calls/attempts.js'
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
 * (the attempt's stream is then `open`), so a replayed `start` is refused.
 *
 * @example
 * const attempt = await acceptStream(deps, { event: 'start', start: { callSid, customParameters: { attemptId, token } } })
 * if (!attempt) socket.close(1008, 'unauthorised stream')
 */
export async function acceptStream(deps: { db: Db; now: () => number }, message: StartMessage): Promise<Attempt | undefined> {
  const { attemptId, token } = message.start.customParameters ?? {}
  if (!attemptId || !token) return undefined
  const attempt = await findAttempt(deps.db, attemptId)
  if (!attempt?.streamTokenHash || !sameSecret(sha256Hex(token), attempt.streamTokenHash)) return undefined
  if (attempt.callSid && attempt.callSid !== message.start.callSid) return undefined
  const used = await deps.db
    .update(callAttempts)
    .set({ streamTokenHash: null, streamState: 'open', callSid: message.start.callSid ?? attempt.callSid, updatedAt: deps.now() })
    .where(and(eq(callAttempts.id, attempt.id), eq(callAttempts.streamTokenHash, attempt.streamTokenHash)))
    .run()
  return used.changes === 1 ? attempt : undefined
}
