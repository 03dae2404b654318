import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import type { RealtimeSimulator } from '../../src/sandbox/realtime/simulator.js'
import { completeSandboxSecrets } from '../../src/sandbox/secrets.js'
import { simulateMissingServices } from '../../src/sandbox/simulatedServices.js'
import type { TwilioSimulator } from '../../src/sandbox/twilio/simulator.js'
import { type RunningService, type ServiceOptions, startService } from '../../src/service.js'
import { createLogger } from '../../src/utils/log.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const PUBLIC_URL = 'https://callconfirm.test'

/**
 * Production mode (SANDBOX=0): calling credentials of its own, Twilio and OpenAI at addresses
 * nothing listens on, as a stranger on the internet meets a live deployment.
 */
export const LIVE_ENV = {
  SANDBOX: '0',
  TWILIO_ACCOUNT_SID: `AC${'3'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'live-test-auth-token',
  TWILIO_FROM_NUMBER: '+35542000333',
  TWILIO_API_ORIGIN: 'http://127.0.0.1:9',
  OPENAI_API_KEY: 'sk-live-test',
  OPENAI_REALTIME_URL: 'ws://127.0.0.1:9/v1/realtime',
}

/** Calls a callconfirm's JSON API with the admin token; `token: null` sends none. */
export type AdminApi = (
  method: string,
  path: string,
  body?: unknown,
  opts?: { token?: string | null; headers?: Record<string, string>; raw?: string },
) => Promise<{ status: number; body: any }>

/** The JSON API of the callconfirm at `url`, as the operator calls it. */
export function adminApi(url: string): AdminApi {
  return async (method, path, body, opts = {}) => {
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) }
    if (body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...opts.headers },
      body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
}

export interface TestService extends RunningService {
  /** The simulated Twilio calls go to, when `env` gives no Twilio credentials. */
  twilioSimulator: TwilioSimulator | undefined
  /** The simulated OpenAI Realtime agents talk to, when `env` gives no OpenAI key. */
  realtimeSimulator: RealtimeSimulator | undefined
  /** Every log line the service wrote, as JSON text. */
  logs: string[]
  api: AdminApi
  directory: string
}

/**
 * Starts callconfirm as it runs in production, on a loopback port with its own database; each
 * outside service `env` gives no credentials for is simulated in this process, as in the sandbox.
 */
export async function startTestService(env: Record<string, string> = {}, options: ServiceOptions = { schedule: false }): Promise<TestService> {
  const directory = mkdtempSync(join(tmpdir(), 'callconfirm-test-'))
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL,
    DATABASE_PATH: join(directory, 'callconfirm.db'),
    ADMIN_TOKEN,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'debug',
    ...env,
  })
  const logs: string[] = []
  const simulated = await simulateMissingServices(config)
  const service = await startService(
    completeSandboxSecrets(config).config,
    createLogger('debug', (l) => logs.push(l)),
    simulated.services,
    options,
  ).catch(async (error) => {
    await simulated.close()
    throw error
  })
  return {
    ...service,
    twilioSimulator: simulated.twilio,
    realtimeSimulator: simulated.realtime,
    logs,
    directory,
    api: adminApi(service.url),
    async close() {
      await service.close()
      await simulated.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

export const SHOPIFY_SHOP = 'arbeni-shop.myshopify.com'
export const SHOPIFY_SECRET = 'shpss_custom_app_secret_0123456789'
export const SHOPIFY_TOKEN = 'shpat_0123456789abcdef0123456789abcdef'

/** Registers a Shopify custom-app store and returns its id. */
export async function registerShopify(svc: TestService, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await svc.api('POST', '/api/stores', {
    platform: 'shopify',
    shopDomain: SHOPIFY_SHOP,
    accessToken: SHOPIFY_TOKEN,
    webhookSecret: SHOPIFY_SECRET,
    ...extra,
  })
  if (res.status !== 201) throw new Error(`registering failed: ${JSON.stringify(res.body)}`)
  return res.body.store.id
}

export const WOO_SITE = 'https://dyqani.al'

export async function registerWoo(svc: TestService, extra: Record<string, unknown> = {}) {
  const res = await svc.api('POST', '/api/stores', {
    platform: 'woocommerce',
    siteUrl: WOO_SITE,
    consumerKey: 'ck_0123456789abcdef0123456789abcdef01234567',
    consumerSecret: 'cs_0123456789abcdef0123456789abcdef01234567',
    ...extra,
  })
  if (res.status !== 201) throw new Error(`registering failed: ${JSON.stringify(res.body)}`)
  return { id: res.body.store.id as string, secret: res.body.webhook.secret as string, url: res.body.webhook.url as string }
}

/** A dashboard page at `path` as the operator sees it, signed in with ADMIN_TOKEN: its HTML. */
export async function operatorPage(svc: TestService, path: string): Promise<string> {
  const signIn = await fetch(`${svc.url}/login`, {
    method: 'POST',
    headers: { origin: svc.url },
    body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/' }),
    redirect: 'manual',
  })
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!
  return (await fetch(`${svc.url}${path}`, { headers: { cookie } })).text()
}
