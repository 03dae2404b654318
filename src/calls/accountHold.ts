import { and, eq, inArray, isNotNull, isNull, lte, ne, or } from 'drizzle-orm'
import { type Db, perDb } from '../db/index.js'
import { orders, serviceHolds, stores } from '../db/schema.js'
import {
  type AccountProblem,
  accountProblemOf,
  accountProblemWords,
  decideProbe,
  isProbed,
  nextProbeAt,
  type ProbeVerdict,
  replacesHold,
} from '../domain/twilioAccount.js'
import type { Logger } from '../utils/log.js'
import { accountFacts, type TwilioAccount, type TwilioClient } from './twilio.js'

/**
 * Twilio refusing the account holds back every call, for every worker on the database: a row in
 * `service_holds` (kind `twilio_account`) while it lasts. The dialer places it when a refusal is
 * about the account; the scheduler claims nothing while it is there and, when its probe is due,
 * one worker asks Twilio (without calling anyone) whether the problem has gone, and lifts it.
 */

export interface AccountHoldDeps {
  db: Db
  log: Logger
  now: () => number
  twilio: { client: TwilioClient; account: TwilioAccount }
}

/** The hold as the dashboard and /healthz show it. */
export interface AccountHold {
  problem: AccountProblem
  /** Twilio's error code. */
  code: number
  /** What is wrong and what to do, for the operator (domain/twilioAccount.ts accountProblemWords). */
  words: string
  since: number
  /** When a probe last looked (the hold's own start, before the first). */
  checkedAt: number
  /** Probes that found the problem still there. */
  probes: number
  nextProbeAt: number
}

const KIND = 'twilio_account'
const ours = eq(serviceHolds.kind, KIND)

/**
 * The hold on dialling, if Twilio refuses the account now. Synchronous, so the dialer can ask it
 * inside the transaction that records an attempt.
 */
export function currentHold(db: Db): AccountHold | undefined {
  const row = db.select().from(serviceHolds).where(ours).get()
  if (!row) return undefined
  // Every hold is placed for a code the domain names; one it does not (a probe's odd 4xx) is the credentials'.
  const code = row.code ?? 20003
  return {
    problem: accountProblemOf(code) ?? 'credentials',
    code,
    words: row.problem,
    since: row.since,
    checkedAt: row.updatedAt,
    probes: row.probes,
    nextProbeAt: row.nextProbeAt,
  }
}

/**
 * Holds back every call for `refused`, unless a hold is already on (the first problem found
 * stays, with its probes, unless it was only the rate: replacesHold). True when this placed it.
 */
export function holdDialling(deps: AccountHoldDeps, refused: { problem: AccountProblem; code: number }, now: number): boolean {
  const { db } = deps
  const words = accountProblemWords(refused.problem, refused.code, deps.twilio.account.fromNumber)
  return db.transaction(
    () => {
      const held = currentHold(db)
      if (held && !replacesHold(held.problem, refused.problem)) return false
      const hold = { code: refused.code, problem: words, nextProbeAt: nextProbeAt(refused.problem, 0, now), probes: 0, updatedAt: now }
      db.insert(serviceHolds)
        .values({ kind: KIND, since: now, ...hold })
        .onConflictDoUpdate({ target: serviceHolds.kind, set: hold })
        .run()
      return true
    },
    { behavior: 'immediate' },
  )
}

/** Whether this process has looked for a hold yet, per database: a worker's first look probes at once. */
const looked = perDb(() => ({ yet: false }))

/**
 * Whether dialling is held back now. When the hold's probe is due (or this process has just
 * started: the operator may have restarted it with the account put right), this worker claims
 * the probe — a conditional update moving `next_probe_at` on, so two workers never both ask —
 * and asks Twilio; a probe that finds the account right lifts the hold, and dialling resumes at
 * once. While held, the orders due are marked as waiting for it.
 */
export async function diallingHeld(deps: AccountHoldDeps, now: number): Promise<boolean> {
  const first = !looked(deps.db).yet
  looked(deps.db).yet = true
  const held = currentHold(deps.db)
  if (!held) return false
  const probing = (first || held.nextProbeAt <= now) && claimProbe(deps.db, held, now)
  if (probing && (await probe(deps, held))) return false
  markWaiting(deps.db, now)
  return true
}

/** Moves the hold's next probe on, as if this one finds the problem still there; false when another worker did first. */
function claimProbe(db: Db, held: AccountHold, now: number): boolean {
  return (
    db
      .update(serviceHolds)
      .set({ nextProbeAt: nextProbeAt(held.problem, held.probes + 1, now) })
      .where(and(ours, eq(serviceHolds.since, held.since), eq(serviceHolds.nextProbeAt, held.nextProbeAt)))
      .returning({ kind: serviceHolds.kind })
      .all().length === 1
  )
}

/** Asks Twilio about the account (a rate limit is waited out, not asked about) and lifts or keeps the hold; true when lifted. */
async function probe(deps: AccountHoldDeps, held: AccountHold): Promise<boolean> {
  const verdict: ProbeVerdict = isProbed(held.problem)
    ? decideProbe(held, await accountFacts(deps.twilio.client, deps.twilio.account))
    : { action: 'lift' }
  const now = deps.now()
  const same = and(ours, eq(serviceHolds.since, held.since))
  if (verdict.action === 'lift') {
    // The orders that waited for it wait no more: those the scheduler cannot take at once (a store at its limit) say nothing.
    deps.db.transaction(() => {
      deps.db.delete(serviceHolds).where(same).run()
      deps.db
        .update(orders)
        .set({ waitReason: null })
        .where(and(eq(orders.status, 'queued'), eq(orders.waitReason, KIND)))
        .run()
    })
    deps.log.info('Twilio accepts the account again; dialling resumes', {
      problem: held.problem,
      code: held.code,
      heldSeconds: Math.round((now - held.since) / 1000),
    })
    return true
  }
  const { problem, code } = verdict
  deps.db
    .update(serviceHolds)
    .set({ code, problem: accountProblemWords(problem, code, deps.twilio.account.fromNumber), probes: held.probes + 1, updatedAt: now })
    .where(same)
    .run()
  deps.log.warn('Twilio still refuses the account; dialling stays paused', { problem, code, probes: held.probes + 1 })
  return false
}

/**
 * Marks the orders that would be dialled now but for the hold as waiting for it (`wait_reason`
 * `twilio_account`), so the dashboard and the API say why they wait; claiming one clears it.
 * Only orders the scheduler would take: queued, due, of an enabled and approved store.
 */
function markWaiting(db: Db, now: number): void {
  const dialling = db
    .select({ id: stores.id })
    .from(stores)
    .where(and(eq(stores.enabled, true), isNotNull(stores.approvedAt)))
  db.update(orders)
    .set({ waitReason: KIND })
    .where(
      and(
        eq(orders.status, 'queued'),
        lte(orders.nextCallAt, now),
        or(isNull(orders.waitReason), ne(orders.waitReason, KIND)),
        inArray(orders.storeId, dialling),
      ),
    )
    .run()
}

/**
 * What `GET /healthz` says is wrong, to anyone who asks: the kind of hold, Twilio's code, the
 * problem's name and since when — never the words for the operator, which name the account's
 * settings and number (SECURITY.md).
 */
export function serviceProblems(db: Db): Array<{ kind: typeof KIND; code: number; problem: AccountProblem; since: string }> {
  const held = currentHold(db)
  return held ? [{ kind: KIND, code: held.code, problem: held.problem, since: new Date(held.since).toISOString() }] : []
}
