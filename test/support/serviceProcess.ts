import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from '../../src/sandbox/realtime/simulator.js'
import { type ShopifyAdminOptions, type ShopifyAdminSimulator, startShopifyAdminSimulator } from '../../src/sandbox/shopify-admin/simulator.js'
import type { TwilioSimulator } from '../../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../../src/sandbox/woocommerce/simulator.js'
import { startTestTwilio, TWILIO } from './calling.js'
import { ADMIN_TOKEN, type AdminApi, adminApi } from './service.js'
import { spawnServer } from './spawnServer.js'
import { until } from './wait.js'

/** One line of callconfirm's log (utils/log.ts): when, how grave, what, and its fields. */
export type LogLine = { t: string; level: 'debug' | 'info' | 'warn' | 'error'; msg: string } & Record<string, unknown>

/**
 * The outside world of a live deployment, simulated in this (the test's) process: Twilio (its
 * clock at 1/100, so rings pass quickly), OpenAI Realtime, a WooCommerce store and Shopify's Admin
 * API, each on loopback, following its vendor's protocol.
 */
export interface SimulatedWorld {
  twilio: TwilioSimulator
  realtime: RealtimeSimulator
  woo: WooCommerceSimulator
  shopify: ShopifyAdminSimulator
  /** The settings that point a callconfirm process at these simulators, with the Twilio and OpenAI credentials they take. */
  env: Record<string, string>
  close(): Promise<void>
}

export async function startSimulatedWorld(
  options: { realtime?: Omit<RealtimeSimulatorOptions, 'apiKey'>; shopify?: ShopifyAdminOptions } = {},
): Promise<SimulatedWorld> {
  const apiKey = `sk-live-test-${crypto.randomUUID()}`
  const twilio = await startTestTwilio()
  const realtime = await startRealtimeSimulator({ apiKey, ...options.realtime })
  const woo = await startWooCommerceSimulator()
  const shopify = await startShopifyAdminSimulator(options.shopify)
  return {
    twilio,
    realtime,
    woo,
    shopify,
    env: {
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.from,
      TWILIO_API_ORIGIN: twilio.origin,
      OPENAI_API_KEY: apiKey,
      OPENAI_REALTIME_URL: realtime.url,
      SHOPIFY_ADMIN_API_ORIGIN: shopify.origin,
      // The stores' simulators are on loopback, which a live deployment refuses unless told.
      ALLOW_PRIVATE_STORE_ADDRESSES: 'true',
    },
    async close() {
      await Promise.all([twilio.close(), realtime.close(), woo.close(), shopify.close()])
    },
  }
}

/**
 * What the workers of one deployment share: the database file, the public origin in front of
 * them (a FrontDoor), the admin token and encryption key, and the outside world they call.
 */
export interface Deployment {
  databasePath: string
  publicUrl: string
  env: Record<string, string>
}

export function deployment(world: SimulatedWorld, setup: { directory: string; publicUrl: string }): Deployment {
  const databasePath = join(setup.directory, 'callconfirm.db')
  return {
    databasePath,
    publicUrl: setup.publicUrl,
    env: {
      ...world.env,
      PUBLIC_URL: setup.publicUrl,
      DATABASE_PATH: databasePath,
      ADMIN_TOKEN,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
  }
}

/** A callconfirm running in a process of its own, live (SANDBOX=0), on a loopback port. */
export interface ServiceProcess {
  workerId: string
  /** Its own address (http, loopback), as it logged when it began listening. */
  url: string
  /** Every JSON line it has logged so far, parsed. */
  logs: LogLine[]
  /** What it wrote to stderr so far (nothing, when all is well). */
  stderr(): string
  /** The first line it logged (or logs within `ms`) that `matches`. */
  logged(matches: (line: LogLine) => boolean, what: string, ms?: number): Promise<LogLine>
  api: AdminApi
  signal(signal: NodeJS.Signals): void
  /** Ends it as a crash does: no drain, nothing written down. */
  kill9(): void
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const running = new Set<ChildProcess>()
let reapOnExit = false

/**
 * Starts one worker of `site`: WORKER_ID `workerId`, listening on a free loopback port, the
 * settings given in `env` over the deployment's. Resolves once it logs `listening`. Every
 * process started here is killed when this one exits (and when its parent dies: see
 * exitWithParent.mjs); a suite stops the ones left with `stopServiceProcesses` after each test or all.
 * `entry` starts another entry than src/server.ts through tsx (see spawnServer).
 *
 * @example
 * const a = await startServiceProcess(site, { workerId: 'a', env: { DRAIN_SECONDS: '5' } })
 * a.signal('SIGTERM'); expect((await a.exited).code).toBe(0)
 */
export async function startServiceProcess(
  site: Deployment,
  setup: { workerId: string; env?: Record<string, string>; entry?: string[] },
): Promise<ServiceProcess> {
  if (!reapOnExit) {
    reapOnExit = true
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL')
    })
  }
  const child = spawnServer(
    {
      PATH: process.env.PATH ?? '',
      SANDBOX: '0',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      TWILIO_CALLS_PER_SECOND: '100',
      WORKER_ID: setup.workerId,
      ...site.env,
      ...setup.env,
    },
    { nodeArgs: ['--import', './test/support/exitWithParent.mjs'], stdio: ['pipe', 'pipe', 'pipe'], entry: setup.entry },
  )
  running.add(child)
  // 'close', not 'exit': by then every line it wrote has been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    }),
  )
  const logs: LogLine[] = []
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) logs.push(JSON.parse(line) as LogLine)
  })
  const logged = async (matches: (line: LogLine) => boolean, what: string, ms = 20_000) => {
    let gone = false
    void exited.then(() => (gone = true))
    await until(() => gone || logs.some(matches), `${setup.workerId} to log ${what}`, ms)
    const line = logs.find(matches)
    if (!line) throw new Error(`${setup.workerId} exited before it logged ${what}:\n${stderr}`)
    return line
  }
  const listening = await logged((l) => l.msg === 'listening', '"listening"', 30_000)
  const url = String(listening.url)
  return {
    workerId: setup.workerId,
    url,
    logs,
    stderr: () => stderr,
    logged,
    api: adminApi(url),
    signal: (signal) => void child.kill(signal),
    kill9: () => void child.kill('SIGKILL'),
    exited,
  }
}

/** Kills every worker still running (kill -9) and waits for each to be gone. */
export async function stopServiceProcesses(): Promise<void> {
  const left = [...running]
  await Promise.all(left.map((child) => new Promise((resolve) => (child.kill('SIGKILL') ? child.once('close', resolve) : resolve(undefined)))))
}
