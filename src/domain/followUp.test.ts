import { describe, expect, it } from 'vitest'
import { messagesDue, nextChannel } from './followUp.js'
import { defaultSettings } from './settings.js'

const messaging = (change: Partial<ReturnType<typeof defaultSettings>['messaging']> = {}) => ({
  ...defaultSettings({ country: 'AL', companyName: 'Dyqani', voice: 'marin' }).messaging,
  whatsappContentSid: `HX${'a'.repeat(32)}`,
  ...change,
})

describe('writing to a customer the calls did not reach', () => {
  it('by default writes once the ladder ran out unanswered, not after a call that was answered', () => {
    expect(messagesDue(messaging(), { kind: 'close', outcome: 'no_answer', ladderRanOut: true })).toBe(true)
    expect(messagesDue(messaging(), { kind: 'close', outcome: 'voicemail', ladderRanOut: true })).toBe(true)
    expect(messagesDue(messaging(), { kind: 'requeue', calls: 1 })).toBe(false)
    expect(messagesDue(messaging(), { kind: 'close', outcome: 'needs_review', ladderRanOut: true })).toBe(false)
    expect(messagesDue(messaging(), { kind: 'close', outcome: 'invalid_phone', ladderRanOut: false })).toBe(false)
  })

  it('with `after: first_call` writes after the first unanswered call, once', () => {
    expect(messagesDue(messaging({ after: 'first_call' }), { kind: 'requeue', calls: 1 })).toBe(true)
    expect(messagesDue(messaging({ after: 'first_call' }), { kind: 'requeue', calls: 2 })).toBe(false)
  })

  it('with no channels never writes', () => {
    expect(messagesDue(messaging({ channels: [] }), { kind: 'close', outcome: 'no_answer', ladderRanOut: true })).toBe(false)
  })

  it('asks on WhatsApp first, then by SMS; without an approved template, by SMS alone', () => {
    expect(nextChannel(messaging())).toBe('whatsapp')
    expect(nextChannel(messaging(), 'whatsapp')).toBe('sms')
    expect(nextChannel(messaging(), 'sms')).toBeUndefined()
    expect(nextChannel(messaging({ whatsappContentSid: null }))).toBe('sms')
    expect(nextChannel(messaging({ channels: ['sms', 'whatsapp'] }), 'sms')).toBe('whatsapp')
  })
})
