import type { Outcome } from '../domain/order.js'
import { speak } from './speech.js'
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
] as const
export type CustomerBehaviour = (typeof CUSTOMER_BEHAVIOURS)[number]

export interface BehaviourPlay {
  label: string
  /** One behaviour per call to the customer's phone, in order. */
  calls: PhoneBehaviour[]
  /** The final outcome, or `callback` when the order should wait for the time the customer asked. */
  expect: Outcome | 'callback'
}

const RING_MS = 2_500
const person = (script: Extract<PhoneBehaviour, { kind: 'human' }>['script']): PhoneBehaviour => ({ kind: 'human', ringMs: RING_MS, script })
const says = (text: string) => ({ say: speak(text) })

/** A person who answers the callback and confirms. */
const confirmsWhenCalled = person({ turns: [says('Po, e konfirmoj porosinë.')] })

export const BEHAVIOURS: Record<CustomerBehaviour, BehaviourPlay> = {
  confirms: { label: 'Confirms ("Po, e konfirmoj")', calls: [confirmsWhenCalled], expect: 'confirmed' },
  cancels: { label: 'Cancels ("Jo, nuk e dua më")', calls: [person({ turns: [says('Jo, nuk e dua më, faleminderit.')] })], expect: 'cancelled' },
  says_alo: {
    label: 'Says "Alo?" on picking up, then confirms',
    // As people here answer the phone: the greeting waits for it and answers it, whole.
    calls: [person({ speech: [{ atMs: 400, audio: speak('Alo?') }], turns: [says('Po, e konfirmoj.')] })],
    expect: 'confirmed',
  },
  changes_mind: {
    label: 'Confirms, then changes their mind ("Po… jo, anuloje")',
    // Speaks over the agent's thanks: the later answer is the one that counts.
    calls: [person({ turns: [says('Po, e konfirmoj.'), { say: speak('Jo, prit, anuloje!'), bargeInMs: 600 }] })],
    expect: 'cancelled',
  },
  interrupts: {
    label: 'Interrupts the greeting, then confirms',
    // Breaks in two seconds into the greeting; the agent stops, answers, and asks again.
    calls: [person({ speech: [{ atMs: 2_000, audio: speak('Prit, prit, kush është?') }], turns: [says('Po, po, e konfirmoj.')] })],
    expect: 'confirmed',
  },
  presses_1: { label: 'Presses 1 on the keypad', calls: [person({ turns: [{ press: '1' }] })], expect: 'confirmed' },
  no_answer: { label: 'Does not answer', calls: [{ kind: 'no-answer' }], expect: 'no_answer' },
  voicemail: { label: 'Voicemail picks up', calls: [{ kind: 'machine', ringMs: RING_MS, greetingMs: 4_000 }], expect: 'voicemail' },
  wrong_number: { label: 'Wrong number', calls: [person({ turns: [says('Gabim numër, nuk jam unë.')] })], expect: 'invalid_phone' },
  asks_callback: {
    label: 'Asks to be called back at 18:00',
    calls: [person({ turns: [says('Jam në punë, më telefononi më vonë në 18:00.')] }), confirmsWhenCalled],
    expect: 'callback',
  },
  asks_change: {
    label: 'Confirms but asks for another address (needs review)',
    // Says yes, but to a changed order: a person must look before it ships.
    calls: [person({ turns: [says('Po, por ndryshojeni adresën në Rrugën e Durrësit 12.')] })],
    expect: 'needs_review',
  },
}
