import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import twilio from 'twilio'
import { twilioSid } from './sids.js'
import type { PhoneBehaviour, SimulatedCall } from './simulator.js'
import { parseTwiml, TwimlError, type Verb } from './twiml.js'

/** Where one of the account's numbers sends its calls, as the console's "A call comes in" and "Call status changes" set it. */
export interface NumberWebhooks {
  /** The Voice URL, asked (POST) for the TwiML of each call to the number. */
  voiceUrl: string
  /** Told (POST) when each call to the number has ended. */
  statusCallback?: string
}

/** A person on the phone: how they talk once the call is connected (PhoneBehaviour `human`). */
export type Caller = Extract<PhoneBehaviour, { kind: 'human' }>

/** The voice webhook Twilio requested for an incoming call, and what it was answered. */
export interface VoiceWebhook {
  url: string
  params: Record<string, string>
  status: number | 'unreachable'
  /** The answer's body, when there was one. */
  twiml: string | undefined
}

export interface SimulatedInbound {
  /** Points one of the account's numbers (or, without `number`, every one it has) at these webhooks, until configured again. */
  configure(webhooks: NumberWebhooks, number?: string): void
  /**
   * A customer at `from` rings `to`, one of the account's numbers: Twilio asks the number's Voice
   * URL what to do (signed, with Twilio's parameters for an incoming call) and carries out the
   * TwiML it is given (`<Connect><Stream>` talks as `caller` does; `<Say>`, then `<Hangup/>`),
   * then tells the number's status callback how the call ended. Resolves with the call once the
   * webhook has answered; its `webhook` is what was asked and answered.
   */
  call(from: string, to: string, caller?: Caller): Promise<SimulatedCall & { webhook: VoiceWebhook }>
  /** The next call to `number` that goes unanswered (no answer, busy) is rung back from that number, `afterMs` (real time) after it ended, by `caller`. */
  ringBackWhenMissed(number: string, caller: Caller, afterMs?: number): void
  /** The incoming calls so far, oldest first. */
  calls: Array<SimulatedCall & { webhook: VoiceWebhook }>
}

const UNANSWERED = new Set(['no-answer', 'busy'])

/** What Twilio plays when a number's webhook fails: the caller hears "an application error has occurred", and the call ends. */
const APPLICATION_ERROR: Verb[] = [{ verb: 'Say', text: 'We are sorry, an application error has occurred. Goodbye.' }, { verb: 'Hangup' }]

/**
 * Calls into the simulated account: customers who ring its numbers (their own calls, or a ring-back
 * after missing one of ours). The number's Voice URL is asked as Twilio asks it (form-encoded,
 * X-Twilio-Signature, `Direction=inbound`, `CallStatus=ringing`); the call, once answered, is run
 * by the simulator's own call (`place`) as one we placed: the same TwiML verbs, media stream,
 * REST updates (our hang-up) and status callbacks.
 */
export function simulatedInbound(deps: {
  accountSid: string
  authToken: () => string
  ownsNumber: (number: string) => boolean
  calls: SimulatedCall[]
  place: (call: SimulatedCall, verbs: Verb[] | TwimlError, behaviour: PhoneBehaviour) => void
  later: (ms: number, fn: () => void, options?: { realMs?: boolean }) => unknown
  /** Work the simulator's `settled()` waits for. */
  track: (work: Promise<unknown>) => void
}): { control: SimulatedInbound; ended(call: SimulatedCall): void } {
  const numbers = new Map<string, NumberWebhooks>()
  let everyNumber: NumberWebhooks | undefined
  const ringBacks = new Map<string, Array<{ caller: Caller; afterMs: number }>>()
  const incoming: Array<SimulatedCall & { webhook: VoiceWebhook }> = []

  const place = (country: string | undefined) => ({ City: '', Country: country ?? '', State: '', Zip: '' })

  async function call(from: string, to: string, caller: Caller = { kind: 'human' }) {
    const webhooks = numbers.get(to) ?? everyNumber
    if (!deps.ownsNumber(to) || !webhooks) throw new Error(`${to} is not one of the account's numbers with a Voice URL`)
    const sid = twilioSid('CA')
    const fromPlace = place(parsePhoneNumberFromString(from)?.country)
    const toPlace = place(parsePhoneNumberFromString(to)?.country)
    // Twilio's parameters for an incoming call's voice webhook, the caller's and the called number's whereabouts included.
    const params: Record<string, string> = {
      AccountSid: deps.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: sid,
      CallStatus: 'ringing',
      CallToken: crypto.randomUUID(),
      Called: to,
      Caller: from,
      Direction: 'inbound',
      From: from,
      To: to,
      ...Object.fromEntries(
        Object.entries(fromPlace).flatMap(([k, v]) => [
          [`From${k}`, v],
          [`Caller${k}`, v],
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(toPlace).flatMap(([k, v]) => [
          [`To${k}`, v],
          [`Called${k}`, v],
        ]),
      ),
    }
    const simulated: SimulatedCall & { webhook: VoiceWebhook } = {
      sid,
      to,
      from,
      direction: 'inbound',
      // The number's status callback stands where a created call's StatusCallback would (its only event: completed).
      params: webhooks.statusCallback ? { StatusCallback: webhooks.statusCallback } : {},
      status: 'ringing',
      answeredBy: null,
      createdAt: Date.now(),
      startedAt: Date.now(),
      answeredAt: null,
      endedAt: null,
      errors: [],
      callbacks: [],
      stream: undefined,
      webhook: { url: webhooks.voiceUrl, params, status: 'unreachable', twiml: undefined },
    }
    deps.calls.push(simulated)
    incoming.push(simulated)
    let verbs: Verb[] | TwimlError = APPLICATION_ERROR
    try {
      const res = await fetch(webhooks.voiceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'TwilioProxy/1.1',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(deps.authToken(), webhooks.voiceUrl, params),
          'i-twilio-idempotency-token': crypto.randomUUID(),
        },
        body: new URLSearchParams(params),
      })
      simulated.webhook.status = res.status
      simulated.webhook.twiml = await res.text()
      if (res.ok) verbs = parseTwiml(simulated.webhook.twiml)
      else simulated.errors.push(11200) // HTTP retrieval failure
    } catch (error) {
      if (error instanceof TwimlError) verbs = error
      else simulated.errors.push(11200)
    }
    // The call was ringing while the webhook was asked; its TwiML answers it at once.
    deps.place(simulated, verbs, { ...caller, ringMs: 0 })
    return simulated
  }

  return {
    control: {
      configure(webhooks, number) {
        if (number) numbers.set(number, webhooks)
        else everyNumber = webhooks
      },
      call,
      ringBackWhenMissed(number, caller, afterMs = 1_000) {
        ringBacks.set(number, [...(ringBacks.get(number) ?? []), { caller, afterMs }])
      },
      calls: incoming,
    },
    ended(ended) {
      if (ended.direction !== 'outbound-api' || !UNANSWERED.has(ended.status)) return
      const ringBack = ringBacks.get(ended.to)?.shift()
      if (!ringBack) return
      deps.later(
        ringBack.afterMs,
        () => {
          const work = call(ended.to, ended.from, ringBack.caller)
          deps.track(work)
          // A ring-back that cannot be made (the number has no Voice URL) is the test's to see: the call never comes.
          work.catch(() => undefined)
        },
        { realMs: true },
      )
    },
  }
}
