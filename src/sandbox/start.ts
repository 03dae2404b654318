import type { Config } from '../config.js'
import type { ReadyConfig } from '../deps.js'
import { type RunningService, type ServiceOptions, startService } from '../service.js'
import type { Logger } from '../utils/log.js'
import { freePort } from './loopback.js'
import type { RealModel } from './realtime/simulator.js'
import { type SandboxStores, startSandboxStores } from './sampleStores.js'
import { completeSandboxSecrets } from './secrets.js'
import { type SimulatedServices, simulateMissingServices } from './simulatedServices.js'
import { testOrderExtras } from './testOrders.js'

export interface SandboxRun {
  /** callconfirm; closing it stops the simulators and sample stores too. */
  service: RunningService
  /** The sample shop and store, when every outside service is simulated here. */
  stores: SandboxStores | undefined
  /** The simulated Twilio and Realtime, for the outside services not configured. */
  simulators: Pick<SimulatedServices, 'twilio' | 'realtime'>
}

/**
 * Starts callconfirm in sandbox mode, assembled from simulated parts: a simulated Twilio and
 * OpenAI Realtime for whichever has no credentials, and with nobody to really call (no Twilio
 * credentials) the sample shops too: a simulated Shopify and WooCommerce in this process, the
 * Shopify app pointed at the first, both installed as a merchant would install them, and the
 * dashboard's test-order form. With real Twilio credentials there are no sample stores: their
 * test orders would ring real phones.
 *
 * @example
 * const { service, stores } = await startWithSandbox(completeSandboxSecrets(config).config, log)
 * await stores?.placeTestOrder(stores.stores[0]!.id, 'confirms')
 */
export async function startWithSandbox(
  config: ReadyConfig,
  log: Logger,
  options: ServiceOptions = {},
  simulation: { realModel?: RealModel } = {},
): Promise<SandboxRun> {
  const simulateStores = config.sandbox && !config.twilio.accountSid && !config.shopify.apiKey && !config.shopify.adminApiOrigin
  // The Shopify simulator must know our callback's address before we listen: settle the port now.
  if (simulateStores && config.port === 0) {
    const port = await freePort()
    config = { ...config, port, publicUrl: config.publicUrl.replace(/:0$/, `:${port}`) }
  }
  const simulated = await simulateMissingServices(config, simulation)
  let stores: SandboxStores | undefined
  let service: RunningService | undefined
  try {
    if (simulateStores) stores = await startSandboxStores({ publicUrl: config.publicUrl, wooPort: config.port ? config.port + 1 : 0 })
    service = await startService(stores ? stores.configure(config) : config, log, simulated.services, {
      ...options,
      ...(stores && { dashboardExtras: testOrderExtras(stores) }),
    })
    await stores?.install({ url: service.url, adminToken: config.adminToken, twilio: simulated.twilio! })
  } catch (error) {
    await service?.close()
    await stores?.close()
    await simulated.close()
    throw error
  }
  const close = service.close
  return {
    service: {
      ...service,
      close: () =>
        close()
          .then(() => simulated.close())
          .then(() => stores?.close()),
    },
    stores,
    simulators: { twilio: simulated.twilio, realtime: simulated.realtime },
  }
}

/**
 * `npm start` in sandbox mode: the generated admin token and encryption key, the sandbox run, and
 * the one line that tells the person starting it where to go and what is simulated. server.ts
 * imports this module only in sandbox mode, so a live boot loads no simulator.
 *
 * @example
 * const { service, announcement } = await bootSandbox(config, log)
 * console.log(announcement)
 */
export async function bootSandbox(config: Config, log: Logger): Promise<{ service: RunningService; announcement: string }> {
  const { config: ready, generatedAdminToken } = completeSandboxSecrets(config)
  const { service, stores, simulators } = await startWithSandbox(ready, log)
  const why = ready.sandboxBecause.length ? `no ${ready.sandboxBecause.join(', ')}` : 'SANDBOX=1'
  const token = generatedAdminToken ? `admin token ${ready.adminToken}` : 'your ADMIN_TOKEN'
  const simulated = [
    simulators.twilio && 'Twilio',
    simulators.realtime && 'OpenAI',
    stores && `the sample stores ${stores.stores.map((s) => s.name).join(' and ')}`,
  ].filter(Boolean)
  const world = [
    `${simulated.join(', ')} simulated here`,
    simulators.twilio ? 'nobody is really called' : 'calls are real',
    ...(stores
      ? [`${stores.stores.find((s) => s.platform === 'shopify')?.name ?? 'the sample shop'} in its Shopify admin: ${stores.shopifyAdminUrl}`]
      : []),
    ...(stores ? [] : ['stores you connect are real: use a development store']),
  ].join('; ')
  return { service, announcement: `callconfirm: sandbox mode (${why}): open ${service.deps.config.publicUrl}/ and sign in with ${token}; ${world}` }
}
