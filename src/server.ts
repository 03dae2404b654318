import { existsSync } from 'node:fs'
import { ConfigError, loadConfig } from './config.js'
import { completeSandboxSecrets } from './sandbox/secrets.js'
import { startService } from './service.js'
import { createLogger } from './utils/log.js'

// A .env in the working directory (see .env.example) fills in what the environment leaves unset.
if (existsSync('.env')) process.loadEnvFile('.env')

let config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`callconfirm cannot start: ${error.message}`)
  process.exit(1)
}
const { config: ready, generatedAdminToken } = completeSandboxSecrets(config)
const log = createLogger(ready.logLevel, (line) => process.stdout.write(`${line}\n`))

if (ready.sandbox) {
  const why = ready.sandboxBecause.length ? `no ${ready.sandboxBecause.join(', ')}` : 'SANDBOX=1'
  const token = generatedAdminToken ? `; admin token ${ready.adminToken}` : ''
  console.log(`callconfirm: sandbox mode (${why}): nobody is really called (Twilio and OpenAI are simulated), but stores you connect are real: use a development store${token}`)
}

const service = await startService(ready, log)
log.info('listening', { url: service.url, publicUrl: ready.publicUrl, database: ready.databasePath })

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log.info('shutting down', { signal })
    void service.close().then(() => process.exit(0))
  })
