import { type TwilioAccount, type TwilioClient, twilioErrorCode, twilioHttpStatus } from '../calls/twilio.js'
import type { MessageChannel } from '../domain/followUp.js'

/**
 * Everything callconfirm says to Twilio's Messaging API, and reads back from it, through the
 * official SDK: a WhatsApp template message or an SMS out, and Twilio's status callbacks and
 * customers' replies in. Twilio's message shapes and error codes stay here; what leaves is
 * neutral: a sent message's SID and status, or a refusal named for what the flow does about it.
 * A messaging webhook is signed as a voice callback is: check it with calls/twilio.ts's
 * `isSignedByTwilio` over PUBLIC_URL and the path before reading it with `messageStatus` or
 * `inboundMessage`.
 */

/**
 * Why a message did not go, or did not arrive, in the terms of what comes next:
 * - `not_on_whatsapp`: the number has no WhatsApp account: send the SMS instead;
 * - `outside_window`: WhatsApp took free text outside the 24 hours after the customer last wrote: send the template;
 * - `opted_out`: the customer said STOP (or blocked us): never write again on that channel;
 * - `invalid_number`: not a phone number Twilio can write to: the order's number is wrong;
 * - `unreachable`: the number cannot take this channel (a landline for SMS, a region not enabled): try another;
 * - `transient`: Twilio or the carrier had a bad moment: the same message may be sent again later;
 * - `configuration`: our sender, template or credentials are wrong: the operator must act, retrying changes nothing;
 * - `undeliverable`: any other failure Twilio reports.
 */
export type MessageRefusal =
  | 'not_on_whatsapp'
  | 'outside_window'
  | 'opted_out'
  | 'invalid_number'
  | 'unreachable'
  | 'transient'
  | 'configuration'
  | 'undeliverable'

const REFUSALS: Record<number, MessageRefusal> = {
  // The number is not on WhatsApp: "could not find To address", "invalid message recipient".
  63003: 'not_on_whatsapp',
  63024: 'not_on_whatsapp',
  63016: 'outside_window',
  // Advanced Opt-Out's STOP (SMS); the customer blocked the sender (WhatsApp).
  21610: 'opted_out',
  63014: 'opted_out',
  // Invalid 'To'; not a mobile number; not a valid phone number.
  21211: 'invalid_number',
  21614: 'invalid_number',
  21217: 'invalid_number',
  // Region not enabled in the SMS geo permissions; 'To' not reachable from this sender; landline or unreachable carrier; unknown handset.
  21408: 'unreachable',
  21612: 'unreachable',
  30006: 'unreachable',
  30005: 'unreachable',
  // Queue overflow; handset unreachable (off, out of coverage); carrier violation; unknown error; too many requests; internal error.
  30001: 'transient',
  30003: 'transient',
  30008: 'transient',
  20429: 'transient',
  20500: 'transient',
  63018: 'transient',
  // Credentials; account suspended; From not ours; no WhatsApp channel for From; From and To of different channels; ContentSid; ContentVariables.
  20003: 'configuration',
  20005: 'configuration',
  21606: 'configuration',
  21603: 'configuration',
  63007: 'configuration',
  21910: 'configuration',
  21655: 'configuration',
  21656: 'configuration',
  21602: 'configuration',
  21701: 'configuration',
}

/**
 * What a Twilio error code means for the flow: one table for the refusal of a create (an error
 * body) and for a failure reported later (a status callback's `ErrorCode`). With no code, an HTTP
 * status of 429 or 5xx, or no answer at all, is transient.
 *
 * @example
 * messageRefusal(63003) // 'not_on_whatsapp'
 */
export function messageRefusal(code: number | undefined, httpStatus?: number): MessageRefusal {
  const known = code === undefined ? undefined : REFUSALS[code]
  if (known) return known
  if (httpStatus === undefined || httpStatus === 429 || httpStatus >= 500) return 'transient'
  return 'undeliverable'
}

/** A message Twilio took, or the reason it would not. */
export type SendResult =
  | { sent: true; sid: string; status: string; channel: MessageChannel }
  | { sent: false; refusal: MessageRefusal; code: number | undefined; retry: boolean }

export interface SendOptions {
  /** E.164, without any channel prefix. */
  to: string
  /** Our status callback URL (PUBLIC_URL and a path naming the message). */
  statusCallback: string
  /** Send through this Messaging Service (it picks the sender) instead of from a number. */
  messagingServiceSid?: string
  /** Our sender, E.164, when not the account's `fromNumber`. */
  from?: string
}

export interface WhatsAppTemplate extends SendOptions {
  /** The approved Content template (`HX…`). */
  contentSid: string
  /** Its placeholders, `{"1": "Dyqani", …}`. */
  variables: Record<string, string>
}

export interface Sms extends SendOptions {
  body: string
}

const address = (channel: MessageChannel, number: string) => (channel === 'whatsapp' ? `whatsapp:${number}` : number)

type Content = { body: string } | { contentSid: string; contentVariables: string }

async function create(
  client: TwilioClient,
  account: TwilioAccount,
  channel: MessageChannel,
  message: SendOptions,
  content: Content,
): Promise<SendResult> {
  const sender = message.messagingServiceSid
    ? { messagingServiceSid: message.messagingServiceSid }
    : { from: address(channel, message.from ?? account.fromNumber) }
  try {
    const created = await client.messages.create({ to: address(channel, message.to), statusCallback: message.statusCallback, ...sender, ...content })
    return { sent: true, sid: created.sid, status: created.status, channel }
  } catch (error) {
    const code = twilioErrorCode(error)
    const refusal = messageRefusal(code, twilioHttpStatus(error))
    return { sent: false, refusal, code, retry: refusal === 'transient' }
  }
}

/**
 * Sends an approved WhatsApp template (ContentSid and its variables): the one kind of WhatsApp
 * message that may start a conversation. Whether it arrives is told later, by status callbacks
 * (messageStatus): a number with no WhatsApp account fails there, not here.
 *
 * @example
 * const result = await sendWhatsAppTemplate(client, account, { to: '+355691234567', contentSid: 'HX…', variables: { 1: 'Dyqani' }, statusCallback })
 */
export function sendWhatsAppTemplate(client: TwilioClient, account: TwilioAccount, message: WhatsAppTemplate): Promise<SendResult> {
  return create(client, account, 'whatsapp', message, { contentSid: message.contentSid, contentVariables: JSON.stringify(message.variables) })
}

/**
 * Sends an SMS. A refusal here (21610 after a STOP, 21211 for a bad number, 21408 for a region
 * not enabled) comes back as a `SendResult`, not an exception.
 *
 * @example
 * const result = await sendSms(client, account, { to: '+355691234567', body: 'Konfirmoni porosinë: https://…', statusCallback })
 */
export function sendSms(client: TwilioClient, account: TwilioAccount, message: Sms): Promise<SendResult> {
  return create(client, account, 'sms', message, { body: message.body })
}

/**
 * Sends free text on WhatsApp: allowed only in the 24 hours after the customer last wrote (our
 * answer to their reply); outside them Twilio fails it with 63016 (`outside_window`).
 *
 * @example
 * const result = await sendWhatsAppText(client, account, { to: '+355691234567', body: 'Faleminderit!', statusCallback })
 */
export function sendWhatsAppText(client: TwilioClient, account: TwilioAccount, message: Sms): Promise<SendResult> {
  return create(client, account, 'whatsapp', message, { body: message.body })
}

/** A message's status and what it is worth: Twilio's callbacks are separate requests, may come twice or out of order. */
const STATUS_RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  failed: 4,
  undelivered: 4,
  delivered: 5,
  read: 6,
}

/**
 * Whether `next` tells us more than `current` does, so a late or repeated callback never moves a
 * message back (a `sent` after `delivered`, a second `read`).
 *
 * @example
 * isStatusAdvance('delivered', 'sent') // false
 */
export function isStatusAdvance(current: string | null, next: string): boolean {
  return (STATUS_RANK[next] ?? -1) > (current === null ? -1 : (STATUS_RANK[current] ?? -1))
}

/** A status callback, read. */
export interface MessageStatusEvent {
  sid: string
  channel: MessageChannel
  status: string
  /** The customer has it (delivered or read). */
  arrived: boolean
  /** Twilio gave up on it (failed or undelivered), and why. */
  refusal: MessageRefusal | undefined
  errorCode: number | undefined
}

const channelOf = (params: Record<string, string>, key: 'From' | 'To'): MessageChannel =>
  (params[key] ?? '').startsWith('whatsapp:') || params.ChannelPrefix === 'whatsapp' ? 'whatsapp' : 'sms'

/** A message status callback's form, as a neutral event. */
export function messageStatus(params: Record<string, string>): MessageStatusEvent {
  const status = params.MessageStatus ?? params.SmsStatus ?? ''
  const errorCode = params.ErrorCode ? Number(params.ErrorCode) : undefined
  const failed = status === 'failed' || status === 'undelivered'
  return {
    sid: params.MessageSid ?? params.SmsSid ?? '',
    channel: channelOf(params, 'To'),
    status,
    arrived: status === 'delivered' || status === 'read',
    refusal: failed ? messageRefusal(errorCode, 400) : undefined,
    errorCode,
  }
}

/** A customer's message to us, read. */
export interface InboundMessage {
  sid: string
  channel: MessageChannel
  /** The customer's number, E.164 (without `whatsapp:`). */
  from: string
  /** Ours, E.164. */
  to: string
  /** What they wrote; for a button tap, the button's text. */
  text: string
  /** The tapped quick-reply button's id (the template's action id), if they tapped one. */
  buttonPayload: string | undefined
  /** The message of ours they answered, when Twilio says (a button tap names it). */
  repliedToSid: string | undefined
  /** Twilio's Advanced Opt-Out read the message as STOP or START (SMS). */
  optOut: 'STOP' | 'START' | undefined
}

/** An incoming-message webhook's form, as a neutral message. */
export function inboundMessage(params: Record<string, string>): InboundMessage {
  const bare = (a: string | undefined) => (a ?? '').replace(/^whatsapp:/, '')
  const optOut = params.OptOutType === 'STOP' || params.OptOutType === 'START' ? params.OptOutType : undefined
  return {
    sid: params.MessageSid ?? params.SmsMessageSid ?? '',
    channel: channelOf(params, 'From'),
    from: bare(params.From),
    to: bare(params.To),
    text: params.Body ?? '',
    buttonPayload: params.ButtonPayload || undefined,
    repliedToSid: params.OriginalRepliedMessageSid || undefined,
    optOut,
  }
}
