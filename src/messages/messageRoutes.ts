import { Hono } from 'hono'
import { signedForm } from '../calls/callbacks.js'
import { ApiError } from '../utils/errors.js'
import { findMessage } from './messageLog.js'
import { messageStatusReported } from './messageStatus.js'
import { replyReceived } from './replies.js'
import type { MessageDeps } from './sendMessages.js'
import { inboundMessage, messageStatus } from './twilioMessages.js'

/** An empty TwiML answer: we reply through the API (recorded, with its statuses), not in the webhook's answer. */
const NO_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

/**
 * `POST /twilio/messages/status/:messageId` (a message's status callback) and
 * `POST /twilio/messages/incoming` (the number's messaging webhook: point the number's, or the
 * WhatsApp sender's, "A message comes in" here). Both are signed by Twilio over PUBLIC_URL and the
 * path: an unsigned or forged one is a 403 and changes nothing; app.ts bounds their bodies.
 *
 * @example
 * app.use('/twilio/messages/*', requireTwilioSignature(deps.log))
 * app.route('/twilio/messages', messageRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
 */
export function messageRoutes(deps: MessageDeps) {
  return new Hono()
    .post('/status/:messageId', async (c) => {
      const params = await signedForm(c, deps)
      const message = await findMessage(deps.db, Number(c.req.param('messageId')))
      if (!message) throw new ApiError(404, 'message_not_found', 'no such message')
      await messageStatusReported(deps, message, messageStatus(params))
      return c.body(null, 204)
    })
    .post('/incoming', async (c) => {
      const params = await signedForm(c, deps)
      await replyReceived(deps, inboundMessage(params))
      return c.body(NO_REPLY, 200, { 'content-type': 'text/xml' })
    })
}
