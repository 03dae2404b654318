import twilio from 'twilio'
import type { AccountFacts } from '../domain/twilioAccount.js'

/**
 * Everything callconfirm says to Twilio, through the official SDK. Twilio's own knowledge
 * (TwiML, call options, error codes, signatures) lives here and nowhere else.
 */

export interface TwilioAccount {
  accountSid: string
  authToken: string
  fromNumber: string
  /** `https://api.twilio.com`, or a proxy or the simulator. */
  apiOrigin: string
}

/** What a call looks like to us, whatever Twilio's resource carries besides. */
export interface CallState {
  sid: string
  /** Twilio's CallStatus: queued, ringing, in-progress, completed, busy, no-answer, failed, canceled. */
  status: string
  answeredBy: string | null
  startedAt: number | null
  endedAt: number | null
  durationSeconds: number | null
}

export const TERMINAL_CALL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled'])

/**
 * A Call SID as the logs show it: its kind and last six characters (`CA…3f9a1c`), enough to tell
 * calls apart and find one in Twilio's console, without the whole handle in every log line.
 */
export const maskCallSid = (sid: string | null | undefined): string | undefined => (sid ? `${sid.slice(0, 2)}…${sid.slice(-6)}` : undefined)

/** How long the phone rings before we give up (Twilio's default is 60 s, long enough for voicemail to pick up). */
export const RING_TIMEOUT_SECONDS = 25
/** A hard cap on a call's length, and so on its cost. */
export const CALL_TIME_LIMIT_SECONDS = 300

/** Sends the SDK's requests to another origin (a proxy, the simulator), keeping path and query. */
class OriginRequestClient extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super()
  }
  override request: twilio.RequestClient['request'] = (opts) => {
    const url = new URL(opts.uri)
    return super.request({ ...opts, uri: `${this.origin}${url.pathname}${url.search}` })
  }
}

export type TwilioClient = ReturnType<typeof twilio>

export function createTwilioClient(account: TwilioAccount): TwilioClient {
  const custom = account.apiOrigin.replace(/\/+$/, '') !== 'https://api.twilio.com'
  return twilio(account.accountSid, account.authToken, custom ? { httpClient: new OriginRequestClient(account.apiOrigin) } : {})
}

export interface PlaceCall {
  to: string
  attemptId: string
  /** One-time secret the media stream must present in its `start` message. */
  streamToken: string
  /** The call's key in its media-stream URL (streamKey.ts). */
  streamKey: string
  /** Public origin that Twilio reaches (PUBLIC_URL). */
  publicUrl: string
  /** Twilio records the call, both sides (the store's `recordCalls`). */
  record?: boolean
}

/** `https://x` → `wss://x/twilio/media-stream/<key>`: Twilio streams only to ws(s), with no query string, so the call is named in the path. */
export function mediaStreamUrl(publicUrl: string, streamKey: string): string {
  return `${publicUrl.replace(/^http/, 'ws')}/twilio/media-stream/${streamKey}`
}

/**
 * The call's TwiML: connect the answered call to our media stream, carrying the attempt and its
 * one-time token as `<Parameter>`s (they arrive in `start.customParameters`). Nothing follows
 * `</Connect>`, so when the stream closes, the call ends.
 */
export function streamTwiml(call: Pick<PlaceCall, 'attemptId' | 'streamToken' | 'streamKey' | 'publicUrl'>): string {
  const response = new twilio.twiml.VoiceResponse()
  const stream = response.connect().stream({ url: mediaStreamUrl(call.publicUrl, call.streamKey) })
  stream.parameter({ name: 'attemptId', value: call.attemptId })
  stream.parameter({ name: 'token', value: call.streamToken })
  return response.toString()
}

/**
 * Twilio's `<Say>` voices by our language. Its voices (Polly's, Google's) include no Albanian one as
 * far as we found, so Albanian text goes without a `language`, read by the account's default voice
 * (Albanian is written as it is said); an invalid language would fail the whole `<Say>`.
 */
const SAY_LANGUAGES: Record<string, 'en-US'> = { en: 'en-US' }

/**
 * TwiML that reads a short message to a caller and hangs up: for a call we answer without the
 * agent (incomingCalls.ts). `language` is ours (`sq`, `en`).
 *
 * @example
 * sayAndHangUpTwiml('Hello. Goodbye.', 'en') // → '<?xml …?><Response><Say language="en-US">Hello. Goodbye.</Say><Hangup/></Response>'
 */
export function sayAndHangUpTwiml(text: string, language: string): string {
  const response = new twilio.twiml.VoiceResponse()
  const voice = SAY_LANGUAGES[language]
  response.say(voice ? { language: voice } : {}, text)
  response.hangup()
  return response.toString()
}

const toState = (call: {
  sid: string
  status: string
  answeredBy: string | null
  startTime: Date | null
  endTime: Date | null
  duration: string | null
}): CallState => ({
  sid: call.sid,
  status: call.status,
  answeredBy: call.answeredBy ?? null,
  startedAt: call.startTime?.getTime() ?? null,
  endedAt: call.endTime?.getTime() ?? null,
  durationSeconds: call.duration === null ? null : Number(call.duration),
})

/**
 * Places the call: inline TwiML, progress callbacks for every stage, asynchronous answering
 * machine detection (the stream starts at once; the verdict follows), a ring timeout short of
 * most voicemail pickups, and a time limit.
 */
export async function placeCall(client: TwilioClient, account: TwilioAccount, call: PlaceCall): Promise<CallState> {
  const callbacks = `${call.publicUrl}/twilio`
  const created = await client.calls.create({
    to: call.to,
    from: account.fromNumber,
    twiml: streamTwiml(call),
    statusCallback: `${callbacks}/status/${call.attemptId}`,
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    statusCallbackMethod: 'POST',
    timeout: RING_TIMEOUT_SECONDS,
    timeLimit: CALL_TIME_LIMIT_SECONDS,
    machineDetection: 'Enable',
    asyncAmd: 'true',
    asyncAmdStatusCallback: `${callbacks}/amd/${call.attemptId}`,
    asyncAmdStatusCallbackMethod: 'POST',
    ...(call.record ? recordingOptions(callbacks, call.attemptId) : {}),
  })
  return toState(created)
}

/**
 * A recorded call's options: from the answer to the hang-up, each side on its own channel, with
 * signed callbacks as the recording starts and once it is ready (or absent). Silence is kept, so the recording's clock is the call's and the transcript's
 * times line up with it.
 */
function recordingOptions(callbacks: string, attemptId: string) {
  return {
    record: true,
    recordingChannels: 'dual',
    recordingStatusCallback: `${callbacks}/recording-status/${attemptId}`,
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
    trim: 'do-not-trim',
  }
}

/** A Recording SID as Twilio makes them (`RE` and 32 hex digits): the only thing put into a media URL. */
export const isRecordingSid = (sid: string): boolean => /^RE[0-9a-f]{32}$/.test(sid)

/** A recording's audio may take this long to come through (a five-minute call is about 10 MB of WAV). */
const RECORDING_FETCH_MS = 60_000

/**
 * A recording's audio as Twilio serves it (`/Recordings/{Sid}.wav`: 16-bit PCM, one channel per
 * side), asked for with the account's Basic credentials; `range` is passed on so a player can
 * seek. The URL is built from the account's API origin and the SID, never taken from a callback,
 * so the credentials go to Twilio and nowhere else. The answer is Twilio's, to be streamed on.
 *
 * @example
 * const media = await fetchRecordingMedia(account, 'RE…', 'bytes=0-')
 */
export async function fetchRecordingMedia(account: TwilioAccount, sid: string, range?: string): Promise<Response> {
  if (!isRecordingSid(sid)) throw new Error('not a Recording SID')
  const url = `${account.apiOrigin.replace(/\/+$/, '')}/2010-04-01/Accounts/${account.accountSid}/Recordings/${sid}.wav`
  return fetch(url, {
    headers: { authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}`, ...(range ? { range } : {}) },
    signal: AbortSignal.timeout(RECORDING_FETCH_MS),
  })
}

/**
 * Deletes a call's recordings at Twilio: the one a callback named, and any other Twilio holds for
 * the call (a callback may have been lost on the way). One already deleted (20404) counts as
 * deleted. Returns how many were deleted now.
 */
export async function deleteCallRecordings(client: TwilioClient, callSid: string | null, knownSid: string | null): Promise<number> {
  const listed = callSid ? (await client.recordings.list({ callSid, limit: 20 })).map((r) => r.sid) : []
  let deleted = 0
  for (const sid of new Set([...listed, ...(knownSid ? [knownSid] : [])])) {
    try {
      await client.recordings(sid).remove()
      deleted++
    } catch (error) {
      if (twilioErrorCode(error) !== 20404) throw error
    }
  }
  return deleted
}

export async function fetchCall(client: TwilioClient, sid: string): Promise<CallState> {
  return toState(await client.calls(sid).fetch())
}

/**
 * Calls to `to` that Twilio created at or after `since` (to the second), newest first. By creation, not by
 * Twilio's `StartTime` filter: a call still waiting in Twilio's queue has no start time yet, and
 * a filter on it would miss the very call we are looking for.
 */
export async function callsTo(client: TwilioClient, to: string, since: number): Promise<CallState[]> {
  const recent = await client.calls.list({ to, limit: 20 })
  // Twilio's dates are to the second.
  const from = Math.floor(since / 1000) * 1000
  return recent.filter((call) => call.dateCreated.getTime() >= from).map(toState)
}

/**
 * What Twilio answers when asked to change a call that has already ended: 404 (20404) once the end
 * is recorded, 21220 ("Call is not in-progress. Cannot redirect.") in the moment just after it.
 */
const CALL_ALREADY_ENDED = new Set([20404, 21220])

/**
 * Ends a call: `completed` if it was answered, `canceled` while it still rings. A call that has
 * already ended (CALL_ALREADY_ENDED) is the outcome we wanted, so it is not an error.
 */
export async function hangUp(client: TwilioClient, sid: string, answered: boolean): Promise<void> {
  try {
    await client.calls(sid).update({ status: answered ? 'completed' : 'canceled' })
  } catch (error) {
    if (!CALL_ALREADY_ENDED.has(twilioErrorCode(error) ?? 0)) throw error
  }
}

/**
 * Ends a call at whatever stage it is: asks Twilio where it stands, then cancels it while it
 * rings or hangs it up once answered (our own record of its status may lag behind Twilio's).
 */
export async function endCall(client: TwilioClient, sid: string): Promise<void> {
  const call = await fetchCall(client, sid)
  if (!TERMINAL_CALL_STATUSES.has(call.status)) await hangUp(client, sid, call.status === 'in-progress')
}

/**
 * What Twilio says about the account, asked without calling anyone (a held service's probe,
 * accountHold.ts): the Account resource (`GET /2010-04-01/Accounts/{AccountSid}.json`: its
 * `status` and `type`) and whether the `From` number is one of its IncomingPhoneNumbers or
 * verified OutgoingCallerIds (each list filtered by `PhoneNumber`). A 4xx is a refusal of the
 * request (401 with 20003: the credentials); a 5xx or no answer taught us nothing.
 */
export async function accountFacts(client: TwilioClient, account: TwilioAccount): Promise<AccountFacts> {
  const ours = client.api.v2010.accounts(account.accountSid)
  try {
    const found = await ours.fetch()
    // Twilio's PhoneNumber filter also matches part of a number: only the number itself counts.
    const [owned, verified] = await Promise.all([
      ours.incomingPhoneNumbers.list({ phoneNumber: account.fromNumber, limit: 20 }),
      ours.outgoingCallerIds.list({ phoneNumber: account.fromNumber, limit: 20 }),
    ])
    const fromNumberOnAccount = [...owned, ...verified].some((n) => n.phoneNumber === account.fromNumber)
    return { answer: 'account', status: found.status, type: found.type, fromNumberOnAccount }
  } catch (error) {
    const status = twilioHttpStatus(error)
    if (status === undefined || status >= 500) return { answer: 'none', error: error instanceof Error ? error.message : String(error) }
    return { answer: 'refused', code: twilioErrorCode(error) ?? status }
  }
}

/** Twilio's error code (21211 invalid number, 20404 not found…) of a failed REST call. */
export function twilioErrorCode(error: unknown): number | undefined {
  return error instanceof twilio.RestException ? error.code : undefined
}

/** The HTTP status of a failed REST call, when Twilio answered at all. */
export function twilioHttpStatus(error: unknown): number | undefined {
  return error instanceof twilio.RestException ? error.status : undefined
}

/**
 * Checks `X-Twilio-Signature` on a form-encoded callback. The URL is rebuilt from PUBLIC_URL and
 * the request path, never from the request's own Host header, which a proxy rewrites.
 */
export function isSignedByTwilio(authToken: string, signature: string | undefined, url: string, params: Record<string, string>): boolean {
  return !!signature && twilio.validateRequest(authToken, signature, url, params)
}
