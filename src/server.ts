import { existsSync } from 'node:fs'
import { type Config, ConfigError, loadConfig } from './config.js'
import { configuredServices, liveConfig } from './configuredServices.js'
import { type RunningService, startService } from './service.js'
import { createLogger } from './utils/log.js'

// A .env in the working directory (see .env.example) fills in what the environment leaves unset.
if (existsSync('.env')) process.loadEnvFile('.env')

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`callconfirm cannot start: ${error.message}`)
  process.exit(1)
}
const log = createLogger(config.logLevel, (line) => process.stdout.write(`${line}\n`))

/** A live boot: the configured Twilio and OpenAI, and not one simulator module loaded. */
async function startLive(config: Config): Promise<{ service: RunningService; announcement?: string }> {
  return { service: await startService(liveConfig(config), log, configuredServices(config)) }
}

// The sandbox (simulators, sample stores, generated secrets) is imported only when it is wanted.
const { service, announcement } = config.sandbox ? await (await import('./sandbox/start.js')).bootSandbox(config, log) : await startLive(config)
log.info('listening', { url: service.url, publicUrl: service.deps.config.publicUrl, database: config.databasePath })
if (announcement) console.log(announcement)

// The first signal drains: the calls under way end (DRAIN_SECONDS at most) before the process does.
// A second one is someone who will not wait: the process exits at once, its calls left to recovery.
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) {
      log.warn('stopping at once: calls under way are left for another worker (or the next start) to settle', { signal })
      process.exit(1)
    }
    stopping = true
    log.info('shutting down: draining first (signal again to stop at once)', { signal })
    service
      .drain()
      .then(() => service.close())
      .then(
        () => process.exit(0),
        (error) => {
          log.error('shutting down failed', { error })
          process.exit(1)
        },
      )
  })
