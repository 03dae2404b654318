import { DurableObject } from 'cloudflare:workers'
import type { Hono } from 'hono'
import { createApp } from '../app.js'
import { ConfigError } from '../config.js'
import { assembleService, type ServiceParts } from '../serviceParts.js'
import { createLogger } from '../utils/log.js'
import { MAX_STREAM_MESSAGE_BYTES } from '../voice/mediaStreamRoute.js'
import { workerConfig } from './config.js'
import { openDurableDatabase } from './durableDatabase.js'
import { openWorkerRealtimeSocket } from './realtimeSocket.js'
import { createWorkerStoreNetwork } from './storeNetwork.js'
import { workerWebSocketUpgrade } from './upgradeWebSocket.js'
import { nextWakeAt } from './wakeUp.js'

interface Running {
  app: Hono
  parts: ServiceParts
}

/** Twilio callbacks name the worker that placed a call (leases); this object is that worker, across its restarts. */
const WORKER_ID = 'durable-object'

/**
 * callconfirm in one Durable Object: its SQLite storage is the database (the same schema and
 * migrations, the same synchronous transactions, so an outcome and the store write that reports it
 * still commit together), it serves every route, holds each call's Twilio media stream and its
 * OpenAI Realtime socket for the length of the call, and runs the scheduler and the store writer:
 * every second while it is in memory, and from its alarm when it was evicted with work waiting.
 */
export class CallConfirmObject extends DurableObject {
  private readonly running: Promise<Running>

  constructor(ctx: DurableObjectState, env: object) {
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

  private async boot(env: object): Promise<Running> {
    const { config, outside } = workerConfig(env)
    const log = createLogger(config.logLevel)
    const db = await openDurableDatabase(this.ctx.storage)
    const parts = await assembleService({ ...config, calls: { ...config.calls, workerId: WORKER_ID } }, log, outside, {
      db,
      storeNetwork: createWorkerStoreNetwork({ allowPrivate: config.security.allowPrivateStoreAddresses }),
      peerAddress: (c) => c.req.header('cf-connecting-ip'),
      openRealtimeSocket: openWorkerRealtimeSocket,
      processMetrics: false,
    })
    const app = createApp(parts.deps, { upgradeWebSocket: workerWebSocketUpgrade(MAX_STREAM_MESSAGE_BYTES) }) as unknown as Hono
    parts.scheduler.start()
    parts.storeWriter.start()
    log.info('listening', { publicUrl: config.publicUrl, runtime: 'workerd' })
    return { app, parts }
  }

  override async fetch(request: Request): Promise<Response> {
    let running: Running
    try {
      running = await this.running
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      return Response.json({ error: { code: 'not_configured', message: `callconfirm cannot start: ${error.message}` } }, { status: 503 })
    }
    const response = await running.app.fetch(request)
    await this.armAlarm(running)
    return response
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

  private async armAlarm(running: Running): Promise<void> {
    const at = await nextWakeAt(running.parts.deps.db, Date.now())
    if (at === undefined) return
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }
}
