import { Hono } from 'hono'
import { type CallbackDeps, sameCall, signedCallback } from './callbacks.js'
import { recordingReport, recordingReported } from './recordings.js'
import { maskCallSid } from './twilio.js'

/**
 * `/twilio/recording-status/:attemptId`: Twilio's RecordingStatusCallback for a recorded call,
 * signed and read like the call's other callbacks (a stranger's is a 403 and changes nothing),
 * its body bounded by app.ts's form limit. What it says is stored per attempt (recordings.ts);
 * its RecordingUrl is not: the audio is fetched by SID with the account's credentials.
 *
 * @example
 * app.use('/twilio/recording-status/*', requireTwilioSignature(deps.log))
 * app.route('/twilio', recordingCallbackRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
 */
export function recordingCallbackRoutes(deps: CallbackDeps) {
  return new Hono().post('/recording-status/:attemptId', async (c) => {
    const { attempt, params, log } = await signedCallback(c, deps)
    if (!sameCall(log, attempt, params.CallSid)) return c.body(null, 204)
    const report = recordingReport(params)
    if (!report) {
      log.warn('recording callback not understood; ignored', { recordingStatus: params.RecordingStatus })
      return c.body(null, 204)
    }
    recordingReported(deps.db, attempt.id, report, deps.now())
    log.info('recording status', { recordingStatus: report.status, recordingSid: maskCallSid(report.sid), seconds: report.durationSeconds })
    return c.body(null, 204)
  })
}
