import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm'
import { orders, stores } from '../db/schema.js'
import { type MessageDeps, sendDueMessages } from '../messages/sendMessages.js'
import { findStore } from '../stores/records.js'
import { createPassLoop } from '../utils/passLoop.js'
import { diallingHeld } from './accountHold.js'
import { dialOrder } from './dialer.js'
import { requeueOrder } from './outcomes.js'
import { checkQuietCalls, type RecoveryDeps, recoverOrphans } from './recovery.js'

export interface SchedulerDeps extends RecoveryDeps, Omit<MessageDeps, 'config'> {
  config: RecoveryDeps['config'] & MessageDeps['config']
  /** Calls in flight at once across all stores (each store also has its own limit). */
  maxConcurrent: number
  /** Twilio's rate for the account: calls.create requests per second. */
  perSecond: number
}

export interface Scheduler {
  start(): void
  /** Look for due calls now: an order was just queued. */
  wake(): void
  /** One pass: renew leases, recover orphans, claim and dial what is due. */
  tick(): Promise<void>
  /** Stops looking; waits for dials already under way. */
  stop(): Promise<void>
  /**
   * From now on a pass only renews this worker's leases: it claims no call and takes over no
   * other worker's, while the calls it holds run to their end (the drain on SIGTERM).
   */
  drain(): void
}

/** How often to look for due calls when nothing wakes the scheduler. */
const POLL_MS = 1_000

/**
 * The durable call scheduler. Jobs are orders in `queued` whose `next_call_at` has come. A
 * pass claims them one by one with a conditional update (`queued` → `calling`, leased to this
 * worker): two workers, or two passes, can never both claim one order. Leases (config.calls.leaseMs)
 * are renewed every second while a call lives; a worker that dies lets them lapse and another
 * recovers its calls.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { leaseMs } = deps.config.calls
  const dials = new Set<Promise<void>>()
  let firstPass = true
  let draining = false
  let nextDialAt = 0

  let renewedAt = Number.NEGATIVE_INFINITY

  /** This worker's calls stay its own for another lease. */
  async function renewLeases(now: number): Promise<void> {
    renewedAt = now
    await deps.db
      .update(orders)
      .set({ leaseExpiresAt: now + leaseMs })
      .where(and(eq(orders.status, 'calling'), eq(orders.leaseOwner, deps.owner)))
      .run()
  }

  async function pass(): Promise<void> {
    const now = deps.now()
    await renewLeases(now)
    // Calls whose last callback never came are asked about, draining or not (a drain waits for them).
    await checkQuietCalls(deps)
    // Draining, the calls this worker holds stay leased, and nothing more is taken on.
    if (draining) return
    // On the first pass, calls this worker held before a restart are orphans too.
    await recoverOrphans(deps, { includeOwn: firstPass })
    firstPass = false
    // The messages to customers the calls did not reach (src/messages/), queued when their calls ended.
    await sendDueMessages(deps).catch((error) => deps.log.error('sending messages failed', { error }))
    for (const orderId of await claimDue(now)) {
      if (loop.stopped) return
      // Twilio queues requests beyond the account's calls per second; pace them instead.
      const wait = nextDialAt - deps.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      nextDialAt = Math.max(deps.now(), nextDialAt) + 1000 / deps.perSecond
      const dial = dialOrder(deps, orderId).catch(async (error) => {
        // Something unforeseen (a store's credentials that no longer decrypt, say): try again later.
        deps.log.error('dialling failed; trying again in a minute', { orderId, error })
        await requeueOrder(deps.db, orderId, deps.now() + 60_000, deps.now()).catch(() => undefined)
      })
      dials.add(dial)
      void dial.finally(() => dials.delete(dial))
    }
  }

  async function claimDue(now: number): Promise<number[]> {
    // Twilio refuses the account: nothing is claimed, by any worker, until the hold lifts (accountHold.ts).
    if (await diallingHeld(deps, now)) return []
    const calling = await deps.db
      .select({ storeId: orders.storeId, n: sql<number>`count(*)` })
      .from(orders)
      .where(eq(orders.status, 'calling'))
      .groupBy(orders.storeId)
      .all()
    const perStore = new Map(calling.map((r) => [r.storeId, r.n]))
    let capacity = deps.maxConcurrent - calling.reduce((sum, r) => sum + r.n, 0)
    if (capacity <= 0) return []
    // Round-robin across stores: each store with room offers its oldest due orders, and they are
    // taken one store at a time, so one store's backlog at its limit never holds another's back.
    const candidates = await dueByStore(now, perStore, capacity)
    const claimed: number[] = []
    for (const job of candidates) {
      if (capacity <= 0) break
      const won = await deps.db
        .update(orders)
        .set({ status: 'calling', waitReason: null, leaseOwner: deps.owner, leaseExpiresAt: now + leaseMs, updatedAt: now })
        .where(and(eq(orders.id, job.id), eq(orders.status, 'queued')))
        .returning({ id: orders.id })
        .all()
      if (won.length !== 1) continue // another worker was quicker
      claimed.push(job.id)
      capacity--
    }
    return claimed
  }

  /** Due orders, at most `capacity` from each store and no more than its room, interleaved store by store (oldest store first). */
  async function dueByStore(now: number, perStore: Map<string, number>, capacity: number): Promise<Array<{ id: number; storeId: string }>> {
    const due = and(eq(orders.status, 'queued'), lte(orders.nextCallAt, now))
    const waiting = await deps.db
      .select({ storeId: orders.storeId })
      .from(orders)
      .innerJoin(stores, eq(stores.id, orders.storeId))
      // A store awaiting the operator's approval places no calls: its orders stay queued.
      .where(and(due, eq(stores.enabled, true), isNotNull(stores.approvedAt)))
      .groupBy(orders.storeId)
      .orderBy(sql`min(${orders.nextCallAt})`)
      .all()
    const offers: Array<Array<{ id: number; storeId: string }>> = []
    for (const { storeId } of waiting) {
      if (offers.length >= capacity) break // enough stores to fill every free line
      const limit = (await findStore(deps.db, storeId, deps.storeDefaults))?.settings.maxConcurrentCalls ?? 0
      const room = Math.min(limit - (perStore.get(storeId) ?? 0), capacity)
      if (room <= 0) continue
      offers.push(
        await deps.db
          .select({ id: orders.id, storeId: orders.storeId })
          .from(orders)
          .where(and(due, eq(orders.storeId, storeId)))
          .orderBy(asc(orders.nextCallAt), asc(orders.id))
          .limit(room)
          .all(),
      )
    }
    const longest = Math.max(0, ...offers.map((o) => o.length))
    return Array.from({ length: longest }, (_, rank) => offers.flatMap((o) => (o[rank] ? [o[rank]] : []))).flat()
  }

  const loop = createPassLoop({ name: 'scheduler', pollMs: POLL_MS, log: deps.log, pass, inFlight: () => dials })
  let heartbeat: ReturnType<typeof setInterval> | undefined
  return {
    start() {
      loop.start()
      // A heartbeat besides the passes: one can outlast a lease (dials paced to Twilio's rate, a slow
      // Twilio answering recovery), and the calls held here must not look orphaned meanwhile. It
      // writes only when no pass has renewed them for a third of a lease (each write is an fsync).
      heartbeat = setInterval(() => {
        const now = deps.now()
        if (now - renewedAt >= leaseMs / 3) void renewLeases(now).catch((error) => deps.log.error('renewing leases failed', { error }))
      }, POLL_MS)
    },
    wake: loop.wake,
    tick: loop.tick,
    async stop() {
      clearInterval(heartbeat)
      await loop.stop()
    },
    drain() {
      draining = true
    },
  }
}
