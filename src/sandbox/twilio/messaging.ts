import { type Context, Hono } from 'hono'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { sameSecret } from '../../utils/digest.js'
import { twilioError } from './errors.js'
import { smsSegmentPrice } from './pricing.js'
import { twilioSid } from './sids.js'

/**
 * Twilio's Messaging API on the simulated account (simulator.ts mounts it): Messages create and
 * fetch for SMS and WhatsApp (`whatsapp:` addresses), the Content API's templates
 * (content.twilio.com/v1/Content), signed status callbacks, and the scripted customer's replies
 * posted to the number's messaging webhook. Facts it follows, and where they come from:
 * - a Message starts `queued` (`accepted` through a Messaging Service) and no callback is sent
 *   for that first status; then `sent`, `delivered`, `read` (WhatsApp), or `failed`/`undelivered`
 *   with `ErrorCode` (twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks);
 * - a WhatsApp status callback carries `ChannelPrefix`, `ChannelToAddress`, `ChannelInstallSid`,
 *   `StructuredMessage` and, once read, `EventType=READ` (captures in public handlers of them);
 * - a number with no WhatsApp account fails with 63003, a free-form WhatsApp message outside the
 *   24 hours after the customer last wrote with 63016 (twilio.com/docs/api/errors/63003, 63016);
 *   an SMS to a landline is `undelivered` with 30006;
 * - an inbound WhatsApp button tap carries `ButtonPayload`, `ButtonText` (also the `Body`),
 *   `OriginalRepliedMessageSid`, `WaId` and `ProfileName` (a capture of one in a public repository);
 * - STOP and the other opt-out words on SMS stop later messages to that number with 21610, as
 *   Advanced Opt-Out does; START resumes them. Twilio keeps no such list for WhatsApp.
 */

/** How the phone at a number takes messages. Absent: a mobile with WhatsApp that reads what it gets. */
export interface MessagingReach {
  /** Has a WhatsApp account; `false` (error 63003, "could not find To address") or 63024 (invalid recipient) when not. */
  whatsapp?: true | false | 63024
  /** Takes SMS; false for a landline (the message is `undelivered`, 30006). */
  sms?: boolean
  /** Opens what it gets (WhatsApp `read`). */
  reads?: boolean
  /** The WhatsApp profile name its replies carry. */
  profileName?: string
}

/** A message as the simulated account holds it, sent or received; tests read it to see what Twilio saw. */
export interface SimulatedMessage {
  sid: string
  direction: 'outbound-api' | 'inbound'
  channel: 'whatsapp' | 'sms'
  /** As Twilio writes them: `whatsapp:+355…` for WhatsApp. */
  to: string
  from: string
  /** The create request's form parameters, as sent (empty for a received message). */
  params: Record<string, string>
  body: string
  contentSid: string | null
  messagingServiceSid: string | null
  status: 'accepted' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered' | 'received'
  errorCode: number | null
  numSegments: number
  /** US dollars, negative as Twilio shows a charge; null until sent. */
  price: number | null
  createdAt: number
  sentAt: number | null
  updatedAt: number
  /** Status callbacks sent for it, or, for a received message, the webhook that brought it to us (its `status` is our HTTP answer). */
  callbacks: Array<{ url: string; params: Record<string, string>; status: number | 'unreachable' }>
}

/** A Content API template as the account holds it. */
export interface SimulatedContent {
  sid: string
  friendlyName: string
  language: string
  variables: Record<string, string>
  /** As the API takes them: `{"twilio/quick-reply": {body, actions: [{title, id}]}}`. */
  types: Record<string, { body?: string; actions?: Array<{ title: string; id?: string }> }>
  /** WhatsApp's verdict; only an approved template may open a conversation. */
  whatsappApproval: 'approved' | 'pending' | 'rejected'
  createdAt: number
}

/** A scripted customer's answer: a tap on a template's quick-reply button, or text they typed. */
export type CustomerReply = { text: string } | { button: { payload: string; text: string } }

/** The next message's status callbacks misbehave, as real ones do now and then. */
export interface MessageCallbackFault {
  /** Only a message to this number (E.164, without `whatsapp:`); any when absent. */
  to?: string
  /** Every callback is sent twice. */
  twice?: boolean
  /** `delivered` (and `read`) arrive before `sent`. */
  outOfOrder?: boolean
  /** The callbacks leave only this many real milliseconds after their time. */
  lateMs?: number
}

export interface SimulatedMessaging {
  /** Every message sent or received, in order. */
  list: SimulatedMessage[]
  /** The Content API's templates. */
  contents: SimulatedContent[]
  /** How the phone at `number` takes messages from now on. */
  reach(number: string, reach: MessagingReach): void
  /** The account number's messaging webhook (its SmsUrl; a WhatsApp sender on the number uses it too); null for none. */
  webhook(number: string, url: string | null): void
  /**
   * The customer at `from` (E.164) replies: POSTed, signed, to the webhook of the number that
   * last wrote to them, on that channel (`via` to choose). Resolves once our side has answered;
   * the returned message's `callbacks[0].status` is that answer.
   */
  reply(from: string, reply: CustomerReply, via?: { channel?: 'whatsapp' | 'sms'; to?: string }): Promise<SimulatedMessage>
  /**
   * The next message of ours on `channel` that reaches the phone at `number` is answered by its
   * customer with `reply`, `afterMs` (real time) after it was delivered: the sandbox's and the
   * demo's customers write back by themselves, as `reply` would have them.
   */
  answerWhenDelivered(number: string, channel: 'whatsapp' | 'sms', reply: CustomerReply, afterMs?: number): void
  /** The next message's callbacks (to `fault.to`, or any) misbehave. */
  badDay(fault: MessageCallbackFault): void
  /** The next `count` creates (to `to`, or any) are refused with Twilio's error body: 21612 an unreachable route, 20429 too many requests, 500… */
  refuseNextCreates(count: number, refusal: { status: 400 | 429 | 500 | 503; code: number; message: string; to?: string }): void
  /** Whether SMS to `number` from `sender` are refused for its STOP (21610). */
  optedOut(number: string, sender: string): boolean
}

export interface MessagingOptions {
  accountSid: string
  /** The account as it is now: credentials and status, and the numbers it owns (each a WhatsApp sender too). */
  account: () => { status: string; authToken: string; incomingNumbers: string[] }
  /** ISO countries the account's SMS geo permissions allow (others: 21408); all when absent. */
  allowedSmsCountries?: string[]
  /** Sends a signed webhook in the order of the message's others (simulator.ts's postCallback). */
  notify: (message: SimulatedMessage, url: string, params: Record<string, string>) => Promise<void>
  /** Runs `fn` after `ms` (scaled by the simulator's clock; `realMs` for what keeps real time). */
  later: (ms: number, fn: () => void, options?: { realMs?: boolean }) => void
}

/** A WhatsApp business-initiated conversation may go on free-form for this long after the customer last wrote. */
const SESSION_WINDOW_MS = 24 * 60 * 60 * 1000
/** Twilio's fee a WhatsApp message (twilio.com/en-us/whatsapp/pricing, as commonly quoted); Meta's template fee is billed apart. */
const WHATSAPP_MESSAGE_PRICE = 0.005
/** When, after the create, each status is reached (simulated time, scaled). */
const STATUS_AT_MS = { sent: 150, delivered: 900, read: 2500 } as const
/** Advanced Opt-Out's default keywords (twilio.com/docs/messaging/tutorials/advanced-opt-out). */
const OPT_OUT_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'])
const OPT_IN_WORDS = new Set(['START', 'YES', 'UNSTOP'])

// GSM 03.38: the basic set, and the extension characters that take two septets.
const GSM7 = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
)
const GSM7_EXTENSION = new Set('^{}\\[~]|€')

/** How many SMS segments `text` takes: 160 GSM-7 septets (153 a part when split), or 70 UCS-2 characters (67) once one is outside GSM-7, as Albanian's ë is. */
export function smsSegments(text: string): number {
  const chars = [...text]
  if (chars.every((ch) => GSM7.has(ch) || GSM7_EXTENSION.has(ch))) {
    const septets = chars.reduce((n, ch) => n + (GSM7_EXTENSION.has(ch) ? 2 : 1), 0)
    return septets <= 160 ? 1 : Math.ceil(septets / 153)
  }
  const units = text.length // UTF-16 code units, as UCS-2 counts them
  return units <= 70 ? 1 : Math.ceil(units / 67)
}

const rfc2822 = (ms: number | null) => (ms === null ? null : new Date(ms).toUTCString().replace('GMT', '+0000'))
const iso8601 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const bare = (address: string) => address.replace(/^whatsapp:/, '')

/** `{{1}}`-style placeholders filled from the message's ContentVariables, else the template's samples. */
const render = (text: string, values: Record<string, string>) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, key: string) => values[key] ?? m)

/**
 * The Messaging API's routes and the knobs a test turns. `app` goes under
 * `/2010-04-01/Accounts/{AccountSid}`, `content` under `/v1/Content` (the SDK's content.v1 calls
 * content.twilio.com, which a base URL maps to the simulator with its path kept).
 */
export function simulatedMessaging(options: MessagingOptions) {
  const list: SimulatedMessage[] = []
  const contents: SimulatedContent[] = []
  const reaches = new Map<string, MessagingReach>()
  const webhooks = new Map<string, string>()
  const faults: MessageCallbackFault[] = []
  const refusals: Array<{ status: 400 | 429 | 500 | 503; code: number; message: string; to?: string | undefined }> = []
  const optOuts = new Set<string>()
  /** The scripted customers' answers to the next message delivered to them, by number and channel. */
  const answers = new Map<string, Array<{ reply: CustomerReply; afterMs: number }>>()
  /** When each customer last wrote to each WhatsApp sender: the 24-hour window's start. */
  const lastInbound = new Map<string, number>()
  const uri = (sid: string) => `/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}`
  const pair = (customer: string, sender: string) => `${customer} ${sender}`

  const messageJson = (m: SimulatedMessage) => ({
    account_sid: options.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_sent: rfc2822(m.sentAt),
    date_updated: rfc2822(m.updatedAt),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorCode === null ? null : (ERROR_MESSAGES[m.errorCode] ?? null),
    from: m.from || null,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: m.price === null ? null : m.price.toFixed(5),
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${uri(m.sid)}/Media.json`, feedback: `${uri(m.sid)}/Feedback.json` },
    to: m.to,
    uri: `${uri(m.sid)}.json`,
  })

  /** A status callback's parameters, as Twilio sends them for the message's channel. */
  const statusParams = (m: SimulatedMessage, status: SimulatedMessage['status'], errorCode: number | null) => {
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      From: m.from,
      MessageSid: m.sid,
      MessageStatus: status,
      SmsSid: m.sid,
      SmsStatus: status,
      To: m.to,
    }
    if (m.messagingServiceSid) params.MessagingServiceSid = m.messagingServiceSid
    if (errorCode !== null) params.ErrorCode = String(errorCode)
    if (m.channel === 'whatsapp') {
      Object.assign(params, {
        ChannelPrefix: 'whatsapp',
        ChannelToAddress: bare(m.to),
        ChannelInstallSid: CHANNEL_INSTALL_SID,
        StructuredMessage: 'false',
      })
      if (status === 'read') params.EventType = 'READ'
      if (errorCode !== null) params.ChannelStatusMessage = ERROR_MESSAGES[errorCode] ?? 'Message undeliverable'
    } else if (status === 'delivered' || status === 'undelivered') {
      // YYMMDDhhmm, when the carrier reported it.
      params.RawDlrDoneDate = new Date().toISOString().slice(2, 16).replace(/[-T:]/g, '')
    }
    return params
  }

  /** Moves the message through its statuses, each with its callback, as `fault` (if any) garbles them. */
  const deliver = (m: SimulatedMessage, steps: Array<{ status: SimulatedMessage['status']; at: number; errorCode?: number }>) => {
    const fault = takeFault(bare(m.to))
    const url = m.params.StatusCallback
    const sends: Array<() => void> = []
    for (const step of steps) {
      options.later(step.at, () => {
        m.status = step.status
        m.updatedAt = Date.now()
        if (step.status === 'sent') {
          m.sentAt = m.updatedAt
          m.price = -(m.channel === 'whatsapp' ? WHATSAPP_MESSAGE_PRICE : m.numSegments * (smsSegmentPrice(bare(m.to)) ?? 0))
        }
        if (step.errorCode !== undefined) m.errorCode = step.errorCode
        if (step.status === 'delivered') answerDelivered(m)
        if (!url) return
        const params = statusParams(m, step.status, step.errorCode ?? null)
        const send = () => {
          const go = () => {
            void options.notify(m, url, params)
            if (fault?.twice) void options.notify(m, url, params)
          }
          if (fault?.lateMs) options.later(fault.lateMs, go, { realMs: true })
          else go()
        }
        if (!fault?.outOfOrder) return send()
        // Out of order: the first callback is held until the ones after it have gone.
        sends.push(send)
        if (sends.length === steps.length) for (const s of [...sends.slice(1), sends[0]!]) s()
      })
    }
  }

  const answerDelivered = (m: SimulatedMessage) => {
    const answer = answers.get(`${bare(m.to)} ${m.channel}`)?.shift()
    if (!answer) return
    // A reply that cannot be posted (no webhook yet) is the test's to see: the message never comes.
    options.later(answer.afterMs, () => void control.reply(bare(m.to), answer.reply, { channel: m.channel }).catch(() => undefined), {
      realMs: true,
    })
  }

  const takeFault = (to: string) => {
    const i = faults.findIndex((f) => f.to === undefined || f.to === to)
    return i === -1 ? undefined : faults.splice(i, 1)[0]
  }

  /** What becomes of a message Twilio accepted: the customer's phone decides. */
  const route = (m: SimulatedMessage, reach: MessagingReach, templated: boolean) => {
    const at = STATUS_AT_MS
    if (m.channel === 'sms') {
      if (reach.sms === false)
        return deliver(m, [
          { status: 'sent', at: at.sent },
          { status: 'undelivered', at: at.delivered, errorCode: 30006 },
        ])
      return deliver(m, [
        { status: 'sent', at: at.sent },
        { status: 'delivered', at: at.delivered },
      ])
    }
    if (reach.whatsapp === false || reach.whatsapp === 63024)
      return deliver(m, [{ status: 'failed', at: at.sent, errorCode: reach.whatsapp === 63024 ? 63024 : 63003 }])
    const since = lastInbound.get(pair(bare(m.to), bare(m.from)))
    const inWindow = since !== undefined && Date.now() - since < SESSION_WINDOW_MS
    const content = m.contentSid ? contents.find((c) => c.sid === m.contentSid) : undefined
    if (!inWindow && (!templated || content?.whatsappApproval !== 'approved'))
      return deliver(m, [{ status: 'failed', at: at.sent, errorCode: 63016 }])
    const steps: Array<{ status: SimulatedMessage['status']; at: number }> = [
      { status: 'sent', at: at.sent },
      { status: 'delivered', at: at.delivered },
    ]
    if (reach.reads !== false) steps.push({ status: 'read', at: at.read })
    deliver(m, steps)
  }

  const app = new Hono()

  app.post('/Messages.json', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>
    const params = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'))
    const account = options.account()
    const to = params.To ?? ''
    if (account.status !== 'active') return twilioError(c, 401, 20005, 'Account not active')
    const refused = refusals.findIndex((r) => r.to === undefined || r.to === bare(to))
    if (refused >= 0) {
      const r = refusals.splice(refused, 1)[0]!
      return twilioError(c, r.status, r.code, r.message)
    }
    if (!to) return twilioError(c, 400, 21604, "A 'To' phone number is required.")
    const service = params.MessagingServiceSid
    if (service && !/^MG[0-9a-f]{32}$/.test(service)) return twilioError(c, 400, 21701, `The Messaging Service Sid ${service} is invalid.`)
    if (!params.From && !service) return twilioError(c, 400, 21603, "A 'From' phone number is required.")
    const channel = to.startsWith('whatsapp:') ? 'whatsapp' : 'sms'
    const from = params.From ?? (channel === 'whatsapp' ? `whatsapp:${account.incomingNumbers[0]}` : account.incomingNumbers[0]!)
    if (from.startsWith('whatsapp:') !== (channel === 'whatsapp'))
      return twilioError(c, 400, 21910, 'Invalid From and To pair. From and To should be of the same channel')
    const phone = parsePhoneNumberFromString(bare(to))
    if (!bare(to).startsWith('+') || !phone?.isValid()) return twilioError(c, 400, 21211, `Invalid 'To' Phone Number: ${bare(to)}`)
    if (!account.incomingNumbers.includes(bare(from)))
      return channel === 'whatsapp'
        ? twilioError(c, 400, 63007, "Twilio could not find a Channel with the specified 'From' address")
        : twilioError(c, 400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`)
    const contentSid = params.ContentSid
    const content = contentSid ? contents.find((t) => t.sid === contentSid) : undefined
    if (contentSid && !content) return twilioError(c, 400, 21655, 'The ContentSid is Invalid')
    let variables: Record<string, string> = {}
    try {
      variables = params.ContentVariables ? (JSON.parse(params.ContentVariables) as Record<string, string>) : {}
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) throw new Error('not an object')
    } catch {
      return twilioError(c, 400, 21656, 'The ContentVariables Parameter is invalid')
    }
    const template = content && Object.values(content.types)[0]
    const body = template ? render(template.body ?? '', { ...content.variables, ...variables }) : (params.Body ?? '')
    if (!body) return twilioError(c, 400, 21602, 'Message body is required.')
    if (body.length > 1600) return twilioError(c, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.')
    if (channel === 'sms') {
      if (options.allowedSmsCountries && !options.allowedSmsCountries.includes(phone.country ?? ''))
        return twilioError(c, 400, 21408, `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}`)
      if (optOuts.has(pair(to, from))) return twilioError(c, 400, 21610, 'Attempt to send to unsubscribed recipient')
    }
    const now = Date.now()
    const m: SimulatedMessage = {
      // A message with rich content (a Content template) gets an MM SID, as a captured button reply's OriginalRepliedMessageSid shows.
      sid: twilioSid(content ? 'MM' : 'SM'),
      direction: 'outbound-api',
      channel,
      to,
      from: service ? '' : from,
      params,
      body,
      contentSid: contentSid ?? null,
      messagingServiceSid: service ?? null,
      status: service ? 'accepted' : 'queued',
      errorCode: null,
      numSegments: service ? 0 : channel === 'sms' ? smsSegments(body) : 1,
      price: null,
      createdAt: now,
      sentAt: null,
      updatedAt: now,
      callbacks: [],
    }
    list.push(m)
    const reach = reaches.get(bare(to)) ?? {}
    if (service) {
      // The service picks its sender a moment later, and says so (`queued` has a callback through a service).
      options.later(50, () => {
        Object.assign(m, { from, status: 'queued', numSegments: channel === 'sms' ? smsSegments(body) : 1, updatedAt: Date.now() })
        if (m.params.StatusCallback) void options.notify(m, m.params.StatusCallback, statusParams(m, 'queued', null))
        route(m, reach, !!content)
      })
    } else route(m, reach, !!content)
    return c.json(messageJson(m), 201)
  })

  const findMessage = (c: Context) => list.find((m) => `${m.sid}.json` === c.req.param('file'))
  app.get('/Messages/:file', (c) => {
    const m = findMessage(c)
    return m ? c.json(messageJson(m)) : twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
  })

  const contentJson = (t: SimulatedContent) => ({
    account_sid: options.accountSid,
    date_created: iso8601(t.createdAt),
    date_updated: iso8601(t.createdAt),
    friendly_name: t.friendlyName,
    language: t.language,
    links: {
      approval_create: `${CONTENT_ORIGIN}/v1/Content/${t.sid}/ApprovalRequests/whatsapp`,
      approval_fetch: `${CONTENT_ORIGIN}/v1/Content/${t.sid}/ApprovalRequests`,
    },
    sid: t.sid,
    types: t.types,
    url: `${CONTENT_ORIGIN}/v1/Content/${t.sid}`,
    variables: t.variables,
  })

  // content.twilio.com takes the account's Basic credentials, as api.twilio.com does.
  const content = new Hono().use('*', async (c, next) => {
    const expected = `Basic ${btoa(`${options.accountSid}:${options.account().authToken}`)}`
    if (!sameSecret(c.req.header('authorization') ?? '', expected)) return twilioError(c, 401, 20003, 'Authenticate')
    await next()
  })
  content.post('/', async (c) => {
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null
    // The API takes snake_case and `twilio/…` type names; the SDK's camelCase typings (`friendlyName`, `twilioQuickReply`) are refused as Twilio refuses them (twilio-node PR #1046).
    // The error code of these 400s is not documented; 20001 ("Invalid parameter") is Twilio's general one.
    const types = body?.types as SimulatedContent['types'] | undefined
    const known = types && Object.keys(types).filter((k) => /^(twilio|whatsapp)\//.test(k))
    if (!body || typeof body.language !== 'string') return twilioError(c, 400, 20001, 'Language is required')
    if (!types || !known?.length) return twilioError(c, 400, 20001, 'Invalid types. At least one content type definition is required')
    const quickReply = types['twilio/quick-reply']
    if (
      quickReply &&
      (!quickReply.actions?.length || quickReply.actions.length > 10 || quickReply.actions.some((a) => !a.title || a.title.length > 20))
    )
      return twilioError(c, 400, 20001, 'Invalid twilio/quick-reply: 1 to 10 actions, each with a title of at most 20 characters')
    const t: SimulatedContent = {
      sid: twilioSid('HX'),
      friendlyName: typeof body.friendly_name === 'string' ? body.friendly_name : '',
      language: body.language,
      variables: (body.variables as Record<string, string> | undefined) ?? {},
      types,
      whatsappApproval: 'approved',
      createdAt: Date.now(),
    }
    contents.push(t)
    return c.json(contentJson(t), 201)
  })
  content.get('/', (c) => {
    const pageSize = Number(c.req.query('PageSize') ?? 50)
    const url = `${CONTENT_ORIGIN}/v1/Content?PageSize=${pageSize}&Page=0`
    return c.json({
      contents: contents.slice(0, pageSize).map(contentJson),
      meta: { first_page_url: url, key: 'contents', next_page_url: null, page: 0, page_size: pageSize, previous_page_url: null, url },
    })
  })
  const findContent = (c: Context) => contents.find((t) => t.sid === c.req.param('sid'))
  content.get('/:sid', (c) => {
    const t = findContent(c)
    return t ? c.json(contentJson(t)) : twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
  })
  content.get('/:sid/ApprovalRequests', (c) => {
    const t = findContent(c)
    if (!t) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    return c.json({
      account_sid: options.accountSid,
      sid: t.sid,
      url: `${CONTENT_ORIGIN}/v1/Content/${t.sid}/ApprovalRequests`,
      whatsapp: {
        allow_category_change: true,
        category: 'UTILITY',
        content_type: Object.keys(t.types)[0],
        name: t.friendlyName,
        rejection_reason: t.whatsappApproval === 'rejected' ? 'INVALID_FORMAT' : '',
        status: t.whatsappApproval,
        type: 'whatsapp',
      },
    })
  })

  /** The parameters of a message the customer sends us, as Twilio posts them to the number's webhook. */
  const inboundParams = (m: SimulatedMessage, reply: CustomerReply, repliedTo: SimulatedMessage | undefined) => {
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      Body: m.body,
      From: m.from,
      MessageSid: m.sid,
      NumMedia: '0',
      NumSegments: String(m.numSegments),
      SmsMessageSid: m.sid,
      SmsSid: m.sid,
      SmsStatus: 'received',
      To: m.to,
    }
    if (m.channel === 'whatsapp') {
      const customer = bare(m.from)
      Object.assign(params, {
        // A tap on a template's button is Meta's `button` message; the capture we have of an in-session quick reply says `interactive`. Nothing should depend on it.
        MessageType: 'button' in reply ? 'button' : 'text',
        ProfileName: reaches.get(customer)?.profileName ?? 'Klient',
        ReferralNumMedia: '0',
        WaId: customer.slice(1),
      })
      if ('button' in reply) {
        Object.assign(params, { ButtonPayload: reply.button.payload, ButtonText: reply.button.text })
        if (repliedTo) Object.assign(params, { OriginalRepliedMessageSender: repliedTo.from, OriginalRepliedMessageSid: repliedTo.sid })
      }
    } else {
      const word = m.body.trim().toUpperCase()
      if (OPT_OUT_WORDS.has(word)) params.OptOutType = 'STOP'
      if (OPT_IN_WORDS.has(word)) params.OptOutType = 'START'
      const country = parsePhoneNumberFromString(m.from)?.country ?? ''
      Object.assign(params, { FromCity: '', FromCountry: country, FromState: '', FromZip: '', ToCity: '', ToCountry: '', ToState: '', ToZip: '' })
    }
    return params
  }

  const control: SimulatedMessaging = {
    list,
    contents,
    reach(number, reach) {
      reaches.set(number, reach)
    },
    webhook(number, url) {
      if (url) webhooks.set(number, url)
      else webhooks.delete(number)
    },
    async reply(from, reply, via = {}) {
      const last = [...list]
        .reverse()
        .find((m) => m.direction === 'outbound-api' && bare(m.to) === from && (!via.channel || m.channel === via.channel))
      const channel = via.channel ?? ('button' in reply ? 'whatsapp' : (last?.channel ?? 'sms'))
      const ours = via.to ?? (last && last.channel === channel && last.from ? bare(last.from) : options.account().incomingNumbers[0]!)
      const address = (n: string) => (channel === 'whatsapp' ? `whatsapp:${n}` : n)
      const body = 'button' in reply ? reply.button.text : reply.text
      const now = Date.now()
      const m: SimulatedMessage = {
        sid: twilioSid('SM'),
        direction: 'inbound',
        channel,
        to: address(ours),
        from: address(from),
        params: {},
        body,
        contentSid: null,
        messagingServiceSid: null,
        status: 'received',
        errorCode: null,
        numSegments: channel === 'sms' ? smsSegments(body) : 1,
        price: null,
        createdAt: now,
        sentAt: now,
        updatedAt: now,
        callbacks: [],
      }
      list.push(m)
      if (channel === 'whatsapp') lastInbound.set(pair(from, ours), now)
      else {
        const word = body.trim().toUpperCase()
        if (OPT_OUT_WORDS.has(word)) optOuts.add(pair(from, ours))
        if (OPT_IN_WORDS.has(word)) optOuts.delete(pair(from, ours))
      }
      const url = webhooks.get(ours)
      const repliedTo = last?.channel === channel ? last : undefined
      if (url) await options.notify(m, url, inboundParams(m, reply, repliedTo))
      return m
    },
    answerWhenDelivered(number, channel, reply, afterMs = 1_000) {
      const key = `${number} ${channel}`
      answers.set(key, [...(answers.get(key) ?? []), { reply, afterMs }])
    },
    badDay(fault) {
      faults.push(fault)
    },
    refuseNextCreates(count, refusal) {
      refusals.push(...Array.from({ length: count }, () => refusal))
    },
    optedOut(number, sender) {
      return optOuts.has(pair(number, sender))
    },
  }

  return { app, content, control }
}

const CONTENT_ORIGIN = 'https://content.twilio.com'
/** The account's WhatsApp channel installation (an `XE…` SID in every WhatsApp status callback). */
const CHANNEL_INSTALL_SID = `XE${'5'.repeat(32)}`

/** Twilio's short descriptions of the codes the simulator raises on a message (its `error_message`). */
const ERROR_MESSAGES: Record<number, string> = {
  30006: 'Landline or unreachable carrier',
  63003: 'Channel could not find To address',
  63016: 'Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.',
  63024: 'Invalid message recipient',
}
