import { existsSync } from 'node:fs'
import { ConfigError, loadConfig } from './config.js'
import { completeSandboxSecrets } from './sandbox/secrets.js'
import { startWithSandbox } from './sandbox/start.js'
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

const { service, stores } = await startWithSandbox(ready, log)
const { publicUrl } = service.deps.config
log.info('listening', { url: service.url, publicUrl, database: ready.databasePath })

if (ready.sandbox) {
  const why = ready.sandboxBecause.length ? `no ${ready.sandboxBecause.join(', ')}` : 'SANDBOX=1'
  const token = generatedAdminToken ? `admin token ${ready.adminToken}` : 'your ADMIN_TOKEN'
  const simulated = [service.twilioSimulator && 'Twilio', service.realtimeSimulator && 'OpenAI', stores && `the sample stores ${stores.stores.map((s) => s.name).join(' and ')}`].filter(Boolean)
  const world = [
    `${simulated.join(', ')} simulated here`,
    service.twilioSimulator ? 'nobody is really called' : 'calls are real',
    ...(stores ? [] : ['stores you connect are real: use a development store']),
  ].join('; ')
  console.log(`callconfirm: sandbox mode (${why}): open ${publicUrl}/ and sign in with ${token}; ${world}`)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log.info('shutting down', { signal })
    void service.close().then(() => process.exit(0))
  })
