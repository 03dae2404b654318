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
import type { Evidence } from './evidence.js'

const TIRANE = 'Europe/Tirane'
const hours = { start: '09:00', end: '20:00' }
/** Saturday 21 November 2026, 14:00 in Tirana: inside the calling hours. */
const now = Date.parse('2026-11-21T14:00:00+01:00')
const MIN = 60_000

describe('an order with no number to call', () => {
  it.each([
    ['no number at all', { phones: [] }, { kind: 'no_phone' }],
    [
      'a number that is not valid there, without repeating it',
      { phones: ['12345678'], countries: ['AL', 'XK'] },
      { kind: 'invalid_number', maskedPhone: '1234…78', countries: ['AL', 'XK'] },
    ],
    ['a number refused for its line type', { phones: ['+355 900 12345'], refused: 'The number is premium-rate.' }, 'The number is premium-rate.'],
  ])('closes as invalid_phone: %s', (_, found, evidence) => {
    const closed = noNumberToCall(found)
    expect(closed).toEqual({ outcome: 'invalid_phone', evidence })
    expect(JSON.stringify(closed)).not.toContain('12345678')
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
      { action: 'close', outcome: 'invalid_phone', evidence: { kind: 'twilio_refused_number', code: 21211 } },
    ],
    [
      'a number the geo permissions forbid closes as failed',
      { kind: 'forbidden', code: 21215 },
      { action: 'close', outcome: 'failed', evidence: { kind: 'twilio_forbidden', code: 21215 } },
    ],
    ['no clear answer leaves it to recovery in a minute', { kind: 'no_clear_answer' }, { action: 'recover', at: now + MIN }],
    ['any other refusal tries again in a minute', { kind: 'refused', code: 13999, account: undefined, times: 1 }, { action: 'retry', at: now + MIN }],
    ['and then after 2, 4… minutes', { kind: 'refused', code: 13999, account: undefined, times: 3 }, { action: 'retry', at: now + 4 * MIN }],
    [
      'the sixth refusal of this call closes the order as failed',
      { kind: 'refused', code: 13999, account: undefined, times: 6 },
      { action: 'close', outcome: 'failed', evidence: { kind: 'twilio_refused', times: 6, code: 13999 } },
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

describe('the evidence an answer records', () => {
  const at = (lastWords: string) => ({ lastWords, now, callingHours: hours, timezone: TIRANE })
  it('leaves out a reason that only repeats the customer’s words, whatever its case and punctuation', () => {
    const said = 'Jo, nuk e dua më, faleminderit.'
    expect(decideToolCall('cancel_order', JSON.stringify({ reason: 'jo nuk e dua më faleminderit' }), at(said))).toMatchObject({
      evidence: { kind: 'cancelled', reason: undefined, words: said },
    })
  })

  it('keeps a reason or the changes of the model’s own as a clause, without their full stop', () => {
    expect(decideToolCall('cancel_order', '{"reason":"Too expensive. "}', at('Jo, është shtrenjtë!'))).toMatchObject({
      evidence: { kind: 'cancelled', reason: 'Too expensive', words: 'Jo, është shtrenjtë!' },
    })
    expect(decideToolCall('request_changes', '{"details":"size 43…"}', at('Më duhet 43'))).toMatchObject({
      evidence: { kind: 'changes', details: 'size 43', words: 'Më duhet 43' },
    })
  })
})

describe('the answer a tool records', () => {
  const context = { lastWords: 'Po, e konfirmoj', now, callingHours: hours, timezone: TIRANE }
  const words = context.lastWords
  it.each<[string, string, ReturnType<typeof decideToolCall>]>([
    ['confirm_order', '{}', { action: 'answer', outcome: 'confirmed', evidence: { kind: 'confirmed', words } }],
    ['cancel_order', '{"reason":"too dear"}', { action: 'answer', outcome: 'cancelled', evidence: { kind: 'cancelled', reason: 'too dear', words } }],
    ['cancel_order', '{}', { action: 'answer', outcome: 'cancelled', evidence: { kind: 'cancelled', reason: undefined, words } }],
    [
      'request_changes',
      '{"details":"another address"}',
      { action: 'answer', outcome: 'needs_review', evidence: { kind: 'changes', details: 'another address', words } },
    ],
    ['request_changes', 'not json', { action: 'answer', outcome: 'needs_review', evidence: { kind: 'changes', details: undefined, words } }],
    ['wrong_number', '{}', { action: 'answer', outcome: 'invalid_phone', evidence: { kind: 'wrong_number', words } }],
    [
      'request_callback',
      '{"when":"18:00"}',
      {
        action: 'call_back',
        at: Date.parse('2026-11-21T18:00:00+01:00'),
        evidence: { kind: 'callback', at: Date.parse('2026-11-21T18:00:00+01:00'), timeGiven: true, words },
      },
    ],
    // "Later" with no time it can read: two hours on.
    [
      'request_callback',
      '{"when":"later"}',
      { action: 'call_back', at: now + 120 * MIN, evidence: { kind: 'callback', at: now + 120 * MIN, timeGiven: false, words } },
    ],
    ['end_call', '{}', { action: 'end_call' }],
    ['delete_everything', '{}', { action: 'unknown_tool' }],
  ])('%s %s', (name, args, answer) => {
    expect(decideToolCall(name, args, context)).toEqual(answer)
  })

  it('keeps no words when none were transcribed, and a long argument to 500 characters', () => {
    const answer = decideToolCall('cancel_order', JSON.stringify({ reason: 'x'.repeat(900) }), { ...context, lastWords: undefined })
    expect(answer).toEqual({ action: 'answer', outcome: 'cancelled', evidence: { kind: 'cancelled', reason: 'x'.repeat(500), words: undefined } })
  })

  it('moves a callback asked for outside the calling hours to their next opening', () => {
    expect(decideToolCall('request_callback', '{"when":"22:00"}', context)).toMatchObject({ at: Date.parse('2026-11-22T09:00:00+01:00') })
  })
})

describe('the answer a key records', () => {
  it.each([
    ['1', { outcome: 'confirmed', evidence: { kind: 'key', digit: '1' }, meaning: 'to confirm the order' }],
    ['2', { outcome: 'cancelled', evidence: { kind: 'key', digit: '2' }, meaning: 'to cancel the order' }],
    ['5', undefined],
    ['constructor', undefined],
  ])('key %s', (digit, answer) => {
    expect(decideKey(digit)).toEqual(answer)
  })
})

describe('a later answer in the same call', () => {
  const confirmed = { outcome: 'confirmed' as const, evidence: { kind: 'confirmed' as const, words: 'Po' } }
  const cancelled = { outcome: 'cancelled' as const, evidence: { kind: 'cancelled' as const, words: 'Jo, anuloje' } }
  it.each([
    ['the first answer stands as given', undefined, confirmed, confirmed],
    ['the same answer again changes nothing', confirmed, { ...confirmed, evidence: { kind: 'confirmed' as const, words: 'Po, po' } }, undefined],
    [
      'a different answer replaces it, both kept',
      confirmed,
      cancelled,
      { outcome: 'cancelled', evidence: { kind: 'cancelled', words: 'Jo, anuloje', before: { kind: 'confirmed', words: 'Po' } } },
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
      { outcome: 'needs_review', evidence: { kind: 'agent_failed', words: 'Po, e konfirmoj' } },
    ],
    [
      'after they spoke, words not yet transcribed',
      { spoke: true, words: undefined },
      { outcome: 'needs_review', evidence: { kind: 'agent_failed', words: undefined } },
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
  const close = (outcome: string, evidence: Evidence, ladderRanOut = false) => ({ action: 'close', outcome, evidence, ladderRanOut })

  it.each<[string, SettlementFacts, unknown]>([
    ['a callback requested on the call leaves the order alone', facts([person], { order: { status: 'queued' } }), { action: 'leave' }],
    ["an older attempt's late news leaves it alone", facts([busy], { latestAttemptId: 'att_newer' }), { action: 'leave' }],
    ['an order that is gone is left alone', { ...facts([busy]), order: undefined }, { action: 'leave' }],
    [
      'an answer recorded on the call closes the order with it',
      facts([person], { endReason: 'agent_ended', order: { outcome: 'confirmed', evidence: { kind: 'confirmed', words: 'Po' } } }),
      close('confirmed', { kind: 'confirmed', words: 'Po' }),
    ],
    [
      'an answer stands even if the customer hung up right after giving it',
      facts([person], { endReason: 'customer_hung_up', order: { outcome: 'cancelled', evidence: 'Cancelled.' } }),
      close('cancelled', 'Cancelled.'),
    ],
    [
      'a conversation that ended without an answer (silence, the time limit) asks for a person',
      facts([person], { endReason: 'silence' }),
      close('needs_review', { kind: 'call_ended_unanswered' }),
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
      close(
        'no_answer',
        {
          kind: 'calls',
          calls: [
            ['busy', 1],
            ['unanswered', 3],
          ],
        },
        true,
      ),
    ],
    [
      'a ladder run out on a machine closes as voicemail',
      facts([unanswered, unanswered, unanswered, machine]),
      close(
        'voicemail',
        {
          kind: 'calls',
          calls: [
            ['unanswered', 3],
            ['voicemail', 1],
          ],
        },
        true,
      ),
    ],
    [
      'a ladder run out with no call ever connected closes as failed',
      facts([notPlaced, notPlaced, notPlaced, notPlaced]),
      close('failed', { kind: 'calls', calls: [['failed', 4]] }, true),
    ],
    [
      'a ladder run out after the customer did pick up asks for a person',
      facts([person, unanswered, unanswered, unanswered], { order: { evidence: null } }),
      close('needs_review', { kind: 'never_answered' }, true),
    ],
    [
      'a store that is gone gives no more calls',
      facts([busy], { ladder: undefined }),
      close('no_answer', { kind: 'calls', calls: [['busy', 1]] }, true),
    ],
    [
      'no retries at all: the first unanswered call closes the order',
      facts([unanswered], { ladder: { ...ladder, retryDelaysMinutes: [] } }),
      close('no_answer', { kind: 'calls', calls: [['unanswered', 1]] }, true),
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
    expect(ladderSummary([busy])).toEqual({ kind: 'calls', calls: [['busy', 1]] })
    expect(ladderSummary([busy, machine, unanswered, unanswered])).toEqual({
      kind: 'calls',
      calls: [
        ['busy', 1],
        ['voicemail', 1],
        ['unanswered', 2],
      ],
    })
  })
})
