import { z } from 'zod'
import type { CallPrices } from './domain/callCost.js'
import { fromBase64 } from './utils/base64.js'

/**
 * The service's settings, read once from the environment at start-up and passed everywhere else.
 * Nothing outside this module reads `process.env`.
 */
export interface Config {
  port: number
  /** Interface to listen on: all of them for a real deployment, loopback in sandbox mode. */
  host: string
  /** Public origin that Twilio and the stores reach (no trailing slash). */
  publicUrl: string
  databasePath: string
  /** Absent only in sandbox mode, where the server generates one (see sandbox/secrets.ts). */
  adminToken: string | undefined
  /** 32 bytes; absent only in sandbox mode. */
  encryptionKey: Uint8Array<ArrayBuffer> | undefined
  sandbox: boolean
  /** Which credentials were missing when sandbox mode was chosen automatically. */
  sandboxBecause: string[]
  logLevel: LogLevel
  calls: {
    /** Names this process as the holder of the calls it places (leases); stable across restarts. */
    workerId: string
    /** Calls in flight at once, across all stores. */
    maxConcurrent: number
    /** Twilio's outbound rate for the account (1 per second unless raised with Twilio). */
    perSecond: number
    /**
     * How long an order being called stays this worker's without its heartbeat (every scheduler
     * pass, each second); past it another worker takes the call over. LEASE_SECONDS, for tests and
     * the soak: with real phones a minute is right, and it is not a user's setting.
     */
    leaseMs: number
  }
  /** On SIGTERM, how long calls in flight may run on before the process exits anyway (DRAIN_SECONDS). */
  drainMs: number
  shopify: {
    apiKey: string | undefined
    apiSecret: string | undefined
    scopes: string[]
    adminApiOrigin: string | undefined
  }
  twilio: {
    accountSid: string | undefined
    authToken: string | undefined
    fromNumber: string | undefined
    apiOrigin: string
    /** The WhatsApp sender for messages to customers (E.164), when not TWILIO_FROM_NUMBER. */
    whatsappFrom: string | undefined
    /** Send messages through this Messaging Service (`MG…`: it picks the sender) instead of from our numbers. */
    messagingServiceSid: string | undefined
  }
  openai: {
    apiKey: string | undefined
    realtimeModel: string
    voice: string
    realtimeUrl: string
    /** How the model decides the caller has finished: `semantic_vad` (default) or `server_vad`. */
    turnDetection: 'semantic_vad' | 'server_vad'
  }
  /** Prices for the per-call cost estimate, US dollars. */
  prices: CallPrices
  /** Who may connect what, and from where (see SECURITY.md). */
  security: {
    /** Who may connect a new store: operator-minted links only, anyone subject to approval, or anyone. */
    storeSignup: StoreSignup
    /** Stores on loopback or private networks may be connected (never link-local or metadata addresses). */
    allowPrivateStoreAddresses: boolean
    /** Believe X-Forwarded-For's last hop for the client address (behind a reverse proxy of our own). */
    trustProxy: boolean
  }
  /** Bounds on what the service spends in a day, whoever asks (the toll-fraud guard). */
  limits: {
    /** Calls a day per store the operator has vouched for (registered or raised by hand). */
    storeDailyCalls: number
    /** Calls a day a store that connected itself starts with, until the operator raises it. */
    newStoreDailyCalls: number
    /** Calls a day across every store. */
    serviceDailyCalls: number
    /** Estimated spend a day across every store, US dollars. */
    serviceDailySpendUsd: number
  }
  /** Transcripts, evidence and data-request reports are erased this many days after they were made. */
  retentionDays: number
  /** Alert email to merchants (src/alerts/): off (undefined) until SMTP_URL is set. */
  alerts: AlertsConfig | undefined
  /** Asking each store for the orders no webhook brought (stores/reconciliation.ts). */
  reconcile: {
    /** How often each store is asked. */
    everySeconds: number
    /** How far back a store is ever asked: orders older than this are not called. */
    lookbackHours: number
  }
}

export interface AlertsConfig {
  /** `smtp://user:pass@host:587` or `smtps://…`: it holds a password, so it is never logged. */
  smtpUrl: string
  /** The From address of every alert, e.g. `callconfirm <alerts@example.com>`. */
  from: string
}

export const STORE_SIGNUP_MODES = ['invite', 'approve', 'open'] as const
export type StoreSignup = (typeof STORE_SIGNUP_MODES)[number]

/**
 * List prices in US dollars; override with CALL_PRICES. Tokens: gpt-realtime's per million, $32 audio
 * in, $0.40 cached, $64 out, $4 / $0.40 / $16 text (as gpt-realtime-1.5 on
 * https://developers.openai.com/api/docs/models/gpt-realtime-1.5). Voice minutes are priced per
 * destination by Twilio's Pricing API (calls/pricing.ts); `telephonyPerMinute` is used only when it
 * cannot answer: Twilio's US outbound rate, about $0.014 a minute. The media stream is $0.0044 a
 * minute wherever the call goes (https://www.twilio.com/en-us/voice/pricing/us).
 */
export const DEFAULT_PRICES: CallPrices = {
  audioInput: 32,
  audioCachedInput: 0.4,
  audioOutput: 64,
  textInput: 4,
  textCachedInput: 0.4,
  textOutput: 16,
  telephonyPerMinute: 0.014,
  streamPerMinute: 0.0044,
}

/**
 * What an install asks for: orders to read the order back and write the outcome, and the
 * merchant-managed fulfillment orders the optional "hold until confirmed" action places holds on.
 */
export const DEFAULT_SHOPIFY_SCOPES = 'read_orders,write_orders,read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Thrown when the environment is wrong; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** An unset variable and an empty one mean the same thing: "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional())

const origin = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), `must be a URL such as ${what}`)
    .transform((v) => v.replace(/\/+$/, ''))

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true')

const envSchema = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  HOST: optional(z.string().trim()),
  PUBLIC_URL: optional(origin('https://callconfirm.example.com')),
  DATABASE_PATH: optional(z.string().trim()),
  ADMIN_TOKEN: optional(z.string().regex(/^[A-Za-z0-9._~+/-]{16,}=*$/, 'must be at least 16 characters of A-Z a-z 0-9 . _ ~ + / -')),
  ENCRYPTION_KEY: optional(
    z
      .string()
      .trim()
      .transform((v, ctx) => {
        const bytes = fromBase64(v)
        if (bytes?.length === 32) return bytes
        ctx.addIssue({ code: 'custom', message: 'must be 32 random bytes in base64 (openssl rand -base64 32)' })
        return z.NEVER
      }),
  ),
  SHOPIFY_API_KEY: optional(z.string().trim()),
  SHOPIFY_API_SECRET: optional(z.string().trim()),
  SHOPIFY_SCOPES: optional(z.string().trim()),
  SHOPIFY_ADMIN_API_ORIGIN: optional(origin('http://127.0.0.1:4001')),
  TWILIO_ACCOUNT_SID: optional(
    z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits'),
  ),
  TWILIO_AUTH_TOKEN: optional(z.string().trim()),
  TWILIO_FROM_NUMBER: optional(
    z
      .string()
      .trim()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +35542123456'),
  ),
  TWILIO_API_ORIGIN: optional(origin('https://api.twilio.com')),
  TWILIO_WHATSAPP_FROM: optional(
    z
      .string()
      .trim()
      .transform((v) => v.replace(/^whatsapp:/, ''))
      .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +35542123456 (with or without whatsapp:)')),
  ),
  TWILIO_MESSAGING_SERVICE_SID: optional(
    z
      .string()
      .trim()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG followed by 32 hex digits'),
  ),
  OPENAI_API_KEY: optional(z.string().trim()),
  OPENAI_REALTIME_MODEL: optional(z.string().trim()),
  OPENAI_VOICE: optional(
    z
      .string()
      .trim()
      .regex(/^[a-z]+$/, 'must be a voice name such as marin'),
  ),
  OPENAI_REALTIME_URL: optional(
    z
      .string()
      .trim()
      .refine((v) => /^wss?:\/\//.test(v) && URL.canParse(v), 'must be a ws:// or wss:// URL'),
  ),
  OPENAI_TURN_DETECTION: optional(z.enum(['semantic_vad', 'server_vad'])),
  CALL_PRICES: optional(
    z
      .string()
      .transform((v, ctx) => {
        try {
          return JSON.parse(v) as unknown
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"audioOutput":20}' })
          return z.NEVER
        }
      })
      .pipe(z.object(Object.fromEntries(Object.keys(DEFAULT_PRICES).map((k) => [k, z.number().nonnegative().optional()]))).strict()),
  ),
  SANDBOX: optional(flag),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS)),
  WORKER_ID: optional(
    z
      .string()
      .trim()
      .regex(/^[\w.-]{1,64}$/, 'must be letters, digits, . _ or -'),
  ),
  MAX_CONCURRENT_CALLS: optional(z.coerce.number().int().min(1).max(1000)),
  TWILIO_CALLS_PER_SECOND: optional(z.coerce.number().positive().max(100)),
  // A lease must outlast several heartbeats (one a second), or a busy worker would lose its calls.
  LEASE_SECONDS: optional(z.coerce.number().int().min(3).max(3600)),
  DRAIN_SECONDS: optional(z.coerce.number().int().min(0).max(3600)),
  STORE_SIGNUP: optional(z.enum(STORE_SIGNUP_MODES)),
  ALLOW_PRIVATE_STORE_ADDRESSES: optional(flag),
  TRUST_PROXY: optional(flag),
  STORE_DAILY_CALLS: optional(z.coerce.number().int().min(1).max(1_000_000)),
  NEW_STORE_DAILY_CALLS: optional(z.coerce.number().int().min(0).max(1_000_000)),
  SERVICE_DAILY_CALLS: optional(z.coerce.number().int().min(1).max(10_000_000)),
  SERVICE_DAILY_SPEND_USD: optional(z.coerce.number().positive().max(1_000_000)),
  RETENTION_DAYS: optional(z.coerce.number().int().min(1).max(3650)),
  RECONCILE_SECONDS: optional(z.coerce.number().int().min(10).max(86_400)),
  // At most 60 days (1,440 hours): Shopify shows an app no older orders without read_all_orders.
  RECONCILE_LOOKBACK_HOURS: optional(z.coerce.number().int().min(1).max(1440)),
  // The value is not echoed in the message: it carries the SMTP password.
  SMTP_URL: optional(
    z
      .string()
      .trim()
      .refine(
        (v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol) && new URL(v).hostname !== '',
        'must be a URL such as smtp://user:pass@mail.example.com:587 or smtps://…',
      ),
  ),
  ALERT_FROM: optional(
    z
      .string()
      .trim()
      .regex(
        /^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/,
        'must be an email address such as alerts@example.com or callconfirm <alerts@example.com>',
      ),
  ),
})

/** The credentials without which real calls cannot be placed; any one missing means sandbox. */
const CALLING_CREDENTIALS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER', 'OPENAI_API_KEY'] as const

/**
 * Parses and validates the environment.
 *
 * @example
 * const config = loadConfig(process.env) // throws ConfigError naming each bad variable
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const e = parsed.data
  const missing = CALLING_CREDENTIALS.filter((name) => !e[name])
  const sandbox = e.SANDBOX ?? missing.length > 0
  const port = e.PORT ?? 3000
  const problems: string[] = []

  if (!sandbox) {
    for (const name of missing) problems.push(`${name}: required when SANDBOX=0`)
    if (!e.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required outside sandbox mode (openssl rand -base64 32)')
    if (!e.ADMIN_TOKEN) problems.push('ADMIN_TOKEN: required outside sandbox mode (openssl rand -hex 24)')
    if (!e.PUBLIC_URL?.startsWith('https://')) problems.push('PUBLIC_URL: must be the public https:// origin that Twilio and the stores reach')
  }
  if (e.SMTP_URL && !e.ALERT_FROM) problems.push('ALERT_FROM: required when SMTP_URL is set (the From address of alert email)')
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)

  return {
    port,
    host: e.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${port}`,
    databasePath: e.DATABASE_PATH ?? './data/callconfirm.db',
    adminToken: e.ADMIN_TOKEN,
    encryptionKey: e.ENCRYPTION_KEY,
    sandbox,
    sandboxBecause: sandbox && e.SANDBOX === undefined ? [...missing] : [],
    logLevel: e.LOG_LEVEL ?? 'info',
    calls: {
      workerId: e.WORKER_ID ?? 'main',
      maxConcurrent: e.MAX_CONCURRENT_CALLS ?? 10,
      perSecond: e.TWILIO_CALLS_PER_SECOND ?? 1,
      leaseMs: (e.LEASE_SECONDS ?? 60) * 1000,
    },
    drainMs: (e.DRAIN_SECONDS ?? 300) * 1000,
    shopify: {
      apiKey: e.SHOPIFY_API_KEY,
      apiSecret: e.SHOPIFY_API_SECRET,
      scopes: (e.SHOPIFY_SCOPES ?? DEFAULT_SHOPIFY_SCOPES)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      adminApiOrigin: e.SHOPIFY_ADMIN_API_ORIGIN,
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      fromNumber: e.TWILIO_FROM_NUMBER,
      apiOrigin: e.TWILIO_API_ORIGIN ?? 'https://api.twilio.com',
      whatsappFrom: e.TWILIO_WHATSAPP_FROM,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      realtimeModel: e.OPENAI_REALTIME_MODEL ?? 'gpt-realtime',
      voice: e.OPENAI_VOICE ?? 'marin',
      realtimeUrl: e.OPENAI_REALTIME_URL ?? 'wss://api.openai.com/v1/realtime',
      turnDetection: e.OPENAI_TURN_DETECTION ?? 'semantic_vad',
    },
    prices: { ...DEFAULT_PRICES, ...(e.CALL_PRICES as Partial<CallPrices> | undefined) },
    // The sandbox's own stores live on loopback and connect themselves; live, nobody is trusted by default.
    security: {
      storeSignup: e.STORE_SIGNUP ?? (sandbox ? 'open' : 'invite'),
      allowPrivateStoreAddresses: e.ALLOW_PRIVATE_STORE_ADDRESSES ?? sandbox,
      trustProxy: e.TRUST_PROXY ?? false,
    },
    limits: {
      storeDailyCalls: e.STORE_DAILY_CALLS ?? 500,
      newStoreDailyCalls: e.NEW_STORE_DAILY_CALLS ?? (sandbox ? (e.STORE_DAILY_CALLS ?? 500) : 20),
      serviceDailyCalls: e.SERVICE_DAILY_CALLS ?? 5000,
      serviceDailySpendUsd: e.SERVICE_DAILY_SPEND_USD ?? 250,
    },
    retentionDays: e.RETENTION_DAYS ?? 90,
    alerts: e.SMTP_URL && e.ALERT_FROM ? { smtpUrl: e.SMTP_URL, from: e.ALERT_FROM } : undefined,
    // 72 hours: a weekend's outage is still made good; an order older than that has been seen to by
    // hand, and a call about it would surprise the customer.
    reconcile: { everySeconds: e.RECONCILE_SECONDS ?? 300, lookbackHours: e.RECONCILE_LOOKBACK_HOURS ?? 72 },
  }
}
