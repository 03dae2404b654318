import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { createNodeWebSocket } from '@hono/node-ws'
import type { Hono } from 'hono'
import { type AppOptions, createApp } from './app.js'
import { currentHold } from './calls/accountHold.js'
import { type DrainReport, drainCalls } from './calls/drain.js'
import { callsInFlight } from './calls/outcomes.js'
import { createScheduler, type Scheduler } from './calls/scheduler.js'
import { createTwilioClient, type TwilioAccount } from './calls/twilio.js'
import { openDatabase } from './db/node.js'
import type { AppDeps, ReadyConfig } from './deps.js'
import { createMetrics } from './metrics.js'
import { saveOrdersInTransaction } from './orders/intake.js'
import { pruneExpiredData } from './orders/retention.js'
import { createSettingsLinks } from './settings/link.js'
import { createStoreAccess } from './stores/access.js'
import { createConnectLinks } from './stores/connectLinks.js'
import { createStoreOrderReader } from './stores/orderState.js'
import { deliveryUrlProblems } from './stores/platforms.js'
import { pruneDeliveries } from './stores/receipts.js'
import { createReconciler, type Reconciler } from './stores/reconciliation.js'
import { createShopifyAdmin } from './stores/shopify/adminApi.js'
import { createStoreNetwork } from './stores/storeNetwork.js'
import { createStoreWriter, type StoreWriter } from './stores/storeWriter.js'
import { createBatcher } from './utils/batcher.js'
import { clientAddressOf } from './utils/clientAddress.js'
import type { Logger } from './utils/log.js'
import { createSecretBox } from './utils/secretBox.js'
import { createLiveStreams } from './voice/liveStreams.js'
import { MAX_STREAM_MESSAGE_BYTES } from './voice/mediaStreamRoute.js'
import { createRealtimePool } from './voice/realtimePool.js'

export interface RunningService {
  url: string
  port: number
  deps: AppDeps
  scheduler: Scheduler
  storeWriter: StoreWriter
  /** Asks each store for the orders no webhook brought, and repairs its webhooks. */
  reconciler: Reconciler
  /**
   * Lets the calls under way end (SIGTERM): claims no new call, keeps serving callbacks, media
   * streams and store writes, and `/healthz` answers 503 draining; resolves once this worker's
   * calls have ended and their outcomes reached the stores, or after DRAIN_SECONDS with the rest
   * handed to the next worker. `close()` comes after it.
   */
  drain(): Promise<DrainReport>
  /** Stops at once: background workers, the HTTP server, the database. */
  close(): Promise<void>
}

/** An OpenAI Realtime WebSocket and the key it takes. */
export interface RealtimeEndpoint {
  url: string
  apiKey: string
}

/**
 * The outside services a running callconfirm talks to. They are handed in, never looked up here:
 * live, the configured ones (configuredServices.ts); in the sandbox and tests, simulators started
 * by their caller (sandbox/simulatedServices.ts).
 */
export interface OutsideServices {
  /** The Twilio account calls go out on and callbacks are signed with. */
  twilio: TwilioAccount
  /** Where the agents' Realtime sessions go. */
  realtime: RealtimeEndpoint
}

export interface ServiceOptions extends AppOptions {
  /** Run the background workers, the call scheduler and the store writer (default true); intake-only tests turn them off. */
  schedule?: boolean
  /** The clock policy reads (calling hours, retries); tests move it forward. */
  now?: () => number
}

const HOUR = 3600 * 1000

/**
 * Runs callconfirm on Node: opens and migrates the database, wires the app and the call
 * scheduler, listens. Calls go out through `outside.twilio` and agents talk to `outside.realtime`;
 * nothing here starts a simulator. Used by server.ts, sandbox/start.ts, the end-to-end tests and
 * the benchmarks (port 0 picks a free port).
 *
 * @example
 * const service = await startService(config, log, configuredServices(config))
 * await service.close()
 */
export async function startService(
  configured: ReadyConfig,
  log: Logger,
  outside: OutsideServices,
  options: ServiceOptions = {},
): Promise<RunningService> {
  // The agents' sessions (voice/agentSession.ts) read the endpoint from the config they are given.
  const config: ReadyConfig = { ...configured, openai: { ...configured.openai, realtimeUrl: outside.realtime.url, apiKey: outside.realtime.apiKey } }
  const { db, sqlite } = openDatabase(config.databasePath)
  const box = await createSecretBox(config.encryptionKey)
  const shopify = createShopifyAdmin({
    apiKey: config.shopify.apiKey,
    apiSecret: config.shopify.apiSecret,
    scopes: config.shopify.scopes,
    publicUrl: config.publicUrl,
    adminApiOrigin: config.shopify.adminApiOrigin,
  })
  const now = options.now ?? Date.now
  const access = createStoreAccess({ db, box, shopify, log, now })
  const storeNetwork = createStoreNetwork({ allowPrivate: config.security.allowPrivateStoreAddresses })
  let scheduler: Scheduler | undefined
  let storeWriter: StoreWriter | undefined
  let draining = false
  const deps: AppDeps = {
    config,
    db,
    box,
    log,
    // Orders arriving together share one transaction and so one fsync (group commit).
    saveOrder: createBatcher(async (writes) => saveOrdersInTransaction(db, writes)),
    storeDefaults: { voice: config.openai.voice },
    now,
    twilio: { client: createTwilioClient(outside.twilio), account: outside.twilio },
    shopify,
    settingsLinks: createSettingsLinks(config.encryptionKey, config.publicUrl),
    connectLinks: createConnectLinks(config.encryptionKey, config.publicUrl),
    storeNetwork,
    clientAddress: clientAddressOf(config.security.trustProxy, (c) => getConnInfo(c).remote.address),
    readStoreOrder: createStoreOrderReader({ access, shopify, storeNetwork }),
    wakeScheduler: () => scheduler?.wake(),
    wakeStoreWriter: () => storeWriter?.wake(),
    prices: config.prices,
    realtimePool: createRealtimePool({ config, db, storeDefaults: { voice: config.openai.voice }, log }),
    metrics: createMetrics({ callsInFlight: () => callsInFlight(db), diallingPaused: () => currentHold(db) !== undefined }),
    liveStreams: createLiveStreams(),
    draining: () => draining,
  }
  scheduler = createScheduler({
    ...deps,
    publicUrl: config.publicUrl,
    owner: config.calls.workerId,
    maxConcurrent: config.calls.maxConcurrent,
    perSecond: config.calls.perSecond,
  })
  storeWriter = createStoreWriter({ ...deps, access, owner: config.calls.workerId })
  const reconciler = createReconciler({
    ...deps,
    access,
    publicUrl: config.publicUrl,
    everyMs: config.reconcile.everySeconds * 1000,
    lookbackMs: config.reconcile.lookbackHours * HOUR,
  })
  for (const problem of deliveryUrlProblems(config.publicUrl)) log.warn(problem)
  // node-ws routes upgrades through the app, which needs its upgrader to be built: tie the knot.
  let app: ReturnType<typeof createApp> | undefined
  const nodeWs = createNodeWebSocket({ app: { request: (...args: Parameters<Hono['request']>) => app!.request(...args) } as Hono })
  // node-ws takes no ws options; its server reads them at each upgrade, so the message cap is set here.
  nodeWs.wss.options.maxPayload = MAX_STREAM_MESSAGE_BYTES
  const { voiceTiming, installRateLimit, dashboardExtras } = options
  app = createApp(deps, { upgradeWebSocket: nodeWs.upgradeWebSocket }, { voiceTiming, installRateLimit, dashboardExtras })
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app!.fetch, port: config.port, hostname: config.host }, () => resolve(s))
    s.once('error', reject)
  })
  nodeWs.injectWebSocket(server)
  const { port } = server.address() as AddressInfo
  if (options.schedule !== false) {
    scheduler.start()
    storeWriter.start()
    reconciler.start()
  }
  // Hourly, and once now: delivery receipts past their week, customers' data past RETENTION_DAYS.
  const maintain = async () => {
    await pruneDeliveries(db, Date.now()).catch((error) => log.error('pruning receipts failed', { error }))
    const erased = await pruneExpiredData(db, now(), config.retentionDays).catch((error) => log.error('erasing expired data failed', { error }))
    if (erased && (erased.transcriptLines || erased.evidence || erased.dataReports)) log.info('expired customer data erased', erased)
  }
  let maintaining = maintain()
  const maintenance = setInterval(() => (maintaining = maintaining.then(maintain)), HOUR)
  maintenance.unref()

  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    deps,
    scheduler,
    storeWriter,
    reconciler,
    drain() {
      draining = true
      return drainCalls({ ...deps, owner: config.calls.workerId, scheduler }, config.drainMs)
    },
    async close() {
      clearInterval(maintenance)
      await maintaining
      await scheduler.stop()
      await storeWriter.stop()
      await reconciler.stop()
      deps.realtimePool.close()
      // The server would wait for open media streams: they end now, each written down first.
      await deps.liveStreams.cutAll('the service stopped')
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Idle keep-alive connections would hold close() open; nothing is in flight on them.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      })
      sqlite.close()
    },
  }
}
