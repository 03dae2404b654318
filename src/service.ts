import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from './app.js'
import { openDatabase } from './db/node.js'
import type { AppDeps, ReadyConfig } from './deps.js'
import { saveOrdersInTransaction } from './orders/intake.js'
import { pruneDeliveries } from './stores/receipts.js'
import { createBatcher } from './utils/batcher.js'
import type { Logger } from './utils/log.js'
import { createSecretBox } from './utils/secretBox.js'

export interface RunningService {
  url: string
  port: number
  deps: AppDeps
  close(): Promise<void>
}

const HOUR = 3600 * 1000

/**
 * Runs callconfirm on Node: opens and migrates the database, wires the app, listens. Used by
 * server.ts and by the end-to-end tests and benchmarks (port 0 picks a free port).
 */
export async function startService(config: ReadyConfig, log: Logger): Promise<RunningService> {
  const { db, sqlite } = openDatabase(config.databasePath)
  const deps: AppDeps = {
    config,
    db,
    box: await createSecretBox(config.encryptionKey),
    log,
    // Orders arriving together share one transaction and so one fsync (group commit).
    saveOrder: createBatcher(async (writes) => saveOrdersInTransaction(db, writes)),
    storeDefaults: { voice: config.openai.voice },
    now: Date.now,
  }
  const app = createApp(deps)
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const maintenance = setInterval(() => void pruneDeliveries(db, Date.now()).catch((error) => log.error('pruning receipts failed', { error })), HOUR)
  maintenance.unref()

  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    deps,
    async close() {
      clearInterval(maintenance)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Idle keep-alive connections would hold close() open; nothing is in flight on them.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      })
      sqlite.close()
    },
  }
}
