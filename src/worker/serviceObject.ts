import { DurableObject } from 'cloudflare:workers'
import type { Hono } from 'hono'
import { createApp } from '../app.js'
import type { LeaseHolder } from '../calls/outcomes.js'
import { ConfigError } from '../config.js'
import { assembleService, type ServiceParts } from '../serviceParts.js'
import { createLogger } from '../utils/log.js'
import { type CallContext, loadCallContext } from '../voice/callFacts.js'
import { type CallLedger, localCallLedger } from '../voice/callLedger.js'
import { workerConfig } from './config.js'
import { openDurableDatabase } from './durableDatabase.js'
import { callObjectOf, type Env } from './objects.js'
import { openWorkerRealtimeSocket } from './realtimeSocket.js'
import { createWorkerStoreNetwork } from './storeNetwork.js'
import { nextWakeAt } from './wakeUp.js'

interface Running {
  app: Hono
  parts: ServiceParts
}

/** Twilio callbacks name the worker that placed a call (leases); this object is that worker, across its restarts. */
const WORKER_ID = 'durable-object'

/**
 * How often the alarm is set again while the object is in memory, rather than after every request
 * (its four queries would be paid by each webhook). An object is evicted only after it has been
 * idle a while, so the alarm it leaves covers what was due at its last second; a restart within
 * that second (a deploy) is caught by the Cron Trigger, which sets it again (`reconcile`).
 */
const ALARM_EVERY_MS = 1_000

/**
 * callconfirm's service in one Durable Object: its SQLite storage is the database (the same schema
 * and migrations, the same synchronous transactions, so an outcome and the store write that reports
 * it still commit together), it serves every route but the calls' media streams, and runs the
 * scheduler and the store writer: every second while it is in memory, and from its alarm when it
 * was evicted with work waiting. Each call is bridged in its own object (callObject.ts), which
 * reads and writes the call here (`callLedger`, `callContext`).
 */
export class CallConfirmObject extends DurableObject<Env> {
  private readonly running: Promise<Running>

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.running = this.boot(env)
    // Nothing is answered before the schema is migrated; a boot that failed answers each request with why.
    void ctx.blockConcurrencyWhile(() =>
      this.running.then(
        () => undefined,
        () => undefined,
      ),
    )
  }

  private async boot(env: Env): Promise<Running> {
    const { config, outside } = workerConfig(env)
    const log = createLogger(config.logLevel)
    const db = await openDurableDatabase(this.ctx.storage)
    const parts = await assembleService({ ...config, calls: { ...config.calls, workerId: WORKER_ID } }, log, outside, {
      db,
      storeNetwork: createWorkerStoreNetwork({ allowPrivate: config.security.allowPrivateStoreAddresses }),
      peerAddress: (c) => c.req.header('cf-connecting-ip'),
      openRealtimeSocket: openWorkerRealtimeSocket,
      prewarmAgent: (attemptId) =>
        void callObjectOf(env, attemptId)
          .prewarm(attemptId)
          .catch((error: unknown) => log.warn('could not open the agent ahead of the call; the call will open it', { callId: attemptId, error })),
      processMetrics: false,
    })
    // No media-stream route: worker.ts sends each stream to its call's object.
    const app = createApp(parts.deps, {}) as unknown as Hono
    parts.scheduler.start()
    parts.storeWriter.start()
    const running = { app, parts }
    setInterval(() => void this.armAlarm(running).catch((error: unknown) => log.error('could not set the alarm', { error })), ALARM_EVERY_MS)
    log.info('listening', { publicUrl: config.publicUrl, runtime: 'workerd' })
    return running
  }

  override async fetch(request: Request): Promise<Response> {
    let running: Running
    try {
      running = await this.running
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      return Response.json({ error: { code: 'not_configured', message: `callconfirm cannot start: ${error.message}` } }, { status: 503 })
    }
    return running.app.fetch(request)
  }

  /** The alarm: one pass of each worker (they may have been evicted with work due), then the next alarm. */
  override async alarm(): Promise<void> {
    const running = await this.running
    await running.parts.scheduler.tick()
    await running.parts.storeWriter.tick()
    await this.armAlarm(running)
  }

  /** The Cron Trigger's call (worker.ts): ask each store for orders no webhook brought, and erase what is past its time. */
  async reconcile(): Promise<void> {
    const running = await this.running
    await running.parts.reconciler.tick()
    await running.parts.maintain()
    await this.armAlarm(running)
  }

  /** One method of a call's ledger, for the call's object, with that object as the holder of the call. */
  async callLedger<K extends keyof CallLedger>(
    holder: LeaseHolder,
    method: K,
    args: Parameters<CallLedger[K]>,
  ): Promise<Awaited<ReturnType<CallLedger[K]>>> {
    const running = await this.running
    const ledger = localCallLedger(running.parts.deps, holder)
    return await (ledger[method] as (...given: Parameters<CallLedger[K]>) => ReturnType<CallLedger[K]>)(...args)
  }

  /** A call's facts, for its object's agent (the session it opens while the phone rings). */
  async callContext(attemptId: string): Promise<CallContext | undefined> {
    const { deps } = (await this.running).parts
    return loadCallContext(deps, attemptId)
  }

  private async armAlarm(running: Running): Promise<void> {
    const at = await nextWakeAt(running.parts.deps.db, Date.now())
    if (at === undefined) return
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }
}
