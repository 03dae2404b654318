import { eq } from 'drizzle-orm'
import type { TwilioAccount, TwilioClient } from '../calls/twilio.js'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import { type CallEnd, type MessageChannel, messagesDue, nextChannel } from '../domain/followUp.js'
import { maskPhone } from '../domain/phone.js'
import type { Store, StoreDefaults } from '../stores/records.js'
import { findStore } from '../stores/records.js'
import type { Logger } from '../utils/log.js'
import type { AnswerLinks } from './answerLink.js'
import { awaitsAnswer } from './customerAnswer.js'
import {
  addDoNotContact,
  claimMessage,
  dueMessages,
  findMessage,
  isDoNotContact,
  type MessagePurpose,
  type MessageRow,
  queueMessage,
  updateMessage,
} from './messageLog.js'
import { askSummary, orderFacts, type ReplyText, replyText, smsText, templateVariables } from './messageTexts.js'
import { type MessageRefusal, type SendResult, sendSms, sendWhatsAppTemplate, sendWhatsAppText } from './twilioMessages.js'

/** What sending a message needs: the database, Twilio and our senders, and the answer page's links for the SMS. */
export interface MessageDeps {
  db: Db
  log: Logger
  now: () => number
  twilio: { client: TwilioClient; account: TwilioAccount }
  publicUrl: string
  config: { twilio: { whatsappFrom: string | undefined; messagingServiceSid: string | undefined } }
  storeDefaults: StoreDefaults
  answerLinks: AnswerLinks
  wakeStoreWriter: () => void
}

/** Due messages a pass sends at most. */
const BATCH = 20
/** Twilio's bad moments (429, 5xx) before a message is given up; the waits between them double from a minute. */
const MAX_TRIES = 3
const RETRY_MS = 60_000
/** The question's refusals that another channel may get past: no WhatsApp account, a number the channel cannot reach. */
export const TRY_NEXT_CHANNEL = new Set<MessageRefusal>(['not_on_whatsapp', 'unreachable', 'outside_window', 'undeliverable'])

/**
 * The end of a call may start the messages (domain/followUp.ts decides): the question is queued
 * on the store's first channel, in the database, to go out on the scheduler's first pass once the
 * store's `delayMinutes` have passed.
 * Synchronous, for the settlement that just decided the order's fate.
 *
 * @example
 * queueFollowUp(db, store, { id: order.id, phone: order.phone }, { kind: 'close', outcome: 'no_answer', ladderRanOut: true }, now)
 */
export function queueFollowUp(db: Db, store: Store | undefined, order: { id: number; phone: string | null }, end: CallEnd, now: number): void {
  const messaging = store?.settings.messaging
  if (!messaging || !order.phone || !messagesDue(messaging, end)) return
  const channel = nextChannel(messaging)
  if (channel) queueMessage(db, { orderId: order.id, channel, purpose: 'ask' }, now, now + messaging.delayMinutes * 60_000)
}

/** One pass: sends the messages whose time has come (the scheduler runs it with its own). */
export async function sendDueMessages(deps: MessageDeps): Promise<void> {
  for (const message of await dueMessages(deps.db, deps.now(), BATCH)) await sendQueued(deps, message)
}

/** Sends one queued message, unless another pass took it first. */
export async function sendQueued(deps: MessageDeps, message: MessageRow): Promise<void> {
  if (!claimMessage(deps.db, message.id, deps.now())) return
  try {
    await send(deps, message)
  } catch (error) {
    // Something unforeseen (the store's settings unreadable, say): the message is not sent twice.
    deps.log.error('sending a message failed', { orderId: message.orderId, messageId: message.id, error })
    updateMessage(deps.db, message.id, { status: 'not_sent', refusal: 'error' }, deps.now())
  }
}

/** Queues a message and sends it at once (an answer to a reply, the question on the next channel); false if it was queued before. */
export async function sendNow(deps: MessageDeps, message: Parameters<typeof queueMessage>[1]): Promise<boolean> {
  const id = queueMessage(deps.db, message, deps.now())
  const row = id === undefined ? undefined : await findMessage(deps.db, id)
  if (row) await sendQueued(deps, row)
  return row !== undefined
}

/** The question on the next channel after `tried` could not deliver it (no WhatsApp: the SMS). */
export async function askOnNextChannel(deps: MessageDeps, store: Store, orderId: number, tried: MessageChannel): Promise<void> {
  const channel = nextChannel(store.settings.messaging, tried)
  if (channel && (await sendNow(deps, { orderId, channel, purpose: 'ask' })))
    deps.log.info('message not delivered; asked on the next channel', { orderId, channel })
}

/** The text that answers a reply, for a message of ours that is not the question. */
function replyKey(purpose: Exclude<OutboundPurpose, 'ask'>, outcome: string | null): ReplyText {
  if (purpose === 'thanks') return outcome === 'cancelled' ? 'thanksCancelled' : 'thanksConfirmed'
  return purpose
}

/** What a message of ours is for: a customer's `reply` is only ever received. */
type OutboundPurpose = Exclude<MessagePurpose, 'reply'>

async function send(deps: MessageDeps, message: MessageRow): Promise<void> {
  const { db } = deps
  // Only our own messages are queued (queueMessage takes no `reply`), so a due one is never the customer's.
  const purpose = message.purpose as OutboundPurpose
  const now = deps.now()
  const notSent = (refusal: string) => updateMessage(db, message.id, { status: 'not_sent', refusal }, now)
  const order = await db.select().from(orders).where(eq(orders.id, message.orderId)).get()
  const store = order && (await findStore(db, order.storeId, deps.storeDefaults))
  if (!order?.phone || order.redactedAt !== null || !store) return notSent('no_customer')
  // After STOP only our acknowledgement of it goes out.
  if (purpose !== 'stopped' && (await isDoNotContact(db, order.phone))) return notSent('do_not_contact')
  // The question is moot once the order has its answer (on a call, or on the other channel).
  if (purpose === 'ask' && !(await awaitsAnswer(db, order.id))) return notSent('answered')

  const facts = orderFacts(order, store.settings)
  const options = {
    to: order.phone,
    statusCallback: `${deps.publicUrl}/twilio/messages/status/${message.id}`,
    messagingServiceSid: deps.config.twilio.messagingServiceSid,
    from: message.channel === 'whatsapp' ? deps.config.twilio.whatsappFrom : undefined,
  }
  let body: string
  let result: SendResult
  if (purpose === 'ask' && message.channel === 'whatsapp') {
    const contentSid = store.settings.messaging.whatsappContentSid
    if (!contentSid) return notSent('configuration')
    body = askSummary(facts, store.settings)
    result = await sendWhatsAppTemplate(deps.twilio.client, deps.twilio.account, { ...options, contentSid, variables: templateVariables(facts) })
  } else {
    body =
      purpose === 'ask'
        ? smsText(facts, store.settings, deps.answerLinks.link(order.id, now).url)
        : replyText(replyKey(purpose, order.outcome), facts, store.settings, order.outcome ?? undefined)
    const sendText = message.channel === 'whatsapp' ? sendWhatsAppText : sendSms
    result = await sendText(deps.twilio.client, deps.twilio.account, { ...options, body })
  }

  const log = deps.log.child({ orderId: order.id, messageId: message.id, channel: message.channel, phone: maskPhone(order.phone) })
  if (result.sent) {
    updateMessage(db, message.id, { sid: result.sid, status: result.status, body }, deps.now())
    log.info('message sent', { purpose })
    return
  }
  if (result.retry && message.tries + 1 < MAX_TRIES) {
    updateMessage(db, message.id, { status: 'due', tries: message.tries + 1, sendAt: deps.now() + RETRY_MS * 2 ** message.tries, body }, deps.now())
    log.warn('Twilio did not take the message; trying again later', { code: result.code })
    return
  }
  updateMessage(db, message.id, { status: 'refused', errorCode: result.code ?? null, refusal: result.refusal, body }, deps.now())
  log.warn('Twilio refused the message', { code: result.code, refusal: result.refusal })
  // Twilio's own opt-out list (STOP by SMS to our number): ours keeps it for calls and WhatsApp too.
  if (result.refusal === 'opted_out') addDoNotContact(db, { phone: order.phone, word: 'STOP', channel: message.channel }, deps.now())
  if (purpose === 'ask' && TRY_NEXT_CHANNEL.has(result.refusal)) await askOnNextChannel(deps, store, order.id, message.channel)
}
