import { type Context, Hono } from 'hono'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import twilio from 'twilio'
import { serveOnLoopback } from '../loopback.js'
import { twilioError } from './errors.js'
import { type SimulatedInbound, simulatedInbound } from './inbound.js'
import { type CustomerScript, MediaStreamSession } from './mediaStream.js'
import { type SimulatedMessaging, simulatedMessaging } from './messaging.js'
import { pricingRoutes, type SimulatedPricing } from './pricing.js'
import { type SimulatedRecordings, simulatedRecordings } from './recordings.js'
import { twilioSid } from './sids.js'
import { parseTwiml, TwimlError, type Verb } from './twiml.js'

/** How the simulated phone at a number behaves when called. Delays are in milliseconds. */
export type PhoneBehaviour =
  | { kind: 'human'; ringMs?: number; script?: CustomerScript; hangUpAfterMs?: number }
  | { kind: 'machine'; ringMs?: number; greetingMs?: number }
  | { kind: 'busy'; ringMs?: number }
  | { kind: 'no-answer' }
  | { kind: 'fail' }

export interface TwilioSimulatorOptions {
  accountSid: string
  authToken: string
  /** Numbers this account owns and may call from (its IncomingPhoneNumbers; anything else: error 21210). */
  fromNumbers: string[]
  /** Country calling codes the account's geo permissions allow (others: 21215); all when absent. */
  allowedCallingCodes?: string[]
  /** Multiplies ringing, answering and detection delays, so tests need not wait for real seconds. */
  timeScale?: number
  /** What a phone without a script does. */
  defaultBehaviour?: PhoneBehaviour
  /** ISO countries the account's SMS geo permissions allow (others: 21408); all when absent. */
  allowedSmsCountries?: string[]
}

export interface CallbackRecord {
  url: string
  params: Record<string, string>
  status: number | 'unreachable'
}

/**
 * The account as Twilio holds it, which a test may change for as long as it likes (the knob
 * `account`): the Account resource's `status` and `type`, the auth token it accepts, its phone
 * numbers and its verified caller IDs.
 */
export interface SimulatedAccount {
  status: 'active' | 'suspended' | 'closed'
  type: 'Trial' | 'Full'
  /** The token Twilio accepts now; any other makes every request 401 with 20003, as after the token is rotated in the console. */
  authToken: string
  /** Numbers the account owns (IncomingPhoneNumbers): a call may come from one. */
  incomingNumbers: string[]
  /** Verified caller IDs (OutgoingCallerIds): a call may come from one, and a trial account may call only these. */
  callerIds: string[]
}

/** A REST request the simulator answered, as Twilio's request log would show it. */
export interface RestRequest {
  method: string
  path: string
  /** A calls.create's `To`. */
  to: string | undefined
  status: number
  /** Twilio's error code, when it refused. */
  code: number | undefined
}

/** A call as the simulator holds it; tests read it to see what Twilio saw. */
export interface SimulatedCall {
  sid: string
  to: string
  from: string
  /** `outbound-api` for a call created over REST; `inbound` for one a customer made to our number (inbound.ts). */
  direction: 'outbound-api' | 'inbound'
  /** The create request's form parameters, as sent (repeated keys as arrays). */
  params: Record<string, string | string[]>
  status: 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'
  answeredBy: string | null
  createdAt: number
  startedAt: number | null
  answeredAt: number | null
  endedAt: number | null
  /** Twilio error codes raised on the call (12100 bad TwiML, 31920 stream handshake…). */
  errors: number[]
  callbacks: CallbackRecord[]
  stream: MediaStreamSession | undefined
}

export interface TwilioSimulator {
  /** Base URL to give the SDK (TWILIO_API_ORIGIN). */
  origin: string
  /** The account's SID, current auth token and numbers, as a merchant reads them in the console. */
  credentials(): { accountSid: string; authToken: string; numbers: string[] }
  calls: SimulatedCall[]
  /** Every REST request answered, in order: creates refused before a call existed are here too. */
  requests: RestRequest[]
  /**
   * Changes the account until changed again: suspended or closed, it refuses calls.create with
   * 20005 ("Account not active"); another auth token, and every request gets 401 with 20003; a
   * `From` neither among its numbers nor its caller IDs gets 21210; a trial account calling a
   * number that is not a verified caller ID gets 21219. The Account resource and the number lists
   * show the change.
   */
  account(change: Partial<SimulatedAccount>): void
  /** The next calls to `number` behave as given, one behaviour per call, in order. */
  script(number: string, ...behaviours: PhoneBehaviour[]): void
  /**
   * The next `calls.create` answers with an HTTP error (500 unless given); with `placeAnyway`
   * the call is placed all the same, as when Twilio's answer is lost on the way back.
   */
  failNextCreate(fault?: { status?: 500 | 503; placeAnyway?: boolean }): void
  /**
   * The next `calls.create` places the call at once but answers only after `ms`, and the call's
   * callbacks reach us no sooner (a slow path between Twilio and us).
   */
  slowNextCreate(ms: number): void
  /** The next `count` calls.create (to `to`, or any) are refused with Twilio's error body (20003 bad credentials, 21210 an unverified From…). */
  refuseNextCreates(count: number, refusal: { status: 400 | 401 | 429; code: number; message: string; to?: string }): void
  /** The next call waits in Twilio's queue (status `queued`, no start time) this many real milliseconds before it starts, as when the account's queue is long. */
  holdNextInQueue(ms: number): void
  /**
   * The next update of a call (to `to`, or any) finds it just ended on its own: the callee hung up
   * as the request arrived, so Twilio answers 400 with 21220 ("Call is not in-progress. Cannot
   * redirect.") and the call ends as completed.
   */
  failNextUpdate(code: 21220, filter?: { to?: string }): void
  /**
   * The next status callback of a call to `to` saying `callStatus` never reaches us, as when a
   * load balancer answered 503 or a worker was restarting: Twilio logs 11200 and does not send it
   * again.
   */
  loseNextCallback(filter: { to: string; callStatus: string }): void
  /** The account's Pricing API (pricing.ts): its voice prices, and a bad day for it. */
  pricing: SimulatedPricing
  /** The recordings of calls created with `Record=true` (recordings.ts), and a bad day for them. */
  recordings: SimulatedRecordings
  /** Calls customers make to the account's numbers, and where those numbers send them (inbound.ts). */
  inbound: SimulatedInbound
  /** The Messaging API (messaging.ts): SMS and WhatsApp messages, Content templates, the scripted customers' replies. */
  messaging: SimulatedMessaging
  /** Resolves when every callback the simulator has sent so far has been answered. */
  settled(): Promise<void>
  close(): Promise<void>
}

const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled'])

const rfc2822 = (ms: number | null) => (ms === null ? null : new Date(ms).toUTCString().replace('GMT', '+0000'))

/**
 * A Twilio account on loopback: the Voice REST endpoints the `twilio` SDK uses to create, fetch,
 * list and update calls (with Twilio's JSON shapes and error bodies), phones that ring and are
 * answered by a person or a machine, are busy, do not answer or fail, signed status and AMD
 * callbacks in Twilio's form encoding, and on answer the TwiML's `<Connect><Stream>` played as
 * a Media Stream (see mediaStream.ts). The account itself can be read (the Account resource, its
 * IncomingPhoneNumbers and OutgoingCallerIds, paged as Twilio pages them) and given a bad day
 * (`account`) that lasts until it is changed back.
 */
export async function startTwilioSimulator(options: TwilioSimulatorOptions): Promise<TwilioSimulator> {
  const scale = options.timeScale ?? 1
  const scripts = new Map<string, PhoneBehaviour[]>()
  const createFaults: Array<{ status?: 500 | 503; placeAnyway?: boolean }> = []
  const slowCreates: number[] = []
  const queueHolds: number[] = []
  const refusals: Array<{ status: 400 | 401 | 429; code: number; message: string; to?: string | undefined }> = []
  const account: SimulatedAccount = {
    status: 'active',
    type: 'Full',
    authToken: options.authToken,
    incomingNumbers: [...options.fromNumbers],
    callerIds: [],
  }
  const requests: RestRequest[] = []
  // Each number keeps its SID and creation date, however often the lists change.
  const numberRecords = new Map<string, { sid: string; createdAt: number }>()
  const numberRecord = (number: string) => {
    if (!numberRecords.has(number)) numberRecords.set(number, { sid: twilioSid('PN'), createdAt: Date.now() })
    return numberRecords.get(number)!
  }
  const createdAt = Date.now()
  const updateFaults: Array<{ code: 21220; to?: string }> = []
  const calls: SimulatedCall[] = []
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const inFlight = new Set<Promise<unknown>>()
  const hooks = new Map<string, { stop: (status: SimulatedCall['status']) => void; redirect: (verbs: Verb[]) => void }>()

  /** Runs `fn` after `ms` of call time (scaled); `realMs` for what happens at the pace of audio. */
  const later = (ms: number, fn: () => void, { realMs = false } = {}) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        fn()
      },
      realMs ? ms : ms * scale,
    )
    timers.add(timer)
    return timer
  }

  const callJson = (call: SimulatedCall) => ({
    account_sid: options.accountSid,
    annotation: null,
    answered_by: call.answeredBy,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.endedAt ?? call.answeredAt ?? call.startedAt ?? call.createdAt),
    direction: call.direction,
    duration: call.endedAt && call.answeredAt ? String(Math.round((call.endedAt - call.answeredAt) / 1000)) : call.endedAt ? '0' : null,
    end_time: rfc2822(call.endedAt),
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: `PN${'0'.repeat(32)}`,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: rfc2822(call.startedAt),
    status: call.status,
    subresource_uris: {
      notifications: `/2010-04-01/Accounts/${options.accountSid}/Calls/${call.sid}/Notifications.json`,
      recordings: `/2010-04-01/Accounts/${options.accountSid}/Calls/${call.sid}/Recordings.json`,
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${options.accountSid}/Calls/${call.sid}.json`,
  })

  const param = (call: SimulatedCall, key: string) => {
    const v = call.params[key]
    return Array.isArray(v) ? v[0] : v
  }

  // Callbacks of one call go out one after another, in order, as Twilio's mostly do.
  const chains = new Map<string, Promise<void>>()
  const lostCallbacks: Array<{ to: string; callStatus: string }> = []
  const postCallback = (call: Pick<SimulatedCall, 'sid' | 'to' | 'callbacks'>, url: string, params: Record<string, string>) => {
    const send = async () => {
      const record: CallbackRecord = { url, params, status: 'unreachable' }
      call.callbacks.push(record)
      const lost = lostCallbacks.findIndex((l) => l.to === call.to && l.callStatus === params.CallStatus)
      if (lost >= 0) return void lostCallbacks.splice(lost, 1)
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'user-agent': 'TwilioProxy/1.1',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(account.authToken, url, params),
            'i-twilio-idempotency-token': crypto.randomUUID(),
          },
          body: new URLSearchParams(params),
        })
        record.status = res.status
        await res.arrayBuffer()
      } catch {
        // Twilio logs a failed callback (error 11200) and carries on with the call.
      }
    }
    const next = (chains.get(call.sid) ?? Promise.resolve()).then(send)
    chains.set(call.sid, next)
    inFlight.add(next)
    void next.finally(() => inFlight.delete(next))
    return next
  }

  let origin = ''
  const recordings = simulatedRecordings<SimulatedCall>({ accountSid: options.accountSid, origin: () => origin, notify: postCallback, later })
  const inbound = simulatedInbound({
    accountSid: options.accountSid,
    authToken: () => account.authToken,
    ownsNumber: (number) => account.incomingNumbers.includes(number),
    calls,
    place: (call, verbs, behaviour) => place(call, verbs, behaviour),
    later,
    track: (work) => {
      inFlight.add(work)
      void work.finally(() => inFlight.delete(work))
    },
  })
  const messaging = simulatedMessaging({
    accountSid: options.accountSid,
    account: () => account,
    ...(options.allowedSmsCountries ? { allowedSmsCountries: options.allowedSmsCountries } : {}),
    notify: postCallback,
    later,
  })

  const statusEvent = (call: SimulatedCall, event: 'initiated' | 'ringing' | 'answered' | 'completed', sequence: { n: number }) => {
    const url = param(call, 'StatusCallback')
    if (!url) return
    const wanted = call.params.StatusCallbackEvent
    const events = wanted === undefined ? ['completed'] : Array.isArray(wanted) ? wanted : [wanted]
    if (event !== 'completed' && !events.includes(event)) return
    const callStatus = event === 'initiated' ? 'initiated' : event === 'ringing' ? 'ringing' : event === 'answered' ? 'in-progress' : call.status
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: callStatus,
      Called: call.to,
      Caller: call.from,
      Direction: call.direction,
      From: call.from,
      To: call.to,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(sequence.n++),
      Timestamp: rfc2822(Date.now())!,
    }
    if (call.answeredBy) params.AnsweredBy = call.answeredBy
    if (event === 'completed') params.CallDuration = callJson(call).duration ?? '0'
    postCallback(call, url, params)
  }

  function place(
    call: SimulatedCall,
    verbs: Verb[] | TwimlError,
    behaviour: PhoneBehaviour = scripts.get(call.to)?.shift() ?? options.defaultBehaviour ?? { kind: 'human' },
  ) {
    const sequence = { n: 0 }
    let ended = false
    let verbTimer: ReturnType<typeof setTimeout> | undefined

    const end = (status: SimulatedCall['status']) => {
      if (ended) return
      ended = true
      if (verbTimer) clearTimeout(verbTimer)
      call.status = status
      call.endedAt = Date.now()
      call.stream?.end()
      hooks.delete(call.sid)
      recordings.ended(call)
      statusEvent(call, 'completed', sequence)
      inbound.ended(call)
    }

    const run = (queue: Verb[]) => {
      const verb = queue.shift()
      if (ended) return
      if (!verb) return end('completed') // nothing after </Connect>: Twilio hangs up
      if (verb.verb === 'Hangup') return end('completed')
      if (verb.verb === 'Pause') {
        verbTimer = later(verb.seconds * 1000, () => run(queue))
        return
      }
      if (verb.verb === 'Say') {
        verbTimer = later(verb.text.length * 60, () => run(queue))
        return
      }
      if (verb.verb === 'Unsupported') return run(queue)
      const { url, parameters } = verb.stream
      const stream = new MediaStreamSession({
        url,
        accountSid: options.accountSid,
        callSid: call.sid,
        parameters,
        script: behaviour.kind === 'human' ? (behaviour.script ?? {}) : {},
        record: param(call, 'Record') === 'true',
        headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(account.authToken, url, {}) },
      })
      call.stream = stream
      void stream
        .open(() => run(queue))
        .then((opened) => {
          if (!opened) {
            call.errors.push(31920) // Stream - WebSocket - Handshake Error: the call moves on
            run(queue)
          }
        })
    }

    const answer = (answeredBy: 'human' | 'machine') => {
      call.status = 'in-progress'
      call.answeredAt = Date.now()
      statusEvent(call, 'answered', sequence)
      recordings.answered(call)
      const detection = param(call, 'MachineDetection')
      if (detection) {
        const byMachine = detection === 'DetectMessageEnd' ? 'machine_end_beep' : 'machine_start'
        const delay =
          answeredBy === 'human' ? 1200 : detection === 'DetectMessageEnd' ? (behaviour.kind === 'machine' && behaviour.greetingMs) || 6000 : 1500
        later(delay, () => {
          if (ended) return
          call.answeredBy = answeredBy === 'human' ? 'human' : byMachine
          const amdUrl = param(call, 'AsyncAmdStatusCallback')
          if (param(call, 'AsyncAmd') === 'true' && amdUrl)
            postCallback(call, amdUrl, {
              AccountSid: options.accountSid,
              CallSid: call.sid,
              AnsweredBy: call.answeredBy,
              MachineDetectionDuration: String(delay),
            })
        })
      }
      // The time limit counts conversation, which runs at the pace of audio: never scaled.
      const limit = Number(param(call, 'TimeLimit') ?? 14_400)
      later(limit * 1000, () => end('completed'), { realMs: true })
      if (behaviour.kind === 'human' && behaviour.hangUpAfterMs !== undefined)
        later(behaviour.hangUpAfterMs, () => end('completed'), { realMs: true })
      if (verbs instanceof TwimlError) {
        call.errors.push(12100) // the caller hears "an application error has occurred" and the call ends
        return void later(2000, () => end('completed'))
      }
      hooks.set(call.sid, { stop: end, redirect: (next) => run(next) })
      run([...verbs])
    }

    hooks.set(call.sid, { stop: end, redirect: () => undefined })
    // A hold is in real time (the test's restart must happen within it); the rest keeps the clock's scale.
    const held = queueHolds.shift()
    later(held === undefined ? 20 : held / scale, () => {
      call.startedAt = Date.now()
      statusEvent(call, 'initiated', sequence)
      if (behaviour.kind === 'fail') return void later(200, () => end('failed'))
      later(100, () => {
        if (ended) return
        call.status = 'ringing'
        statusEvent(call, 'ringing', sequence)
        const ringMs = 'ringMs' in behaviour && behaviour.ringMs !== undefined ? behaviour.ringMs : 2000
        if (behaviour.kind === 'busy') return void later(ringMs, () => end('busy'))
        const timeout = Number(param(call, 'Timeout') ?? 60) * 1000
        if (behaviour.kind === 'no-answer' || ringMs >= timeout) return void later(timeout, () => end('no-answer'))
        later(ringMs, () => !ended && answer(behaviour.kind === 'machine' ? 'machine' : 'human'))
      })
    })
  }

  const app = new Hono()
  app.use('*', async (c, next) => {
    // Read from a copy before anything answers: a create refused at the door (20003) still names its `To`.
    const creating = c.req.method === 'POST' && c.req.path.endsWith('/Calls.json')
    const to = creating ? (new URLSearchParams(await c.req.raw.clone().text()).get('To') ?? undefined) : undefined
    await next()
    const code = c.res.status >= 400 ? ((await c.res.clone().json()) as { code?: number }).code : undefined
    requests.push({ method: c.req.method, path: c.req.path, to, status: c.res.status, code })
  })
  app.use('/2010-04-01/Accounts/*', async (c, next) => {
    const expected = `Basic ${Buffer.from(`${options.accountSid}:${account.authToken}`).toString('base64')}`
    if (c.req.header('authorization') !== expected) return twilioError(c, 401, 20003, 'Authenticate')
    // `/Accounts/{Sid}.json` is the account itself; every other resource is under `/Accounts/{Sid}/`.
    const sid = c.req.path.split('/')[3]?.replace(/\.json$/, '')
    if (sid !== options.accountSid) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    await next()
  })

  const accountUri = `/2010-04-01/Accounts/${options.accountSid}`
  app.get(`${accountUri}.json`, (c) =>
    c.json({
      auth_token: account.authToken,
      date_created: rfc2822(createdAt),
      date_updated: rfc2822(createdAt),
      friendly_name: 'callconfirm simulated account',
      owner_account_sid: options.accountSid,
      sid: options.accountSid,
      status: account.status,
      subresource_uris: Object.fromEntries(
        [
          'addresses',
          'available_phone_numbers',
          'balance',
          'calls',
          'conferences',
          'incoming_phone_numbers',
          'messages',
          'notifications',
          'outgoing_caller_ids',
          'queues',
          'recordings',
          'transcriptions',
          'usage',
        ].map((name) => [name, `${accountUri}/${name.replace(/(^|_)(\w)/g, (_, __, ch: string) => ch.toUpperCase())}.json`]),
      ),
      type: account.type,
      uri: `${accountUri}.json`,
    }),
  )

  /**
   * A list page as Twilio's 2010 API pages it, filtered by `PhoneNumber` (digits, or part of
   * them; `*` stands for any one digit, as Twilio allows).
   */
  const numberPage = (c: Context, resource: string, key: string, numbers: string[], toJson: (number: string) => Record<string, unknown>) => {
    const q = c.req.query()
    const wanted = q.PhoneNumber
      ? new RegExp(
          q.PhoneNumber.replace(/[^\d*+]/g, '')
            .replace('+', '\\+')
            .replaceAll('*', '\\d'),
        )
      : undefined
    const matching = numbers.filter((n) => !wanted || wanted.test(n))
    const pageSize = Number(q.PageSize ?? 50)
    const uri = `${accountUri}/${resource}.json`
    const query = new URLSearchParams({ ...(q.PhoneNumber ? { PhoneNumber: q.PhoneNumber } : {}), PageSize: String(pageSize) })
    return c.json({
      end: Math.max(0, Math.min(pageSize, matching.length) - 1),
      first_page_uri: `${uri}?${query}&Page=0`,
      [key]: matching.slice(0, pageSize).map(toJson),
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri: `${uri}?${query}&Page=0`,
    })
  }
  app.get(`${accountUri}/IncomingPhoneNumbers.json`, (c) =>
    numberPage(c, 'IncomingPhoneNumbers', 'incoming_phone_numbers', account.incomingNumbers, (number) => {
      const { sid, createdAt: created } = numberRecord(number)
      return {
        account_sid: options.accountSid,
        address_requirements: 'none',
        address_sid: null,
        api_version: '2010-04-01',
        beta: false,
        bundle_sid: null,
        capabilities: { fax: false, mms: false, sms: true, voice: true },
        date_created: rfc2822(created),
        date_updated: rfc2822(created),
        emergency_address_sid: null,
        emergency_address_status: 'unregistered',
        emergency_status: 'Inactive',
        friendly_name: number,
        identity_sid: null,
        origin: 'twilio',
        phone_number: number,
        sid,
        sms_application_sid: '',
        sms_fallback_method: 'POST',
        sms_fallback_url: '',
        sms_method: 'POST',
        sms_url: '',
        status: 'in-use',
        status_callback: '',
        status_callback_method: 'POST',
        subresource_uris: { assigned_add_ons: `${accountUri}/IncomingPhoneNumbers/${sid}/AssignedAddOns.json` },
        trunk_sid: null,
        type: 'local',
        uri: `${accountUri}/IncomingPhoneNumbers/${sid}.json`,
        voice_application_sid: null,
        voice_caller_id_lookup: false,
        voice_fallback_method: 'POST',
        voice_fallback_url: null,
        voice_method: 'POST',
        voice_receive_mode: 'voice',
        voice_url: null,
      }
    }),
  )
  app.get(`${accountUri}/OutgoingCallerIds.json`, (c) =>
    numberPage(c, 'OutgoingCallerIds', 'outgoing_caller_ids', account.callerIds, (number) => {
      const { sid, createdAt: created } = numberRecord(number)
      return {
        account_sid: options.accountSid,
        date_created: rfc2822(created),
        date_updated: rfc2822(created),
        friendly_name: number,
        phone_number: number,
        sid,
        uri: `${accountUri}/OutgoingCallerIds/${sid}.json`,
      }
    }),
  )

  app.post('/2010-04-01/Accounts/:account/Calls.json', async (c) => {
    const params = (await c.req.parseBody({ all: true })) as Record<string, string | string[]>
    const first = (k: string) => (Array.isArray(params[k]) ? params[k][0] : params[k]) as string | undefined
    const to = first('To') ?? ''
    const from = first('From') ?? ''
    // Twilio's docs name the code (20005, "Account not active"); the HTTP status is ours to guess, 401 as for credentials.
    if (account.status !== 'active') return twilioError(c, 401, 20005, 'Account not active')
    const refused = refusals.findIndex((r) => r.to === undefined || r.to === to)
    const refusal = refused === -1 ? undefined : refusals.splice(refused, 1)[0]
    if (refusal) return twilioError(c, refusal.status, refusal.code, refusal.message)
    const phone = parsePhoneNumberFromString(to)
    if (!to.startsWith('+') || !phone?.isValid()) return twilioError(c, 400, 21211, `Invalid 'To' Phone Number: ${to}`)
    if (!account.incomingNumbers.includes(from) && !account.callerIds.includes(from))
      return twilioError(c, 400, 21210, `The source phone number provided, ${from}, is not yet verified for your account.`)
    if (account.type === 'Trial' && !account.callerIds.includes(to))
      return twilioError(c, 400, 21219, `The number ${to} is unverified. Trial accounts may only make calls to verified numbers.`)
    if (options.allowedCallingCodes && !options.allowedCallingCodes.includes(phone.countryCallingCode))
      return twilioError(
        c,
        400,
        21215,
        `Account not authorized to call ${to}. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk`,
      )
    const twiml = first('Twiml')
    if (!twiml && !first('Url') && !first('ApplicationSid')) return twilioError(c, 400, 21205, 'Url parameter is required.')
    const fault = createFaults.shift()
    const call: SimulatedCall = {
      sid: twilioSid('CA'),
      to,
      from,
      direction: 'outbound-api',
      params,
      status: 'queued',
      answeredBy: null,
      createdAt: Date.now(),
      startedAt: null,
      answeredAt: null,
      endedAt: null,
      errors: [],
      callbacks: [],
      stream: undefined,
    }
    calls.push(call)
    let verbs: Verb[] | TwimlError
    try {
      verbs = parseTwiml(twiml ?? '<Response/>')
    } catch (error) {
      verbs = error instanceof TwimlError ? error : new TwimlError(String(error))
    }
    const slow = slowCreates.shift()
    // The path from Twilio to us is slow: the call's callbacks queue behind the late answer.
    const late = slow ? new Promise<void>((r) => setTimeout(r, slow)) : undefined
    if (late) chains.set(call.sid, late)
    if (fault && !fault.placeAnyway) calls.pop()
    else place(call, verbs)
    if (late) await late
    if (fault)
      return c.json(
        {
          code: 20500,
          message: 'An internal server error has occurred',
          more_info: 'https://www.twilio.com/docs/errors/20500',
          status: fault.status ?? 500,
        },
        fault.status ?? 500,
      )
    return c.json(callJson(call), 201)
  })

  app.get('/2010-04-01/Accounts/:account/Calls.json', (c) => {
    const q = c.req.query()
    const after = q['StartTime>'] ? Date.parse(q['StartTime>']) : undefined
    const matching = calls.filter(
      (call) =>
        (!q.To || call.to === q.To) &&
        (!q.From || call.from === q.From) &&
        (!q.Status || call.status === q.Status) &&
        // As Twilio's: a call still queued has no start time, so a StartTime filter leaves it out.
        (after === undefined || (call.startedAt !== null && call.startedAt >= after)),
    )
    const pageSize = Number(q.PageSize ?? 50)
    const uri = `/2010-04-01/Accounts/${options.accountSid}/Calls.json`
    return c.json({
      calls: matching.slice(0, pageSize).reverse().map(callJson),
      end: Math.max(0, Math.min(pageSize, matching.length) - 1),
      first_page_uri: `${uri}?PageSize=${pageSize}&Page=0`,
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri,
    })
  })

  const findCall = (c: Context) => calls.find((call) => `${call.sid}.json` === c.req.param('file'))

  app.get('/2010-04-01/Accounts/:account/Calls/:file', (c) => {
    const call = findCall(c)
    if (!call) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    return c.json(callJson(call))
  })

  app.post('/2010-04-01/Accounts/:account/Calls/:file', async (c) => {
    const call = findCall(c)
    const hook = call && hooks.get(call.sid)
    // An ended call cannot be changed: Twilio answers 404 (pipecat #2145 relies on this).
    if (!call || !hook || TERMINAL.has(call.status)) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
    const params = (await c.req.parseBody()) as Record<string, string>
    const fault = updateFaults.findIndex((f) => f.to === undefined || f.to === call.to)
    if (fault >= 0) {
      updateFaults.splice(fault, 1)
      hook.stop('completed')
      return twilioError(c, 400, 21220, 'Call is not in-progress. Cannot redirect.')
    }
    if (params.Status === 'completed' || params.Status === 'canceled') {
      if (call.status === 'in-progress') {
        if (params.Status === 'completed') hook.stop('completed')
      } else hook.stop('canceled')
    } else if (params.Twiml) {
      if (call.status !== 'in-progress') return twilioError(c, 400, 21220, 'Call is not in-progress. Cannot redirect.')
      try {
        const verbs = parseTwiml(params.Twiml)
        call.stream?.end()
        hook.redirect(verbs)
      } catch {
        return twilioError(c, 400, 12100, 'Document parse failure')
      }
    }
    return c.json(callJson(call))
  })

  const pricing = pricingRoutes({ accountSid: options.accountSid, authToken: () => account.authToken })
  app.route('/v2', pricing.app)
  app.route('/v1/Messaging', pricing.messaging)
  app.route(accountUri, recordings.app)
  app.route(accountUri, messaging.app)
  // content.twilio.com/v1/Content: the SDK's base URL mapping keeps the path.
  app.route('/v1/Content', messaging.content)

  const server = await serveOnLoopback(app)
  origin = server.origin

  return {
    origin: server.origin,
    credentials: () => ({ accountSid: options.accountSid, authToken: account.authToken, numbers: [...account.incomingNumbers] }),
    calls,
    requests,
    account(change) {
      Object.assign(account, change)
    },
    script(number, ...behaviours) {
      scripts.set(number, [...(scripts.get(number) ?? []), ...behaviours])
    },
    failNextCreate(fault = {}) {
      createFaults.push(fault)
    },
    slowNextCreate(ms) {
      slowCreates.push(ms)
    },
    refuseNextCreates(count, refusal) {
      refusals.push(...Array.from({ length: count }, () => refusal))
    },
    holdNextInQueue(ms) {
      queueHolds.push(ms)
    },
    failNextUpdate(code, filter = {}) {
      updateFaults.push({ code, to: filter.to })
    },
    loseNextCallback(filter) {
      lostCallbacks.push(filter)
    },
    pricing: pricing.control,
    recordings: recordings.control,
    inbound: inbound.control,
    messaging: messaging.control,
    async settled() {
      while (inFlight.size) await Promise.allSettled([...inFlight])
    },
    async close() {
      for (const t of timers) clearTimeout(t)
      for (const call of calls) call.stream?.end()
      await Promise.allSettled([...inFlight])
      await server.close()
    },
  }
}
