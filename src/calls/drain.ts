import type { Db } from '../db/index.js'
import { orderStoreWrites, type StoreWrite } from '../stores/outbox.js'
import type { Logger } from '../utils/log.js'
import type { LiveStreams } from '../voice/liveStreams.js'
import { callsHeldBy, handBackCalls } from './outcomes.js'
import type { Scheduler } from './scheduler.js'

export interface DrainDeps {
  db: Db
  log: Logger
  /** The clock the outbox is scheduled by (a write waiting out a retry is not waited for). */
  now: () => number
  /** This worker, as the holder of its calls (WORKER_ID). */
  owner: string
  scheduler: Pick<Scheduler, 'drain' | 'stop'>
  liveStreams: LiveStreams
}

export interface DrainReport {
  tookMs: number
  /** Calls this worker held or bridged during the drain. */
  calls: number
  /** Of those, the ones that ended (or moved on to the worker their stream reached). */
  finished: number
  /** Conversations still on at the bound: ended here, as when the agent fails. */
  cut: number
  /** Calls still under way after that, handed to whichever worker passes next. */
  leftBehind: number
}

/** How often the drain looks whether its calls have ended. */
const POLL_MS = 200

/** A write the store writer is sending, or would send now: one the drain waits for. One waiting out a retry stays in the outbox for whoever passes next. */
const underWay = (write: StoreWrite, now: number) => write.status === 'sending' || (write.status === 'queued' && write.nextAttemptAt <= now)

/**
 * Lets this worker's calls end before the process does (SIGTERM): the scheduler claims nothing
 * more and takes over no other worker's calls but keeps this worker's leased, while callbacks,
 * media streams and the store writer go on (the caller keeps the HTTP server up). Resolves once
 * this worker holds no call being made, no media stream is open here or still writing its end,
 * and the outcomes of its calls have been sent to their stores — or at `boundMs`. Then the
 * scheduler is stopped; conversations still on are ended (LiveStreams.cutAll: the agent goes as
 * when it fails, and hangs up); and the calls still under way are handed back at once rather than
 * left to their leases, for the next worker to pass to settle against Twilio (recovery.ts).
 *
 * @example
 * const report = await drainCalls({ db, log, now, owner: config.calls.workerId, scheduler, liveStreams }, config.drainMs)
 */
export async function drainCalls(deps: DrainDeps, boundMs: number): Promise<DrainReport> {
  const started = performance.now()
  deps.scheduler.drain()
  const calls = new Set((await callsHeldBy(deps.db, deps.owner)).map((o) => o.id))
  deps.log.info('draining: finishing the calls under way, taking no new ones', {
    calls: calls.size,
    streams: deps.liveStreams.count,
    boundSeconds: boundMs / 1000,
  })
  while (performance.now() - started < boundMs) {
    // A stream let in during the drain brings its call here (the lease follows the stream).
    const held = await callsHeldBy(deps.db, deps.owner)
    for (const { id } of held) calls.add(id)
    if (!held.length && !deps.liveStreams.count && !(await outcomesUnsent(deps, calls))) break
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  await deps.scheduler.stop()
  const cut = deps.liveStreams.count
  await deps.liveStreams.cutAll("the service stopped: the drain's bound (DRAIN_SECONDS) passed")
  const handedBack = await handBackCalls(deps.db, deps.owner, deps.now())
  for (const id of handedBack) calls.add(id)
  const leftBehind = handedBack.length
  const report = { tookMs: Math.round(performance.now() - started), calls: calls.size, finished: calls.size - leftBehind, cut, leftBehind }
  if (cut || leftBehind) deps.log.warn('drained at the bound: calls cut or left to the next worker', report)
  else deps.log.info('drained', report)
  return report
}

/** Some write about one of these orders is being sent, or is due. */
async function outcomesUnsent(deps: DrainDeps, orderIds: Set<number>): Promise<boolean> {
  const now = deps.now()
  for (const id of orderIds) if ((await orderStoreWrites(deps.db, id)).some((w) => underWay(w, now))) return true
  return false
}
