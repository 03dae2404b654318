import type { ReadyConfig } from '../deps.js'
import { startService, type RunningService, type ServiceOptions } from '../service.js'
import type { Logger } from '../utils/log.js'
import { freePort } from './loopback.js'
import { startSandboxStores, type SandboxStores } from './sampleStores.js'

export interface SandboxRun {
  service: RunningService
  /** The sample shop and store, when every outside service is simulated here. */
  stores: SandboxStores | undefined
}

/**
 * Starts callconfirm, and in sandbox mode with nobody to really call (no Twilio credentials)
 * the sample shops too: a simulated Shopify and WooCommerce in this process, the Shopify app
 * pointed at the first, both installed as a merchant would install them. With real Twilio
 * credentials there are no sample stores: their test orders would ring real phones.
 */
export async function startWithSandbox(config: ReadyConfig, log: Logger, options: ServiceOptions = {}): Promise<SandboxRun> {
  const simulateStores = config.sandbox && !config.twilio.accountSid && !config.shopify.apiKey && !config.shopify.adminApiOrigin
  if (!simulateStores) return { service: await startService(config, log, options), stores: undefined }
  // The Shopify simulator must know our callback's address before we listen: settle the port now.
  if (config.port === 0) {
    const port = await freePort()
    config = { ...config, port, publicUrl: config.publicUrl.replace(/:0$/, `:${port}`) }
  }
  const stores = await startSandboxStores({ publicUrl: config.publicUrl, wooPort: config.port ? config.port + 1 : 0 })
  let service: RunningService | undefined
  try {
    service = await startService(stores.configure(config), log, { ...options, sandboxStores: stores })
    await stores.install({ url: service.url, db: service.deps.db, adminToken: config.adminToken, twilio: service.twilioSimulator! })
  } catch (error) {
    await service?.close()
    await stores.close()
    throw error
  }
  const close = service.close
  return { service: { ...service, close: () => close().then(() => stores.close()) }, stores }
}

