import { maskPhone } from '../domain/phone.js'
import { readWrittenReply } from '../domain/writtenReply.js'
import { answerFromCustomer, awaitsAnswer, reviewUnclearReply } from './customerAnswer.js'
import { addDoNotContact, choicesSent, orderWrittenTo, recordReply, removeDoNotContact } from './messageLog.js'
import { type MessageDeps, sendNow } from './sendMessages.js'
import type { InboundMessage } from './twilioMessages.js'

/**
 * A customer's message to our number, on WhatsApp or by SMS (the messaging webhook, signed):
 * - a button tap, "1" / "2", or yes or no in a few words closes the order as a call's answer
 *   would (customerAnswer.ts), and we thank them; an order already answered changes nothing, and
 *   we tell them so;
 * - anything else is answered once with the choices; a second unclear reply sends the order to review;
 * - STOP, its Twilio synonyms and Albanian NDALO put the number on the do-not-contact list, which
 *   calls and messages respect; START (by SMS, as Twilio reads it) takes it off again.
 * The same message delivered twice (one MessageSid) is acted on once.
 */
export async function replyReceived(deps: MessageDeps, message: InboundMessage): Promise<void> {
  const { db } = deps
  const now = deps.now()
  const log = deps.log.child({ channel: message.channel, phone: maskPhone(message.from) })
  if (message.optOut === 'START') {
    removeDoNotContact(db, message.from)
    log.info('customer asked to be contacted again (START)')
    return
  }
  const orderId = await orderWrittenTo(db, message.from, message.repliedToSid)
  if (orderId !== undefined && !recordReply(db, { orderId, channel: message.channel, sid: message.sid, body: message.text }, now)) {
    log.info('message delivered again; already handled', { orderId })
    return
  }
  const reading = message.optOut === 'STOP' ? 'stop' : readWrittenReply({ text: message.text, buttonPayload: message.buttonPayload })
  const answer = (purpose: 'choices' | 'thanks' | 'closed' | 'stopped') =>
    orderId === undefined ? Promise.resolve(false) : sendNow(deps, { orderId, channel: message.channel, purpose })

  if (reading === 'stop') {
    addDoNotContact(db, { phone: message.from, word: message.text.trim().slice(0, 20).toUpperCase(), channel: message.channel }, now)
    log.info('customer asked not to be contacted', { orderId })
    // Twilio answers an SMS STOP itself (Advanced Opt-Out), and refuses any SMS of ours after it.
    if (message.optOut !== 'STOP') await answer('stopped')
    return
  }
  if (orderId === undefined) {
    log.info('message from a number we have not written to; ignored')
    return
  }
  if (reading === 'confirm' || reading === 'cancel') {
    const result = await answerFromCustomer(deps, { orderId, answer: reading, channel: message.channel, said: message.text })
    if (result.ok) await answer('thanks')
    else if (result.reason === 'closed') await answer('closed')
    return
  }
  if (!(await awaitsAnswer(db, orderId))) await answer('closed')
  else if (!(await choicesSent(db, orderId))) await answer('choices')
  else reviewUnclearReply(deps, { orderId, channel: message.channel, said: message.text })
}
