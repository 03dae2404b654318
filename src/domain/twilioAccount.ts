/**
 * Twilio refusing the account rather than one call: which of its error codes mean which problem,
 * what the operator is told to do about it, how often a held service asks Twilio whether the
 * problem has gone (the probe), and what the probe's answer means. Pure: calls/accountHold.ts
 * keeps the hold in the database and asks Twilio; calls/twilio.ts speaks to Twilio.
 */
import { maskPhone } from './phone.js'

/**
 * What is wrong with the account: its credentials (SID and token), an account that is not active
 * (suspended, closed, out of funds), a `From` number that is neither the account's nor a verified
 * caller ID, a trial account calling a number it has not verified, or Twilio limiting the
 * account's request rate. Each holds back every call, whichever store it is for.
 */
export type AccountProblem = 'credentials' | 'inactive' | 'from_number' | 'trial' | 'rate'

/** Twilio's error codes for each problem, the first being the one a probe names when it finds it. */
const CODES: Record<AccountProblem, readonly [number, ...number[]]> = {
  credentials: [20003],
  // 20005 "Account not active" (Twilio's REST authentication), 10001 "Account is not active" (its debugger's name for the same).
  inactive: [20005, 10001],
  // 21210 "'From' phone number not verified", 21212 "Invalid 'From' Phone Number".
  from_number: [21210, 21212],
  // "'To' phone number not verified": a trial account calls only its verified caller IDs.
  trial: [21219],
  // "Too Many Requests": about how fast we ask, not about the account's standing.
  rate: [20429],
}

const PROBLEM_OF_CODE = new Map(Object.entries(CODES).flatMap(([problem, codes]) => codes.map((code) => [code, problem as AccountProblem])))

/**
 * The account problem a Twilio error code names, or undefined when the code concerns one call.
 *
 * @example
 * accountProblemOf(21210) // → 'from_number'
 * accountProblemOf(21211) // → undefined (an invalid `To`: that order's, not the account's)
 */
export const accountProblemOf = (code: number | null | undefined): AccountProblem | undefined =>
  code === null || code === undefined ? undefined : PROBLEM_OF_CODE.get(code)

/**
 * What the operator reads on the dashboard: what is wrong and what to do. The `From` number is
 * the service's own, shown masked like every number; nothing here is a secret.
 *
 * @example
 * accountProblemWords('credentials', 20003, '+35542000111')
 * // → "Twilio refused the account's credentials (20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (a new token takes a restart)."
 */
export function accountProblemWords(problem: AccountProblem, code: number, fromNumber: string): string {
  switch (problem) {
    case 'credentials':
      return `Twilio refused the account's credentials (${code}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (a new token takes a restart).`
    case 'inactive':
      return `The Twilio account is suspended or inactive (${code}): add funds or reactivate it in Twilio's console.`
    case 'from_number':
      return `TWILIO_FROM_NUMBER (${maskPhone(fromNumber)}) is not a number of this Twilio account or a verified caller ID (${code}): add it to the account or verify it, or set TWILIO_FROM_NUMBER to one that is.`
    case 'trial':
      return `The Twilio account is a trial account, which can call only verified numbers (${code}): upgrade the account.`
    case 'rate':
      return `Twilio is limiting the account's request rate (${code}): calls wait a few seconds; if it recurs, lower TWILIO_CALLS_PER_SECOND.`
  }
}

const MINUTE = 60_000
/** The first probe comes a minute after the hold; each that finds the problem still there doubles the wait, up to this. */
const LONGEST_PROBE_WAIT_MS = 15 * MINUTE
/** A rate limit passes by itself: dialling waits this long and resumes without asking. */
const RATE_PAUSE_MS = 15_000

/**
 * Whether a hold is lifted only when a probe finds the account right. A rate limit is not
 * probed: it is waited out (15 seconds) and lifted without asking, for asking Twilio anything
 * would only add to the rate it is refusing, and the account's standing says nothing about it.
 */
export const isProbed = (problem: AccountProblem): boolean => problem !== 'rate'

/**
 * When a hold's next probe is due, `probes` probes having found the problem still there: after 1,
 * 2, 4, 8, then every 15 minutes; a rate limit lifts after 15 seconds (isProbed).
 *
 * @example
 * nextProbeAt('from_number', 3, now) // → now + 8 minutes
 */
export function nextProbeAt(problem: AccountProblem, probes: number, now: number): number {
  if (!isProbed(problem)) return now + RATE_PAUSE_MS
  return now + Math.min(MINUTE * 2 ** probes, LONGEST_PROBE_WAIT_MS)
}

/**
 * Whether a refusal that arrives while a hold is on should take its place: a rate limit is
 * brief and lifts blind, so any problem with the account itself replaces it; otherwise the first
 * problem found stays, with its probes and its "since".
 */
export const replacesHold = (held: AccountProblem, incoming: AccountProblem): boolean => held === 'rate' && incoming !== 'rate'

/**
 * What a probe learnt from Twilio without calling anyone: nothing (no answer, a 5xx); a refusal
 * of the request itself (4xx: 401 with 20003 for credentials, or another code); or the account as
 * Twilio describes it (`status` active, suspended or closed; `type` Trial or Full) and whether
 * the `From` number is one of its numbers or verified caller IDs.
 */
export type AccountFacts =
  | { answer: 'none'; error: string }
  | { answer: 'refused'; code: number }
  | { answer: 'account'; status: string; type: string; fromNumberOnAccount: boolean }

export type ProbeVerdict =
  | { action: 'lift' }
  /** Still held, for `problem` with `code` (perhaps another problem than before: the probe says what it found now). */
  | { action: 'keep'; problem: AccountProblem; code: number }

/**
 * What a probe's facts mean for a hold on `held` (one that isProbed): lifted only when Twilio
 * accepts the credentials, the account is active, the `From` number is the account's, and — when
 * the hold was for a trial account's limits — the account is no longer a trial. A trial account
 * is not itself a problem otherwise (it may be calling verified numbers). With no answer the hold
 * stays as it was.
 *
 * @example
 * decideProbe({ problem: 'trial', code: 21219 }, { answer: 'account', status: 'active', type: 'Full', fromNumberOnAccount: true })
 * // → { action: 'lift' }
 */
export function decideProbe(held: { problem: AccountProblem; code: number }, facts: AccountFacts): ProbeVerdict {
  const keep = (problem: AccountProblem): ProbeVerdict => ({
    action: 'keep',
    problem,
    code: problem === held.problem ? held.code : CODES[problem][0],
  })
  switch (facts.answer) {
    case 'none':
      return { action: 'keep', ...held }
    case 'refused': {
      // Reading our own account was refused: the code says why (20005 inactive), else it is the
      // credentials. A probe refused for the rate learnt nothing about the account.
      const problem = accountProblemOf(facts.code) ?? 'credentials'
      return problem === 'rate' ? { action: 'keep', ...held } : { action: 'keep', problem, code: facts.code }
    }
    case 'account':
      if (facts.status !== 'active') return keep('inactive')
      if (!facts.fromNumberOnAccount) return keep('from_number')
      if (held.problem === 'trial' && facts.type === 'Trial') return keep('trial')
      return { action: 'lift' }
  }
}
