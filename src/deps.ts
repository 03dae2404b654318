import type { Context } from 'hono'
import type { VoicePrices } from './calls/pricing.js'
import type { StreamKeys } from './calls/streamKey.js'
import type { TwilioAccount, TwilioClient } from './calls/twilio.js'
import type { Config } from './config.js'
import type { Db } from './db/index.js'
import type { CallPrices } from './domain/callCost.js'
import type { AnswerLinks } from './messages/answerLink.js'
import type { Metrics } from './metrics.js'
import type { SaveOrder } from './orders/intake.js'
import type { SettingsLinks } from './settings/link.js'
import type { ConnectLinks } from './stores/connectLinks.js'
import type { ReadStoreOrder } from './stores/orderState.js'
import type { StoreDefaults } from './stores/records.js'
import type { ShopifyAdmin } from './stores/shopify/adminApi.js'
import type { StoreNetwork } from './stores/storeAddress.js'
import type { Logger } from './utils/log.js'
import type { SecretBox } from './utils/secretBox.js'
import type { CallLedger } from './voice/callLedger.js'
import type { LiveStreams } from './voice/liveStreams.js'
import type { RealtimePool } from './voice/realtimePool.js'

/** A config whose generated secrets (sandbox) are filled in. */
export type ReadyConfig = Config & { adminToken: string; encryptionKey: Uint8Array<ArrayBuffer> }

/** What the HTTP app needs from its runtime; built by service.ts on Node (another runtime's entry builds its own). */
export interface AppDeps {
  config: ReadyConfig
  db: Db
  box: SecretBox
  log: Logger
  /** Durable, idempotent order write (group-committed on Node). */
  saveOrder: SaveOrder
  storeDefaults: StoreDefaults
  now: () => number
  /** The Twilio account calls go out on (service.ts's OutsideServices: configured live, simulated in the sandbox). */
  twilio: { client: TwilioClient; account: TwilioAccount }
  /** Shopify through @shopify/shopify-api: Admin GraphQL, OAuth installs, session tokens. */
  shopify: ShopifyAdmin
  /** Signed links to a store's settings page (WooCommerce merchants, and Shopify's embedded page). */
  settingsLinks: SettingsLinks
  /** Signed, expiring links to one order's answer page, for the SMS sent when WhatsApp cannot reach its customer. */
  answerLinks: AnswerLinks
  /** Signed, expiring invitations to connect a new store (STORE_SIGNUP=invite). */
  connectLinks: ConnectLinks
  /** Requests to stores' own addresses (WooCommerce REST), refused for addresses a store may not be on. */
  storeNetwork: StoreNetwork
  /** Who sent a request, for per-address limits: the socket's peer, or the proxy's last hop with TRUST_PROXY. */
  clientAddress: (c: Context) => string | undefined
  /** Reads an order back from its store just before its customer is called. */
  readStoreOrder: ReadStoreOrder
  /** Tells the scheduler a call may be due now (an order was just queued). */
  wakeScheduler: () => void
  /** Tells the store writer a write may be due now (one was queued again by hand). */
  wakeStoreWriter: () => void
  /** Prices for the cost estimate (config.prices). */
  prices: CallPrices
  /** What a minute of voice to a destination costs: Twilio's Pricing API, cached (calls/pricing.ts). */
  voicePrices: VoicePrices
  /** Realtime sessions opened while phones ring, for the agents of the calls this service bridges. */
  realtimePool: RealtimePool
  /** Opens a ringing call's agent session where its stream will be bridged (Twilio's `ringing` callback). */
  prewarmAgent: (attemptId: string) => void
  /** What the bridges of this service's calls read and write (the database). */
  callLedger: CallLedger
  /** Names each call in its media-stream URL. */
  streamKeys: StreamKeys
  /** What `GET /metrics` shows Prometheus (this service's own registry). */
  metrics: Metrics
  /** The media streams this process bridges, until each has written its call's end (the drain waits for them). */
  liveStreams: LiveStreams
  /** The process is draining (SIGTERM): it finishes its calls and takes no new work, and `/healthz` says so. */
  draining: () => boolean
}
