import { describe, expect, it } from 'vitest'
import {
  afterAgentFailure,
  type CallFacts,
  decideBeforeDialing,
  decideDialRefusal,
  decideKey,
  decideSettlement,
  decideToolCall,
  isMachine,
  ladderSummary,
  laterAnswer,
  noNumberToCall,
  type OrderInStore,
  type SettlementFacts,
} from './callOutcome.js'

const TIRANE = 'Europe/Tirane'
const hours = { start: '09:00', end: '20:00' }
/** Saturday 21 November 2026, 14:00 in Tirana: inside the calling hours. */
const now = Date.parse('2026-11-21T14:00:00+01:00')
const MIN = 60_000

describe('an order with no number to call', () => {
  it.each([
    ['no number at all', { phones: [] }, 'The order has no phone number.'],
    [
      'a number that is not valid there, without repeating it',
      { phones: ['12345678'], countries: ['AL', 'XK'] },
      /^The order's phone number \(.*\) is not a valid number for AL, XK\.$/,
    ],
    ['a number refused for its line type', { phones: ['+355 900 12345'], refused: 'The number is premium-rate.' }, 'The number is premium-rate.'],
  ])('closes as invalid_phone: %s', (_, found, evidence) => {
    const closed = noNumberToCall(found)
    expect(closed.outcome).toBe('invalid_phone')
    expect(closed.evidence).toMatch(evidence)
    expect(closed.evidence).not.toContain('12345678')
  })
})

describe('the order in the store, just before dialling', () => {
  it.each<[OrderInStore, ReturnType<typeof decideBeforeDialing>]>([
    ['open', { action: 'call' }],
    ['cancelled', { action: 'stop', reason: 'cancelled_in_store' }],
    ['fulfilled', { action: 'stop', reason: 'fulfilled_in_store' }],
    ['answered', { action: 'stop', reason: 'already_answered' }],
    ['not_found', { action: 'stop', reason: 'order_not_found' }],
    ['access_revoked', { action: 'stop', reason: 'store_access_revoked' }],
    // A store outage does not stop the confirmation: the customer will say.
    ['unreachable', { action: 'call' }],
  ])('%s → %o', (state, decision) => {
    expect(decideBeforeDialing(state)).toEqual(decision)
  })
})

describe('Twilio refusing to place the call', () => {
  it.each<[string, Parameters<typeof decideDialRefusal>[0], ReturnType<typeof decideDialRefusal>]>([
    [
      'an undiallable number closes as invalid_phone',
      { kind: 'undiallable', code: 21211 },
      { action: 'close', outcome: 'invalid_phone', evidence: 'Twilio refused the number (21211).' },
    ],
    [
      'a number the geo permissions forbid closes as failed',
      { kind: 'forbidden', code: 21215 },
      { action: 'close', outcome: 'failed', evidence: 'The Twilio account may not call this number (21215); check its geo permissions.' },
    ],
    ['no clear answer leaves it to recovery in a minute', { kind: 'no_clear_answer' }, { action: 'recover', at: now + MIN }],
    ['any other refusal tries again in a minute', { kind: 'refused', code: 13999, account: undefined, times: 1 }, { action: 'retry', at: now + MIN }],
    ['and then after 2, 4… minutes', { kind: 'refused', code: 13999, account: undefined, times: 3 }, { action: 'retry', at: now + 4 * MIN }],
    [
      'the sixth refusal of this call closes the order as failed',
      { kind: 'refused', code: 13999, account: undefined, times: 6 },
      { action: 'close', outcome: 'failed', evidence: 'Twilio refused to place the call 6 times (13999); check the Twilio account.' },
    ],
    [
      'a refusal about the account never closes the order: it holds back every call, and the order waits at most an hour',
      { kind: 'refused', code: 20003, account: 'credentials', times: 9 },
      { action: 'hold', problem: 'credentials', code: 20003, at: now + 60 * MIN },
    ],
  ])('%s', (_, refusal, decision) => {
    expect(decideDialRefusal(refusal, now)).toEqual(decision)
  })
})

describe('the evidence an answer records, as written on the order', () => {
  const at = (lastWords: string) => ({ lastWords, now, callingHours: hours, timezone: TIRANE })
  it('gives the customer’s words once, when the model passes them as the reason, with one full stop', () => {
    const said = 'Jo, nuk e dua më, faleminderit.'
    expect(decideToolCall('cancel_order', JSON.stringify({ reason: said }), at(said))).toMatchObject({
      evidence: 'Cancelled on the call. The customer said “Jo, nuk e dua më, faleminderit.”',
    })
  })

  it('keeps a reason of the model’s own, without its full stop, and ends on the words’ own punctuation', () => {
    expect(decideToolCall('cancel_order', '{"reason":"Too expensive. "}', at('Jo, është shtrenjtë!'))).toMatchObject({
      evidence: 'Cancelled on the call: Too expensive. The customer said “Jo, është shtrenjtë!”',
    })
    expect(decideToolCall('request_changes', '{"details":"size 43…"}', at('Më duhet 43'))).toMatchObject({
      evidence: 'Asked for changes: size 43. The customer said “Më duhet 43”.',
    })
  })
})

describe('the answer a tool records', () => {
  const context = { lastWords: 'Po, e konfirmoj', now, callingHours: hours, timezone: TIRANE }
  it.each<[string, string, ReturnType<typeof decideToolCall>]>([
    ['confirm_order', '{}', { action: 'answer', outcome: 'confirmed', evidence: 'Confirmed on the call: “Po, e konfirmoj”.' }],
    [
      'cancel_order',
      '{"reason":"too dear"}',
      { action: 'answer', outcome: 'cancelled', evidence: 'Cancelled on the call: too dear. The customer said “Po, e konfirmoj”.' },
    ],
    ['cancel_order', '{}', { action: 'answer', outcome: 'cancelled', evidence: 'Cancelled on the call. The customer said “Po, e konfirmoj”.' }],
    [
      'request_changes',
      '{"details":"another address"}',
      { action: 'answer', outcome: 'needs_review', evidence: 'Asked for changes: another address. The customer said “Po, e konfirmoj”.' },
    ],
    [
      'request_changes',
      'not json',
      { action: 'answer', outcome: 'needs_review', evidence: 'Asked for changes: not said. The customer said “Po, e konfirmoj”.' },
    ],
    [
      'wrong_number',
      '{}',
      { action: 'answer', outcome: 'invalid_phone', evidence: 'The person who answered said it is the wrong number: “Po, e konfirmoj”.' },
    ],
    [
      'request_callback',
      '{"when":"18:00"}',
      { action: 'call_back', at: Date.parse('2026-11-21T18:00:00+01:00'), evidence: 'Asked to be called back (18:00): “Po, e konfirmoj”.' },
    ],
    // "Later" with no time it can read: two hours on.
    [
      'request_callback',
      '{"when":"later"}',
      { action: 'call_back', at: now + 120 * MIN, evidence: 'Asked to be called back (later): “Po, e konfirmoj”.' },
    ],
    ['end_call', '{}', { action: 'end_call' }],
    ['delete_everything', '{}', { action: 'unknown_tool' }],
  ])('%s %s', (name, args, answer) => {
    expect(decideToolCall(name, args, context)).toEqual(answer)
  })

  it('says so when no words were transcribed, and keeps a long argument to 500 characters', () => {
    const answer = decideToolCall('cancel_order', JSON.stringify({ reason: 'x'.repeat(900) }), { ...context, lastWords: undefined })
    expect(answer).toMatchObject({
      outcome: 'cancelled',
      evidence: `Cancelled on the call: ${'x'.repeat(500)}. The customer said no words were transcribed.`,
    })
  })

  it('moves a callback asked for outside the calling hours to their next opening', () => {
    expect(decideToolCall('request_callback', '{"when":"22:00"}', context)).toMatchObject({ at: Date.parse('2026-11-22T09:00:00+01:00') })
  })
})

describe('the answer a key records', () => {
  it.each([
    ['1', { outcome: 'confirmed', evidence: 'Pressed 1 on the keypad to confirm.', meaning: 'to confirm the order' }],
    ['2', { outcome: 'cancelled', evidence: 'Pressed 2 on the keypad to cancel.', meaning: 'to cancel the order' }],
    ['5', undefined],
    ['constructor', undefined],
  ])('key %s', (digit, answer) => {
    expect(decideKey(digit)).toEqual(answer)
  })
})

describe('a later answer in the same call', () => {
  const confirmed = { outcome: 'confirmed' as const, evidence: 'Confirmed on the call: “Po”.' }
  const cancelled = { outcome: 'cancelled' as const, evidence: 'Cancelled on the call. The customer said “Jo, anuloje”.' }
  it.each([
    ['the first answer stands as given', undefined, confirmed, confirmed],
    ['the same answer again changes nothing', confirmed, { ...confirmed, evidence: 'Confirmed on the call: “Po, po”.' }, undefined],
    [
      'a different answer replaces it, both quoted',
      confirmed,
      cancelled,
      { outcome: 'cancelled', evidence: 'Cancelled on the call. The customer said “Jo, anuloje”. Before that: Confirmed on the call: “Po”.' },
    ],
  ])('%s', (_name, earlier, answer, expected) => {
    expect(laterAnswer(earlier, answer)).toEqual(expected)
  })
})

describe('an agent that failed mid-call', () => {
  it.each([
    ['before the customer spoke: the ladder calls again', { spoke: false, words: undefined }, undefined],
    [
      'after they spoke: a person looks, with their words',
      { spoke: true, words: 'Po, e konfirmoj' },
      { outcome: 'needs_review', evidence: 'The customer answered, but the agent failed before recording it: “Po, e konfirmoj”.' },
    ],
    [
      'after they spoke, words not yet transcribed',
      { spoke: true, words: undefined },
      { outcome: 'needs_review', evidence: 'The customer answered, but the agent failed before recording it: no words were transcribed.' },
    ],
  ])('%s', (_name, customer, expected) => {
    expect(afterAgentFailure(customer)).toEqual(expected)
  })
})

describe('telling a machine from a person', () => {
  it.each([
    ['machine_start', true],
    ['machine_end_beep', true],
    ['fax', true],
    ['human', false],
    ['unknown', false],
    [null, false],
    [undefined, false],
  ])('%s → %s', (answeredBy, machine) => {
    expect(isMachine(answeredBy)).toBe(machine)
  })
})

describe('settling a call that has ended', () => {
  const ladder = { retryDelaysMinutes: [15, 120, 1080], callingHours: hours, timezone: TIRANE }
  const busy: CallFacts = { status: 'busy', answeredBy: null }
  const unanswered: CallFacts = { status: 'no-answer', answeredBy: null }
  const notPlaced: CallFacts = { status: 'failed', answeredBy: null }
  const machine: CallFacts = { status: 'completed', answeredBy: 'machine_start' }
  const person: CallFacts = { status: 'completed', answeredBy: 'human' }

  /** The last of `calls` has just ended, at `now`, with the conversation's end reason if any. */
  function facts(
    calls: CallFacts[],
    more: {
      endReason?: string
      order?: Partial<NonNullable<SettlementFacts['order']>>
      latestAttemptId?: string
      ladder?: SettlementFacts['ladder']
    } = {},
  ): SettlementFacts {
    const last = calls.at(-1)!
    return {
      attempt: { id: 'att_last', ...last, endReason: more.endReason ?? null, endedAt: now },
      order: { status: 'calling', outcome: null, evidence: null, ...more.order },
      latestAttemptId: more.latestAttemptId ?? 'att_last',
      calls,
      ladder: 'ladder' in more ? more.ladder : ladder,
    }
  }
  const close = (outcome: string, evidence: string, ladderRanOut = false) => ({ action: 'close', outcome, evidence, ladderRanOut })

  it.each<[string, SettlementFacts, unknown]>([
    ['a callback requested on the call leaves the order alone', facts([person], { order: { status: 'queued' } }), { action: 'leave' }],
    ["an older attempt's late news leaves it alone", facts([busy], { latestAttemptId: 'att_newer' }), { action: 'leave' }],
    ['an order that is gone is left alone', { ...facts([busy]), order: undefined }, { action: 'leave' }],
    [
      'an answer recorded on the call closes the order with it',
      facts([person], { endReason: 'agent_ended', order: { outcome: 'confirmed', evidence: 'Confirmed on the call: “Po”.' } }),
      close('confirmed', 'Confirmed on the call: “Po”.'),
    ],
    [
      'an answer stands even if the customer hung up right after giving it',
      facts([person], { endReason: 'customer_hung_up', order: { outcome: 'cancelled', evidence: 'Cancelled.' } }),
      close('cancelled', 'Cancelled.'),
    ],
    [
      'a conversation that ended without an answer (silence, the time limit) asks for a person',
      facts([person], { endReason: 'silence' }),
      close('needs_review', 'The customer answered, but the call ended before they confirmed or cancelled.'),
    ],
    [
      'the customer hanging up before answering climbs the ladder',
      facts([person], { endReason: 'customer_hung_up' }),
      { action: 'requeue', at: now + 15 * MIN },
    ],
    ['the agent failing climbs the ladder', facts([person], { endReason: 'agent_failed' }), { action: 'requeue', at: now + 15 * MIN }],
    ['a busy line climbs the ladder', facts([busy]), { action: 'requeue', at: now + 15 * MIN }],
    ['an answering machine climbs the ladder', facts([busy, machine]), { action: 'requeue', at: now + 120 * MIN }],
    // 14:00 + 18 h is 08:00, before the opening.
    [
      'a rung outside the calling hours moves to their opening',
      facts([busy, unanswered, unanswered]),
      { action: 'requeue', at: Date.parse('2026-11-22T09:00:00+01:00') },
    ],
    [
      'a ladder run out on no answer closes as no_answer',
      facts([busy, unanswered, unanswered, unanswered]),
      close('no_answer', '4 calls: 1 busy, 3 not answered.', true),
    ],
    [
      'a ladder run out on a machine closes as voicemail',
      facts([unanswered, unanswered, unanswered, machine]),
      close('voicemail', '4 calls: 3 not answered, 1 reached voicemail.', true),
    ],
    [
      'a ladder run out with no call ever connected closes as failed',
      facts([notPlaced, notPlaced, notPlaced, notPlaced]),
      close('failed', '4 calls: 4 failed to connect.', true),
    ],
    [
      'a ladder run out after the customer did pick up asks for a person',
      facts([person, unanswered, unanswered, unanswered], { order: { evidence: null } }),
      close('needs_review', 'The customer answered but never gave an answer.', true),
    ],
    ['a store that is gone gives no more calls', facts([busy], { ladder: undefined }), close('no_answer', '1 call: 1 busy.', true)],
    [
      'no retries at all: the first unanswered call closes the order',
      facts([unanswered], { ladder: { ...ladder, retryDelaysMinutes: [] } }),
      close('no_answer', '1 call: 1 not answered.', true),
    ],
  ])('%s', (_, input, settlement) => {
    expect(decideSettlement(input, now)).toEqual(settlement)
  })

  it('counts the retry from when the call ended, not from when it is settled', () => {
    const input = facts([busy])
    expect(decideSettlement({ ...input, attempt: { ...input.attempt, endedAt: now - 10 * MIN } }, now)).toEqual({
      action: 'requeue',
      at: now + 5 * MIN,
    })
  })

  it('sums up the calls in one line for the merchant', () => {
    expect(ladderSummary([busy])).toBe('1 call: 1 busy.')
    expect(ladderSummary([busy, machine, unanswered, unanswered])).toBe('4 calls: 1 busy, 1 reached voicemail, 2 not answered.')
  })
})
