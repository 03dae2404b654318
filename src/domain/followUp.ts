import type { Outcome } from './order.js'
import type { StoreSettings } from './settings.js'

/**
 * When the calls did not reach the customer, whether to write to them, and on which channel:
 * decided without I/O from the store's `messaging` settings (src/messages/ sends).
 */
export type MessageChannel = 'whatsapp' | 'sms'

type Messaging = StoreSettings['messaging']

/** How the call that just ended left its order: queued for the next rung, or closed. */
export type CallEnd = { kind: 'requeue'; calls: number } | { kind: 'close'; outcome: Outcome; ladderRanOut: boolean }

/**
 * Whether the question goes out now: once the ladder ran out unanswered (`no_answer`,
 * `voicemail`), and with `after: 'first_call'` already once the first call went unanswered.
 *
 * @example
 * messagesDue({ ...messaging, after: 'last_call' }, { kind: 'close', outcome: 'no_answer', ladderRanOut: true }) // → true
 * messagesDue({ ...messaging, after: 'last_call' }, { kind: 'requeue', calls: 1 })                            // → false
 */
export function messagesDue(messaging: Messaging, end: CallEnd): boolean {
  if (!messaging.channels.length) return false
  if (end.kind === 'requeue') return messaging.after === 'first_call' && end.calls === 1
  return end.ladderRanOut && (end.outcome === 'no_answer' || end.outcome === 'voicemail')
}

/** A channel we can write on: WhatsApp only with an approved template to open the conversation. */
const usable = (messaging: Messaging, channel: MessageChannel) => channel === 'sms' || messaging.whatsappContentSid !== null

/**
 * The channel to ask on first, or after `tried` could not deliver; undefined when none is left.
 *
 * @example
 * nextChannel({ channels: ['whatsapp', 'sms'], whatsappContentSid: 'HX…', … })            // → 'whatsapp'
 * nextChannel({ channels: ['whatsapp', 'sms'], whatsappContentSid: 'HX…', … }, 'whatsapp') // → 'sms'
 */
export function nextChannel(messaging: Messaging, tried?: MessageChannel): MessageChannel | undefined {
  const after = tried === undefined ? 0 : messaging.channels.indexOf(tried) + 1
  return messaging.channels.slice(after).find((c) => usable(messaging, c))
}
