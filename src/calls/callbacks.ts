import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { isMachine } from '../domain/callOutcome.js'
import { ApiError } from '../utils/errors.js'
import { formBody } from '../utils/formBody.js'
import type { Logger } from '../utils/log.js'
import { type Attempt, findAttempt, updateAttempt } from './attempts.js'
import { type CallDeps, callEnded, callLog } from './outcomes.js'
import { hangUp, isSignedByTwilio, maskCallSid, TERMINAL_CALL_STATUSES, type TwilioAccount, type TwilioClient } from './twilio.js'

export interface CallbackDeps extends CallDeps {
  twilio: { client: TwilioClient; account: TwilioAccount }
  publicUrl: string
  /** Opens the agent's session while the phone rings. */
  prewarmAgent: (attemptId: string) => void
}

/**
 * Refuses a Twilio callback without X-Twilio-Signature before its body is read: Twilio signs
 * every callback, and checking the signature itself needs the form (signedCallback), so an
 * unsigned stranger would otherwise have their body read first. Mounted in app.ts ahead of the
 * body limit.
 *
 * @example
 * app.use('/twilio/status/*', requireTwilioSignature(deps.log))
 */
export function requireTwilioSignature(log: Logger): MiddlewareHandler {
  return async function requireTwilioSignature(c, next) {
    if (!c.req.header('x-twilio-signature')) {
      log.warn('twilio callback rejected: no signature', { reqId: c.var.requestId, path: c.req.path })
      c.header('Connection', 'close') // the body is left unread
      throw new ApiError(403, 'invalid_signature', 'X-Twilio-Signature is missing')
    }
    await next()
  }
}

/**
 * Reads a Twilio callback: form-encoded, signed over PUBLIC_URL + path (Twilio signed the URL it
 * was given, whatever Host header a proxy passes on). Anything unsigned or wrongly signed is a
 * 403 and changes nothing.
 */
export async function signedCallback(c: Context, deps: CallbackDeps): Promise<{ attempt: Attempt; params: Record<string, string>; log: Logger }> {
  const params = await signedForm(c, deps)
  const attempt = await findAttempt(deps.db, c.req.param('attemptId') ?? '')
  if (!attempt) throw new ApiError(404, 'attempt_not_found', 'no such call attempt')
  return { attempt, params, log: attemptLog(c, deps, attempt, params) }
}

/** A Twilio request's form, once its signature is proved (as signedCallback checks it); a 403 otherwise. */
export async function signedForm(c: Context, deps: Pick<CallbackDeps, 'twilio' | 'publicUrl' | 'log'>): Promise<Record<string, string>> {
  const form = await formBody(c)
  const params = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'))
  if (!isSignedByTwilio(deps.twilio.account.authToken, c.req.header('x-twilio-signature'), `${deps.publicUrl}${c.req.path}`, params)) {
    deps.log.warn('twilio callback rejected: bad or missing signature', { reqId: c.var.requestId, path: c.req.path })
    throw new ApiError(403, 'invalid_signature', 'X-Twilio-Signature does not match this request')
  }
  return params
}

/** The log of a callback about `attempt`: with the Call SID the callback names if the attempt has none yet (it may outrun the REST answer). */
export const attemptLog = (c: Context, deps: Pick<CallbackDeps, 'log'>, attempt: Attempt, params: Record<string, string>): Logger =>
  callLog(deps.log, { ...attempt, callSid: attempt.callSid ?? params.CallSid ?? null }).child({ reqId: c.var.requestId })

/** Callbacks can outrun the REST answer that carries the Call SID: adopt it; refuse a stranger's. */
export function sameCall(log: Logger, attempt: Attempt, callSid: string | undefined): boolean {
  if (!callSid || !attempt.callSid || attempt.callSid === callSid) return !!callSid
  log.warn('twilio callback for another call ignored', { otherCallSid: maskCallSid(callSid) })
  return false
}

/**
 * Applies a status callback (its form: CallStatus, CallSid, SequenceNumber, AnsweredBy,
 * CallDuration) to the attempt it is about; one that ends the call settles it (callEnded).
 */
export async function applyCallStatus(deps: CallbackDeps, attempt: Attempt, params: Record<string, string>): Promise<void> {
  const { log } = deps
  if (!sameCall(log, attempt, params.CallSid)) return
  const sequence = Number(params.SequenceNumber)
  // Callbacks are separate requests and may arrive out of order; an ended call stays ended.
  const stale =
    TERMINAL_CALL_STATUSES.has(attempt.status) || (Number.isInteger(sequence) && attempt.lastSequence !== null && sequence <= attempt.lastSequence)
  if (stale) return
  const now = deps.now()
  const status = params.CallStatus ?? attempt.status
  if (status === 'ringing') deps.prewarmAgent(attempt.id)
  await updateAttempt(deps.db, attempt.id, {
    callSid: params.CallSid,
    lastSequence: Number.isInteger(sequence) ? sequence : attempt.lastSequence,
    answeredBy: params.AnsweredBy ?? attempt.answeredBy,
    answeredAt: status === 'in-progress' ? now : attempt.answeredAt,
    startedAt: attempt.startedAt ?? now,
    updatedAt: now,
    ...(TERMINAL_CALL_STATUSES.has(status) ? {} : { status }),
  })
  if (TERMINAL_CALL_STATUSES.has(status))
    await callEnded(
      deps,
      { ...attempt, callSid: params.CallSid ?? attempt.callSid },
      {
        status,
        answeredBy: params.AnsweredBy ?? attempt.answeredBy,
        endedAt: now,
        durationSeconds: params.CallDuration === undefined ? null : Number(params.CallDuration),
      },
    )
}

/** `/twilio/status/:attemptId` and `/twilio/amd/:attemptId`. */
export function twilioCallbackRoutes(deps: CallbackDeps) {
  return new Hono()
    .post('/status/:attemptId', async (c) => {
      const { attempt, params, log } = await signedCallback(c, deps)
      await applyCallStatus({ ...deps, log }, attempt, params)
      return c.body(null, 204)
    })
    .post('/amd/:attemptId', async (c) => {
      const { attempt, params, log } = await signedCallback(c, deps)
      if (!sameCall(log, attempt, params.CallSid)) return c.body(null, 204)
      await updateAttempt(deps.db, attempt.id, { callSid: params.CallSid, answeredBy: params.AnsweredBy ?? null, updatedAt: deps.now() })
      // A machine picked up: leave no message, hang up, and let the ladder call again later.
      if (isMachine(params.AnsweredBy) && !TERMINAL_CALL_STATUSES.has(attempt.status)) {
        log.info('answering machine; hanging up', { answeredBy: params.AnsweredBy })
        await hangUp(deps.twilio.client, params.CallSid!, true)
      }
      return c.body(null, 204)
    })
}
