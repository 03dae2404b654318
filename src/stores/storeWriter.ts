import { and, desc, eq, isNotNull } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, orders } from '../db/schema.js'
import { readEvidence } from '../domain/evidence.js'
import type { StoreSettings } from '../domain/settings.js'
import { nextWriteAttempt, planWriteBack, type WriteBackFacts, type WriteBackPlan, type WriteKind } from '../domain/writeBack.js'
import { noteWords } from '../i18n/index.js'
import type { Metrics } from '../metrics.js'
import { noteLine, noteOfWrite, notePlan, writeBeforeNote } from '../orders/orderNotes.js'
import type { Logger } from '../utils/log.js'
import { createPassLoop, type PassLoop } from '../utils/passLoop.js'
import type { StoreAccess } from './access.js'
import {
  claimStoreWrite,
  dueStoreWrites,
  finishStoreWrite,
  releaseStoreWrites,
  renewStoreWriteLeases,
  type StoreWrite,
  type WriteResult,
} from './outbox.js'
import { platformOf } from './platforms.js'
import { findStore, type Store, type StoreDefaults } from './records.js'
import type { ShopifyAdmin } from './shopify/adminApi.js'
import type { StoreNetwork } from './storeAddress.js'
import { firstLine, WriteBackError } from './writeBackError.js'

export interface StoreWriterDeps {
  db: Db
  access: StoreAccess
  log: Logger
  now: () => number
  storeDefaults: StoreDefaults
  shopify: ShopifyAdmin
  storeNetwork: StoreNetwork
  metrics: Metrics
  /** This process, as lease owner (WORKER_ID). */
  owner: string
}

export type StoreWriter = Pick<PassLoop, 'start' | 'wake' | 'tick' | 'stop'>

/** How long a write being sent stays this worker's without a pass renewing it. */
const LEASE_MS = 60_000
/** How often to look for due writes when nothing wakes the writer. */
const POLL_MS = 1_000
/** Stores written to at once; each store gets one write at a time, within its own rate limit. */
const MAX_STORES_AT_ONCE = 8
/** The longest a store that keeps failing rests between probes. */
const STORE_REST_MAX_MS = 15 * 60_000

/**
 * The plan with every other call tag of the store taken off: a person may reopen an order
 * (call again) or mark it, so the store's order can carry an earlier outcome's tag, which must
 * not stay beside the new one (`call-needs-review` and `call-confirmed` at once). Tags the order
 * does not carry are skipped by the platform, so a first outcome's write is unchanged.
 */
export function replacingOtherCallTags(plan: WriteBackPlan, settings: Pick<StoreSettings, 'tags'>): WriteBackPlan {
  const keep = new Set(plan.addTags)
  const others = Object.values(settings.tags).filter((t) => !keep.has(t) && !plan.removeTags.includes(t))
  return { ...plan, removeTags: [...plan.removeTags, ...others] }
}

/** Seconds the customer spent on the line in the order's last conversation, if there was one. */
async function callSeconds(db: Db, orderId: number): Promise<number | null> {
  const call = await db
    .select({ seconds: callAttempts.durationSeconds })
    .from(callAttempts)
    .where(and(eq(callAttempts.orderId, orderId), isNotNull(callAttempts.endReason)))
    .orderBy(desc(callAttempts.number))
    .get()
  return call?.seconds ?? null
}

/**
 * Delivers the outbox: each due write is claimed (leased to this worker), turned into a plan from
 * the order as stored, and sent to the store's platform. One write at a time per store, in the
 * order decided; writes to different stores go out side by side. A delivery that fails is retried
 * with growing waits (a store asking us to slow down is simply waited for), and after about a day,
 * or at once when the store will never accept it, marked failed with the reason.
 */
export function createStoreWriter(deps: StoreWriterDeps): StoreWriter {
  const sending = new Map<string, Promise<void>>()
  // A store that is down or asked us to slow down is left alone for a while, all its writes
  // together: probing it once per write would hammer it (and us) with requests bound to fail.
  const resting = new Map<string, { until: number; failures: number }>()
  let firstPass = true

  async function pass(): Promise<void> {
    const now = deps.now()
    await renewStoreWriteLeases(deps.db, deps.owner, now + LEASE_MS)
    // After a restart, writes this worker was sending are unfinished too.
    await releaseStoreWrites(deps.db, deps.owner, now, firstPass)
    firstPass = false
    if (sending.size >= MAX_STORES_AT_ONCE) return
    const skip = [...sending.keys(), ...[...resting].filter(([, r]) => r.until > now).map(([id]) => id)]
    for (const write of await dueStoreWrites(deps.db, now, MAX_STORES_AT_ONCE * 4, skip)) {
      if (loop.stopped || sending.size >= MAX_STORES_AT_ONCE) return
      if (sending.has(write.storeId) || !(await claimStoreWrite(deps.db, write.id, deps.owner, now, LEASE_MS))) continue
      const delivery = deliver(write).finally(() => {
        sending.delete(write.storeId)
        loop.wake()
      })
      sending.set(write.storeId, delivery)
    }
  }

  async function deliver(write: StoreWrite): Promise<void> {
    // Read once, for the write and for the failure metric; a read that fails fails the attempt.
    const store = findStore(deps.db, write.storeId, deps.storeDefaults)
    const result = await attempt(write, store).catch((error): WriteResult => toResult(write, error))
    await finishStoreWrite(deps.db, write, result, deps.now())
    restAfter(write.storeId, result)
    if (result.status !== 'done')
      deps.metrics.storeWriteFailed((await store.catch(() => undefined))?.platform ?? 'unknown', result.status === 'failed')
    const fields = { storeId: write.storeId, orderId: write.orderId, kind: write.kind }
    if (result.status === 'done') deps.log.info('store write delivered', fields)
    else if (result.status === 'failed') deps.log.warn('store write failed for good', { ...fields, error: result.error })
    else deps.log.info('store write will be retried', { ...fields, error: result.error, at: new Date(result.at).toISOString() })
  }

  async function attempt(write: StoreWrite, found: Promise<Store | undefined>): Promise<WriteResult> {
    const store = await found
    const order = await deps.db.select().from(orders).where(eq(orders.id, write.orderId)).get()
    if (!order || !store) return { status: 'failed', error: 'The order or its store is no longer in callconfirm.' }
    // Writing about a customer is what their redaction asked us to stop: a `call-pending` tag stays as it is.
    if (order.redactedAt !== null) return { status: 'failed', error: "Not sent: the customer's data was erased at their request." }
    const credentials = await deps.access(store)
    if (!credentials) return { status: 'failed', error: "The store's credentials were erased (the app was uninstalled)." }
    const planOf = async (w: StoreWrite & { kind: WriteKind }) => {
      const facts: WriteBackFacts = {
        kind: w.kind,
        outcome: order.outcome,
        evidence: readEvidence(order.evidence),
        skipReason: order.skipReason,
        callSeconds: await callSeconds(deps.db, order.id),
        decidedAt: w.createdAt,
      }
      return replacingOtherCallTags(planWriteBack(facts, store.settings, noteWords(store.settings.language)), store.settings)
    }
    let plan: WriteBackPlan
    if (write.kind === 'note') {
      // A note leaves the order as our last other write left it, plus its line.
      const note = await noteOfWrite(deps.db, write)
      const shown = await writeBeforeNote(deps.db, write)
      if (!note || !shown || shown.kind === 'note')
        return { status: 'failed', error: 'The note is no longer in callconfirm (erased with the customer’s data).' }
      plan = notePlan(await planOf({ ...shown, kind: shown.kind }), noteLine(note, write.createdAt, store.settings.timezone))
    } else plan = await planOf({ ...write, kind: write.kind })
    await platformOf(store).writeOrder({ clients: deps, store, credentials }, order.platformOrderId, plan)
    return { status: 'done' }
  }

  /** A store that failed to take a write rests: as long as it asked, or longer after each failure in a row. */
  function restAfter(storeId: string, result: WriteResult) {
    if (result.status !== 'retry') return void resting.delete(storeId)
    const failures = (resting.get(storeId)?.failures ?? 0) + (result.countsAsTry ? 1 : 0)
    const wait = result.countsAsTry ? Math.min(STORE_REST_MAX_MS, nextWriteAttempt(failures, 0) ?? STORE_REST_MAX_MS) : result.at - deps.now()
    resting.set(storeId, { until: deps.now() + wait, failures })
  }

  function toResult(write: StoreWrite, error: unknown): WriteResult {
    const now = deps.now()
    if (!(error instanceof WriteBackError)) deps.log.error('store write broke unexpectedly', { orderId: write.orderId, error })
    const failure = error instanceof WriteBackError ? error : new WriteBackError('transient', firstLine(error))
    if (failure.kind === 'permanent') return { status: 'failed', error: failure.message }
    if (failure.kind === 'slow_down') return { status: 'retry', at: now + failure.retryAfterMs, countsAsTry: false, error: failure.message }
    const at = nextWriteAttempt(write.tries + 1, now)
    return at === undefined
      ? { status: 'failed', error: `Gave up after ${write.tries + 1} tries: ${failure.message}` }
      : { status: 'retry', at, countsAsTry: true, error: failure.message }
  }

  const loop = createPassLoop({ name: 'store writer', pollMs: POLL_MS, log: deps.log, pass, inFlight: () => sending.values() })
  return loop
}
