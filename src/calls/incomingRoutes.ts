import { Hono } from 'hono'
import { ApiError } from '../utils/errors.js'
import { attemptOfCall } from './attempts.js'
import { applyCallStatus, attemptLog, signedForm } from './callbacks.js'
import { answerIncomingCall, type IncomingCallDeps } from './incomingCalls.js'

/**
 * The Twilio number's own webhooks, for customers who ring it back: `POST /twilio/incoming` (its
 * Voice URL: answered with TwiML) and `POST /twilio/incoming/status` (its call status callback,
 * which ends the call's attempt as `/twilio/status/:attemptId` ends one we placed; Twilio sends it
 * for every call to the number, ours or not). Both signed (X-Twilio-Signature), as every Twilio
 * callback; app.ts refuses them unsigned before the body is read.
 *
 * @example
 * app.route('/twilio', incomingCallRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
 */
export function incomingCallRoutes(deps: IncomingCallDeps) {
  return new Hono()
    .post('/incoming', async (c) => {
      const params = await signedForm(c, deps)
      if (!params.CallSid) throw new ApiError(400, 'missing_call_sid', 'an incoming call names its CallSid')
      const twiml = await answerIncomingCall(deps, { callSid: params.CallSid, from: params.From })
      return c.body(twiml, 200, { 'content-type': 'text/xml; charset=utf-8' })
    })
    .post('/incoming/status', async (c) => {
      const params = await signedForm(c, deps)
      const attempt = params.CallSid ? await attemptOfCall(deps.db, params.CallSid) : undefined
      if (attempt) await applyCallStatus({ ...deps, log: attemptLog(c, deps, attempt, params) }, attempt, params)
      return c.body(null, 204)
    })
}
