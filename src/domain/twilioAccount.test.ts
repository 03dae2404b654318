import { describe, expect, it } from 'vitest'
import { type AccountFacts, accountProblemOf, accountProblemWords, decideProbe, nextProbeAt, replacesHold } from './twilioAccount.js'

const now = Date.parse('2026-11-21T12:00:00Z')
const MIN = 60_000
const FROM = '+35542000111'
const fine: AccountFacts = { answer: 'account', status: 'active', type: 'Full', fromNumberOnAccount: true }

describe("Twilio's codes about the account", () => {
  it.each([
    [20003, 'credentials'],
    [20005, 'inactive'],
    [10001, 'inactive'],
    [21210, 'from_number'],
    [21212, 'from_number'],
    [21219, 'trial'],
    [20429, 'rate'],
  ])('%i is about the account: %s', (code, problem) => {
    expect(accountProblemOf(code)).toBe(problem)
  })

  it.each([[21211], [21215], [21205], [13999], [undefined], [null]])('%s concerns one call, not the account', (code) => {
    expect(accountProblemOf(code)).toBeUndefined()
  })

  it('tell the operator what to do, naming the setting and the From number only masked', () => {
    expect(accountProblemWords('credentials', 20003, FROM)).toBe(
      "Twilio refused the account's credentials (20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (a new token takes a restart).",
    )
    const from = accountProblemWords('from_number', 21210, FROM)
    expect(from).toContain('TWILIO_FROM_NUMBER (+355…11) is not a number of this Twilio account or a verified caller ID (21210)')
    expect(from).not.toContain(FROM)
    expect(accountProblemWords('inactive', 20005, FROM)).toContain('suspended or inactive (20005)')
    expect(accountProblemWords('trial', 21219, FROM)).toContain('can call only verified numbers (21219): upgrade the account')
  })
})

describe('the probe of a held account', () => {
  it('comes after 1, 2, 4, 8 minutes, then every 15', () => {
    expect([0, 1, 2, 3, 4, 9].map((probes) => (nextProbeAt('credentials', probes, now) - now) / MIN)).toEqual([1, 2, 4, 8, 15, 15])
  })

  it('is not asked for a rate limit, which is waited out for 15 seconds', () => {
    expect(nextProbeAt('rate', 0, now) - now).toBe(15_000)
    expect(nextProbeAt('rate', 7, now) - now).toBe(15_000)
  })

  it.each<[string, { problem: Parameters<typeof decideProbe>[0]['problem']; code: number }, AccountFacts, ReturnType<typeof decideProbe>]>([
    ['credentials accepted again lift the hold', { problem: 'credentials', code: 20003 }, fine, { action: 'lift' }],
    [
      'credentials still refused keep it',
      { problem: 'credentials', code: 20003 },
      { answer: 'refused', code: 20003 },
      { action: 'keep', problem: 'credentials', code: 20003 },
    ],
    [
      'an account still suspended keeps it, with the code it was held for',
      { problem: 'inactive', code: 10001 },
      { ...fine, status: 'suspended' },
      { action: 'keep', problem: 'inactive', code: 10001 },
    ],
    [
      'a From still not the account’s keeps it',
      { problem: 'from_number', code: 21212 },
      { ...fine, fromNumberOnAccount: false },
      { action: 'keep', problem: 'from_number', code: 21212 },
    ],
    ['a From now on the account lifts it', { problem: 'from_number', code: 21210 }, fine, { action: 'lift' }],
    [
      'a trial account still a trial keeps a trial hold',
      { problem: 'trial', code: 21219 },
      { ...fine, type: 'Trial' },
      { action: 'keep', problem: 'trial', code: 21219 },
    ],
    ['an upgraded account lifts it', { problem: 'trial', code: 21219 }, fine, { action: 'lift' }],
    [
      'a trial account is no problem for a hold about something else',
      { problem: 'credentials', code: 20003 },
      { ...fine, type: 'Trial' },
      { action: 'lift' },
    ],
    [
      'a new problem found on the way is named with its own code',
      { problem: 'credentials', code: 20003 },
      { ...fine, fromNumberOnAccount: false },
      { action: 'keep', problem: 'from_number', code: 21210 },
    ],
    [
      'reading the account refused as inactive says so',
      { problem: 'credentials', code: 20003 },
      { answer: 'refused', code: 20005 },
      { action: 'keep', problem: 'inactive', code: 20005 },
    ],
    [
      'no answer from Twilio leaves the hold as it was',
      { problem: 'from_number', code: 21210 },
      { answer: 'none', error: 'timeout' },
      { action: 'keep', problem: 'from_number', code: 21210 },
    ],
    [
      'a probe refused for the rate learnt nothing',
      { problem: 'inactive', code: 20005 },
      { answer: 'refused', code: 20429 },
      { action: 'keep', problem: 'inactive', code: 20005 },
    ],
  ])('%s', (_, held, facts, verdict) => {
    expect(decideProbe(held, facts)).toEqual(verdict)
  })
})

describe('a refusal while a hold is on', () => {
  it('replaces a rate pause with a problem of the account, and nothing else', () => {
    expect(replacesHold('rate', 'credentials')).toBe(true)
    expect(replacesHold('rate', 'rate')).toBe(false)
    expect(replacesHold('credentials', 'from_number')).toBe(false)
    expect(replacesHold('trial', 'rate')).toBe(false)
  })
})
