import type { Context } from 'hono'
import { type Alerter, createAlerter } from './alerts/alerter.js'
import type { Mailer } from './alerts/mail.js'
import { currentHold } from './calls/accountHold.js'
import { type DrainReport, drainCalls } from './calls/drain.js'
import { callsInFlight } from './calls/outcomes.js'
import { createVoicePrices } from './calls/pricing.js'
import { deleteMarkedRecordings } from './calls/recordings.js'
import { createScheduler, type Scheduler } from './calls/scheduler.js'
import { createStreamKeys } from './calls/streamKey.js'
import { createTwilioClient, type TwilioAccount } from './calls/twilio.js'
import type { Db } from './db/index.js'
import type { AppDeps, ReadyConfig } from './deps.js'
import { createAnswerLinks } from './messages/answerLink.js'
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
import type { StoreNetwork } from './stores/storeAddress.js'
import { createStoreWriter, type StoreWriter } from './stores/storeWriter.js'
import { createBatcher } from './utils/batcher.js'
import { clientAddressOf } from './utils/clientAddress.js'
import type { Logger } from './utils/log.js'
import { createSecretBox } from './utils/secretBox.js'
import { loadCallContext } from './voice/callFacts.js'
import { localCallLedger } from './voice/callLedger.js'
import { createLiveStreams } from './voice/liveStreams.js'
import { createRealtimePool } from './voice/realtimePool.js'
import type { OpenRealtimeSocket } from './voice/realtimeSocket.js'

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

/** What only the runtime can give: its database, its network and sockets, its clock. */
export interface RuntimeParts {
  db: Db
  /** Requests to stores' own addresses (Node pins the checked address; Workers cannot reach private networks at all). */
  storeNetwork: StoreNetwork
  /** The client's address as the runtime sees it (the socket's peer on Node, CF-Connecting-IP on Workers). */
  peerAddress: (c: Context) => string | undefined
  openRealtimeSocket: OpenRealtimeSocket
  /**
   * Where a ringing call's agent session is opened, when the runtime bridges calls elsewhere (on
   * Workers, in the call's own Durable Object); by default in this service's own pool.
   */
  prewarmAgent?: (attemptId: string) => void
  /** prom-client's process metrics, where there is a process to measure. */
  processMetrics: boolean
  /** The clock policy reads (calling hours, retries); tests move it forward. */
  now?: () => number
  /** How alert email is sent (SMTP on Node); absent when SMTP_URL is unset, or where the runtime has none (Workers). */
  mailer?: Mailer
}

/** callconfirm's working parts, the same on every runtime; its entry (service.ts, worker.ts) serves and drives them. */
export interface ServiceParts {
  deps: AppDeps
  scheduler: Scheduler
  storeWriter: StoreWriter
  /** Asks each store for the orders no webhook brought, and repairs its webhooks. */
  reconciler: Reconciler
  /** Emails merchants about orders needing review, failed store writes, and each morning's digest; absent while alerts are off. */
  alerter: Alerter | undefined
  /** Erases what is past its time: delivery receipts after a week, customers' data after RETENTION_DAYS. */
  maintain(): Promise<void>
  /**
   * Lets the calls under way end (SIGTERM on Node): claims no new call, keeps serving callbacks,
   * media streams and store writes, and `/healthz` answers 503 draining; resolves once this
   * worker's calls have ended and their outcomes reached the stores, or after DRAIN_SECONDS with
   * the rest handed to the next worker.
   */
  drain(): Promise<DrainReport>
}

const HOUR = 3600 * 1000

/** The config with the Realtime endpoint calls are bridged to: the agents' sessions (voice/agentSession.ts) read it from there. */
export const withRealtime = (config: ReadyConfig, realtime: RealtimeEndpoint): ReadyConfig => ({
  ...config,
  openai: { ...config.openai, realtimeUrl: realtime.url, apiKey: realtime.apiKey },
})

/**
 * Wires the app's dependencies and its background workers (the call scheduler, the store writer,
 * reconciliation) over the runtime's parts. Starts nothing: the entry decides when they run.
 *
 * @example
 * const parts = await assembleService(config, log, outside, { db, storeNetwork, peerAddress, openRealtimeSocket, processMetrics: true })
 * parts.scheduler.start()
 */
export async function assembleService(configured: ReadyConfig, log: Logger, outside: OutsideServices, runtime: RuntimeParts): Promise<ServiceParts> {
  const config = withRealtime(configured, outside.realtime)
  const { db, storeNetwork } = runtime
  const box = await createSecretBox(config.encryptionKey)
  const shopify = createShopifyAdmin({
    apiKey: config.shopify.apiKey,
    apiSecret: config.shopify.apiSecret,
    scopes: config.shopify.scopes,
    publicUrl: config.publicUrl,
    adminApiOrigin: config.shopify.adminApiOrigin,
  })
  const now = runtime.now ?? Date.now
  const access = createStoreAccess({ db, box, shopify, log, now })
  let scheduler: Scheduler | undefined
  let storeWriter: StoreWriter | undefined
  let draining = false
  const storeDefaults = { voice: config.openai.voice }
  const loadContext = (attemptId: string) => loadCallContext({ db, storeDefaults }, attemptId)
  const metrics = createMetrics({
    callsInFlight: () => callsInFlight(db),
    diallingPaused: () => currentHold(db) !== undefined,
    processMetrics: runtime.processMetrics,
  })
  const realtimePool = createRealtimePool({ config, loadContext, log, openSocket: runtime.openRealtimeSocket })
  const twilio = { client: createTwilioClient(outside.twilio), account: outside.twilio }
  const voicePrices = createVoicePrices({ twilio, fallbackPerMinute: config.prices.telephonyPerMinute, log, now })
  const deps: AppDeps = {
    config,
    db,
    box,
    log,
    // Orders arriving together share one transaction and so one commit (group commit).
    saveOrder: createBatcher(async (writes) => saveOrdersInTransaction(db, writes)),
    storeDefaults,
    now,
    twilio,
    shopify,
    settingsLinks: createSettingsLinks(config.encryptionKey, config.publicUrl),
    connectLinks: createConnectLinks(config.encryptionKey, config.publicUrl),
    answerLinks: createAnswerLinks(config.encryptionKey, config.publicUrl),
    storeNetwork,
    clientAddress: clientAddressOf(config.security.trustProxy, runtime.peerAddress),
    readStoreOrder: createStoreOrderReader({ access, shopify, storeNetwork }),
    wakeScheduler: () => scheduler?.wake(),
    wakeStoreWriter: () => storeWriter?.wake(),
    prices: config.prices,
    voicePrices,
    realtimePool,
    prewarmAgent: runtime.prewarmAgent ?? ((attemptId) => realtimePool.prewarm(attemptId)),
    streamKeys: createStreamKeys(config.encryptionKey),
    metrics,
    // The bridges' database, the lease taken by this service (on Workers each call's object is the holder: worker/callObject.ts).
    callLedger: localCallLedger({ db, log, now, storeDefaults, prices: config.prices, voicePrices, metrics, config }),
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
  const alerter = runtime.mailer && createAlerter({ ...deps, mailer: runtime.mailer, publicUrl: config.publicUrl })
  if (config.alerts && !runtime.mailer) log.warn('SMTP_URL is set, but this runtime sends no alert email')
  for (const problem of deliveryUrlProblems(config.publicUrl)) log.warn(problem)
  const running = scheduler
  return {
    deps,
    scheduler,
    storeWriter,
    reconciler,
    alerter,
    async maintain() {
      await pruneDeliveries(db, Date.now()).catch((error) => log.error('pruning receipts failed', { error }))
      const erased = await pruneExpiredData(db, now(), config.retentionDays).catch((error) => log.error('erasing expired data failed', { error }))
      if (erased && (erased.transcriptLines || erased.evidence || erased.dataReports || erased.recordings))
        log.info('expired customer data erased', erased)
      // Recordings marked by retention or a redaction, and deletions Twilio refused before.
      const recordings = await deleteMarkedRecordings(deps).catch((error) => log.error('deleting call recordings failed', { error }))
      if (recordings && (recordings.deleted || recordings.failed)) log.info('call recordings deleted at Twilio', recordings)
    },
    drain() {
      draining = true
      return drainCalls({ ...deps, owner: config.calls.workerId, scheduler: running }, config.drainMs)
    },
  }
}
