import { eq } from 'drizzle-orm'
import { maskCallSid, twilioErrorCode } from '../calls/twilio.js'
import { orders } from '../db/schema.js'
import { findStore } from '../stores/records.js'
import { addDoNotContact, type MessageRow, updateMessage } from './messageLog.js'
import { askOnNextChannel, type MessageDeps, TRY_NEXT_CHANNEL } from './sendMessages.js'
import { isStatusAdvance, type MessageStatusEvent } from './twilioMessages.js'

/** Statuses after which Twilio has charged for the message (a failed one never left). */
const CHARGED = new Set(['sent', 'delivered', 'read', 'undelivered'])

/**
 * Applies a message's status callback: the status moves only forward (callbacks come twice, late
 * or out of order), what Twilio charged is read once it has, and a question that could not be
 * delivered (no WhatsApp account) is asked on the store's next channel.
 */
export async function messageStatusReported(deps: MessageDeps, message: MessageRow, event: MessageStatusEvent): Promise<void> {
  const log = deps.log.child({ orderId: message.orderId, messageId: message.id, messageSid: maskCallSid(event.sid) })
  if (message.direction !== 'outbound' || (message.sid !== null && event.sid !== message.sid)) {
    log.warn('message status callback for another message ignored')
    return
  }
  const now = deps.now()
  const sid = message.sid ?? event.sid
  if (isStatusAdvance(message.status, event.status)) {
    updateMessage(deps.db, message.id, { sid, status: event.status, errorCode: event.errorCode ?? null, refusal: event.refusal ?? null }, now)
    if (event.refusal) await undelivered(deps, message, event, log)
  }
  if (message.costUsd === null && CHARGED.has(event.status)) await readPrice(deps, message.id, sid, log)
}

async function undelivered(deps: MessageDeps, message: MessageRow, event: MessageStatusEvent, log: MessageDeps['log']): Promise<void> {
  log.info('message not delivered', { status: event.status, code: event.errorCode, refusal: event.refusal })
  const order = await deps.db.select({ storeId: orders.storeId, phone: orders.phone }).from(orders).where(eq(orders.id, message.orderId)).get()
  if (!order?.phone) return
  if (event.refusal === 'opted_out') addDoNotContact(deps.db, { phone: order.phone, word: 'STOP', channel: message.channel }, deps.now())
  const store = await findStore(deps.db, order.storeId, deps.storeDefaults)
  if (store && message.purpose === 'ask' && event.refusal && TRY_NEXT_CHANNEL.has(event.refusal))
    await askOnNextChannel(deps, store, message.orderId, message.channel)
}

/** What Twilio charged for the message (its `price`, negative as Twilio writes a charge), once it says; a later callback asks again. */
async function readPrice(deps: MessageDeps, messageId: number, sid: string, log: MessageDeps['log']): Promise<void> {
  try {
    const { price } = await deps.twilio.client.messages(sid).fetch()
    if (price === null || price === undefined || !Number.isFinite(Number(price))) return
    updateMessage(deps.db, messageId, { costUsd: Math.abs(Number(price)) }, deps.now())
  } catch (error) {
    log.warn("could not read the message's price from Twilio", { code: twilioErrorCode(error) })
  }
}
