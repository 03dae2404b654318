import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { createNodeWebSocket } from '@hono/node-ws'
import type { Hono } from 'hono'
import { createSmtpMailer } from './alerts/smtpMailer.js'
import { type AppOptions, createApp } from './app.js'
import { openDatabase } from './db/node.js'
import type { ReadyConfig } from './deps.js'
import { assembleService, type OutsideServices, type ServiceParts } from './serviceParts.js'
import { createStoreNetwork } from './stores/storeNetwork.js'
import type { Logger } from './utils/log.js'
import { MAX_STREAM_MESSAGE_BYTES } from './voice/mediaStreamRoute.js'
import { openNodeRealtimeSocket } from './voice/nodeRealtimeSocket.js'

export type { OutsideServices, RealtimeEndpoint } from './serviceParts.js'

/** callconfirm listening on Node; `drain()` (SIGTERM) comes before `close()`. */
export interface RunningService extends ServiceParts {
  url: string
  port: number
  /** Stops at once: background workers, the HTTP server, the database. */
  close(): Promise<void>
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
  const { db, sqlite } = openDatabase(configured.databasePath)
  // Alert email is off until SMTP_URL is set.
  const mailer = configured.alerts && createSmtpMailer(configured.alerts)
  const parts = await assembleService(configured, log, outside, {
    db,
    storeNetwork: createStoreNetwork({ allowPrivate: configured.security.allowPrivateStoreAddresses }),
    peerAddress: (c) => getConnInfo(c).remote.address,
    openRealtimeSocket: openNodeRealtimeSocket,
    processMetrics: true,
    now: options.now,
    mailer,
  })
  const { deps, scheduler, storeWriter, reconciler, alerter } = parts
  const { config } = deps
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
    alerter?.start()
    if (mailer) log.info('alert email is on', { server: mailer.server })
  }
  // Hourly, and once now: delivery receipts past their week, customers' data past RETENTION_DAYS.
  let maintaining = parts.maintain()
  const maintenance = setInterval(() => (maintaining = maintaining.then(parts.maintain)), HOUR)
  maintenance.unref()

  return {
    ...parts,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    async close() {
      clearInterval(maintenance)
      await maintaining
      await scheduler.stop()
      await storeWriter.stop()
      await reconciler.stop()
      await alerter?.stop()
      mailer?.close()
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
