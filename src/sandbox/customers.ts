import type { Outcome } from '../domain/order.js'
import { speak } from './speech.js'
import type { Caller } from './twilio/inbound.js'
import type { CustomerReply, MessagingReach } from './twilio/messaging.js'
import type { PhoneBehaviour } from './twilio/simulator.js'

/**
 * The customers the sandbox can play when a test order is placed: what the phone does and what
 * the person says, through the same simulated Twilio and audio path as every call. `expect` is
 * what callconfirm should make of it; the demo checks exactly that.
 */
export const CUSTOMER_BEHAVIOURS = [
  'confirms',
  'cancels',
  'says_alo',
  'changes_mind',
  'interrupts',
  'presses_1',
  'no_answer',
  'voicemail',
  'wrong_number',
  'asks_callback',
  'asks_change',
  'calls_back',
  'confirms_on_whatsapp',
  'cancels_by_sms',
] as const
export type CustomerBehaviour = (typeof CUSTOMER_BEHAVIOURS)[number]

/** How a sample customer behaves on the phone (its name on the test-order form: the pages' `sandbox.behaviour.*`). */
export interface BehaviourPlay {
  /** One behaviour per call to the customer's phone, in order. */
  calls: PhoneBehaviour[]
  /** Having missed our call, the customer rings the shop's number back and talks like this. */
  ringsBack?: Caller
  /**
   * Having missed our call, the customer answers the message we then write, on `channel` (the
   * one that reaches their phone: `reach`), with `reply`.
   */
  writesBack?: { channel: 'whatsapp' | 'sms'; reply: CustomerReply; reach?: MessagingReach }
  /** The final outcome, or `callback` when the order should wait for the time the customer asked. */
  expect: Outcome | 'callback'
}

const RING_MS = 2_500
const person = (script: Extract<PhoneBehaviour, { kind: 'human' }>['script']): PhoneBehaviour => ({ kind: 'human', ringMs: RING_MS, script })
const says = (text: string) => ({ say: speak(text) })

/** A person who answers the callback and confirms. */
const confirmsWhenCalled = person({ turns: [says('Po, e konfirmoj porosinë.')] })

export const BEHAVIOURS: Record<CustomerBehaviour, BehaviourPlay> = {
  confirms: { calls: [confirmsWhenCalled], expect: 'confirmed' },
  cancels: { calls: [person({ turns: [says('Jo, nuk e dua më, faleminderit.')] })], expect: 'cancelled' },
  says_alo: {
    // As people here answer the phone: the greeting waits for it and answers it, whole.
    calls: [person({ speech: [{ atMs: 400, audio: speak('Alo?') }], turns: [says('Po, e konfirmoj.')] })],
    expect: 'confirmed',
  },
  changes_mind: {
    // Speaks over the agent's thanks: the later answer is the one that counts.
    calls: [person({ turns: [says('Po, e konfirmoj.'), { say: speak('Jo, prit, anuloje!'), bargeInMs: 600 }] })],
    expect: 'cancelled',
  },
  interrupts: {
    // Breaks in two seconds into the greeting; the agent stops, answers, and asks again.
    calls: [person({ speech: [{ atMs: 2_000, audio: speak('Prit, prit, kush është?') }], turns: [says('Po, po, e konfirmoj.')] })],
    expect: 'confirmed',
  },
  presses_1: { calls: [person({ turns: [{ press: '1' }] })], expect: 'confirmed' },
  no_answer: { calls: [{ kind: 'no-answer' }], expect: 'no_answer' },
  voicemail: { calls: [{ kind: 'machine', ringMs: RING_MS, greetingMs: 4_000 }], expect: 'voicemail' },
  wrong_number: { calls: [person({ turns: [says('Gabim numër, nuk jam unë.')] })], expect: 'invalid_phone' },
  asks_callback: {
    calls: [person({ turns: [says('Jam në punë, më telefononi më vonë në 18:00.')] }), confirmsWhenCalled],
    expect: 'callback',
  },
  asks_change: {
    // Says yes, but to a changed order: a person must look before it ships.
    calls: [person({ turns: [says('Po, por ndryshojeni adresën në Rrugën e Durrësit 12.')] })],
    expect: 'needs_review',
  },
  calls_back: {
    calls: [{ kind: 'no-answer' }],
    ringsBack: { kind: 'human', script: { turns: [says('Po, po, e konfirmoj porosinë.')] } },
    expect: 'confirmed',
  },
  confirms_on_whatsapp: {
    // Misses the call, then taps the template's "Konfirmo" button on WhatsApp.
    calls: [{ kind: 'no-answer' }],
    writesBack: { channel: 'whatsapp', reply: { button: { payload: 'confirm', text: 'Konfirmo' } } },
    expect: 'confirmed',
  },
  cancels_by_sms: {
    // No WhatsApp on this phone: the SMS comes instead, and they reply "2".
    calls: [{ kind: 'no-answer' }],
    writesBack: { channel: 'sms', reply: { text: '2' }, reach: { whatsapp: false } },
    expect: 'cancelled',
  },
}
