/**
 * `npm run dev:worker`: callconfirm's Worker in local workerd (wrangler dev, no Cloudflare account
 * needed) against the sandbox's simulators on loopback: Twilio, OpenAI Realtime and the two sample
 * stores run in this process, are installed into the Worker as a merchant installs them, and the
 * demo's customers order once each, each call bridged in a Durable Object of its own. The Worker
 * then stays up (its dashboard, its API) until Ctrl-C. Its storage starts empty each time.
 *
 *   npm run dev:worker              # https://127.0.0.1:8787
 *   PORT=8790 npm run dev:worker
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../config.js'
import { toBase64, toBase64Url } from '../utils/base64.js'
import { runDemo } from './demoRun.js'
import { startSandboxStores } from './sampleStores.js'
import { simulateMissingServices } from './simulatedServices.js'
import { startWranglerDev } from './wranglerDev.js'

const port = Number(process.env.PORT ?? 8787)
// PUBLIC_URL must be https outside the sandbox: wrangler dev serves it with a certificate of its
// own, self-signed, which the simulators here (Twilio's callbacks, the stores' webhooks) must take.
const publicUrl = `https://127.0.0.1:${port}`
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
const stateDirectory = join(import.meta.dirname, '..', '..', '.wrangler', 'dev-worker')
rmSync(stateDirectory, { recursive: true, force: true })
mkdirSync(stateDirectory, { recursive: true, mode: 0o700 })

// No credentials: every outside service is simulated, whatever the environment says.
const simulated = await simulateMissingServices(loadConfig({ SANDBOX: '1' }))
const stores = await startSandboxStores({ publicUrl })
const adminToken = toBase64Url(crypto.getRandomValues(new Uint8Array(24)))
const { twilio, realtime } = simulated.services
const shopifyApp = stores.configure({} as Parameters<typeof stores.configure>[0]).shopify
const dev = await startWranglerDev({
  port,
  stateDirectory,
  https: true,
  vars: {
    PUBLIC_URL: publicUrl,
    ADMIN_TOKEN: adminToken,
    ENCRYPTION_KEY: toBase64(crypto.getRandomValues(new Uint8Array(32))),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM_NUMBER: twilio.fromNumber,
    TWILIO_API_ORIGIN: twilio.apiOrigin,
    OPENAI_API_KEY: realtime.apiKey,
    OPENAI_REALTIME_URL: realtime.url,
    SHOPIFY_API_KEY: shopifyApp.apiKey ?? '',
    SHOPIFY_API_SECRET: shopifyApp.apiSecret ?? '',
    SHOPIFY_ADMIN_API_ORIGIN: shopifyApp.adminApiOrigin ?? '',
    // The sample stores are on loopback, and install themselves.
    ALLOW_PRIVATE_STORE_ADDRESSES: 'true',
    STORE_SIGNUP: 'open',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
})
const stop = async (code: number) => {
  dev.kill()
  await Promise.all([simulated.close(), stores.close()])
  process.exit(code)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0))
void dev.exited.then(() => {
  console.error(`wrangler dev stopped:\n${dev.output().slice(-2_000)}`)
  void stop(1)
})
dev.onLine((line) => line.includes('"level":"') && console.error(line))

try {
  // The service object boots and migrates its storage on its first request.
  await fetch(`${dev.url}/healthz`)
  await stores.install({ url: dev.url, adminToken, twilio: simulated.twilio! })
  const allRight = await runDemo({ url: dev.url, adminToken, stores, model: 'an ideal model, through the Worker in local workerd' })
  console.log(`\n${allRight ? 'Every order ended as expected.' : 'Some orders did not end as expected.'}`)
  console.log(`The Worker is at ${dev.url}/ (its certificate is wrangler's own): sign in with the admin token ${adminToken}. Ctrl-C stops it.`)
} catch (error) {
  console.error(`dev:worker failed: ${error instanceof Error ? error.message : String(error)}`)
  await stop(1)
}
