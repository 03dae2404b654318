import { z } from 'zod'
import type { Config } from '../config.js'
import type { PLATFORM_NAMES } from '../db/schema.js'
import type { OrderInStore } from '../domain/callOutcome.js'
import type { IncomingOrder } from '../domain/order.js'
import { countryCode, type StoreSettings } from '../domain/settings.js'
import type { WriteBackPlan } from '../domain/writeBack.js'
import type { Logger } from '../utils/log.js'
import type { ShopifyAdmin } from './shopify/adminApi.js'
import type { ShopifyCredentials } from './shopify/credentials.js'
import type { StoreNetwork } from './storeAddress.js'
import type { WooCredentials } from './woocommerce/restApi.js'

/**
 * The seam between callconfirm and the stores it serves: everything that differs between
 * Shopify and WooCommerce is one member of `StorePlatform`, implemented once in
 * `shopify/platform.ts` and once in `woocommerce/platform.ts`. Their registry, which picks the
 * one a store runs on, is `platforms.ts`: it imports the adapters, and the adapters import this
 * file (the interface, and SHARED_REGISTRATION_FIELDS at load time), so a registry here would be
 * an import cycle, which the dependency rules in biome.jsonc refuse. No other module asks which
 * platform a store runs on.
 */

/** The platforms a store can run on, as `stores.platform` holds them: `'shopify' | 'woocommerce'`. */
export type PlatformName = (typeof PLATFORM_NAMES)[number]

/** A store's credentials, in its own platform's shape (sealed at rest, see records.ts). */
export type StoreCredentials = ShopifyCredentials | WooCredentials

/** What an adapter is told of a store (records.ts `Store` is one). */
export interface PlatformStore {
  id: string
  domain: string
  settings: StoreSettings
}

/** The clients stores are reached with: Shopify's Admin API, and the guarded network to stores' own addresses. */
export interface PlatformClients {
  shopify: ShopifyAdmin
  storeNetwork: StoreNetwork
}

/** One store, as every adapter call that reaches it is handed it: the clients, the store, and its credentials, opened. */
export interface StoreContext {
  clients: PlatformClients
  store: PlatformStore
  credentials: StoreCredentials
}

/**
 * What the store says about an order just before we call its customer: one of the states the
 * domain decides on (domain/callOutcome.ts OrderInStore, which says what each means), and why, for
 * a store that could not be reached.
 */
export type StoreOrderState = { state: Exclude<OrderInStore, 'unreachable'> } | { state: 'unreachable'; reason: string }

/** One page of a store's orders, as reconciliation reads them from the store. */
export interface OrdersPage {
  /** The orders, oldest first, as intake takes them. */
  orders: IncomingOrder[]
  /** What was wrong with each order on the page that could not be read (never its contents): it is left out. */
  unreadable: string[]
}

/** Where a store's webhooks should reach us, and the secret they are signed with (undefined: the service's app secret). */
export interface WebhookTarget {
  url: string
  secret: string | undefined
}

/** Credentials that run out, and how they are renewed before they do (Shopify's expiring offline tokens). */
export interface CredentialRenewal {
  /** Whether these credentials must be renewed before they are used. */
  due(credentials: StoreCredentials, now: number): boolean
  /** Fresh credentials, or undefined to go on with the ones in hand (they cannot be renewed, or the platform refused). */
  renew(ctx: RenewalContext): Promise<StoreCredentials | undefined>
}

/**
 * What renewing is handed: the store and its credentials, as in StoreContext, with a log and the
 * clock. Renewing asks the platform itself, never the store's own address, so no store network.
 */
export interface RenewalContext {
  clients: Pick<PlatformClients, 'shopify'>
  store: PlatformStore
  credentials: StoreCredentials
  log: Logger
  now: () => number
}

/** A store registered by hand (`POST /api/stores`), read from its platform's own fields. */
export interface StoreRegistration {
  platform: PlatformName
  /** The one spelling we keep: `shop.myshopify.com`, or the site URL without a trailing slash. */
  domain: string
  credentials: StoreCredentials
  /** The secret the merchant says signs the store's webhooks, if they gave one. */
  webhookSecret: string | undefined
  country: string | undefined
  settings: Record<string, unknown> | undefined
}

/** The fields every platform's registration takes after its own. */
export const SHARED_REGISTRATION_FIELDS = {
  country: countryCode.optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
}

/** What registration rules may consult of the service's config: whether it has its own Shopify app secret. */
export type RegistrationConfig = { shopify: Pick<Config['shopify'], 'apiSecret'> }

/** How a store of this platform is registered by hand, and told to send us its webhooks. */
export interface RegistrationRules {
  /** The body's fields for this platform (`platform` the discriminator), read into a registration. */
  schema: z.ZodType<StoreRegistration> & z.core.$ZodTypeDiscriminable
  /** Throws a 400 ApiError naming the field when the store's address may not be reached (http, a private network). */
  checkAddress(registration: StoreRegistration, network: StoreNetwork): Promise<void>
  /**
   * The secret to keep for the store's webhooks (undefined: the stored one, or none), from the
   * one given and the one stored; throws a 400 ApiError when deliveries could not be verified.
   */
  webhookSecret(given: string | undefined, stored: string | undefined, config: RegistrationConfig): string | undefined
  /** What the merchant is told once the store is saved: where its webhooks go, and `secret`, the one it now signs with. */
  webhookInstructions(url: string, secret: string | undefined): Record<string, unknown>
}

/** The settings a platform acts on: the settings page shows and takes back only these. */
export interface PlatformSettingsFields {
  /** Whether the order carries our call tags (`settings.tags`). */
  tags: boolean
  /** The `settings.actions` the platform carries out after a call. */
  actions: ReadonlyArray<keyof StoreSettings['actions']>
}

/** One store platform: how its stores are named, registered, reached, read back and written to. */
export interface StorePlatform {
  readonly name: PlatformName
  /** What people call it: "Shopify". */
  readonly label: string
  /** What the store view (`GET /api/stores/:id`) calls the store's domain. */
  readonly domainField: 'shopDomain' | 'siteUrl'
  readonly settingsFields: PlatformSettingsFields
  /** True when the platform vouches for the stores that install us (STORE_SIGNUP=approve does not hold them back). */
  readonly vouchesForInstalls: boolean
  /** The merchant opens our pages inside the platform's admin (Shopify's, through App Bridge), so they may be framed there. */
  readonly embeddedInAdmin: boolean
  readonly registration: RegistrationRules
  /** Absent where credentials never run out. */
  readonly renewal?: CredentialRenewal

  /** A readable company name until the merchant sets one. */
  defaultCompanyName(domain: string): string
  /** Where the store's webhooks are delivered. */
  webhookUrl(publicUrl: string, storeId: string): string
  /** The order's page in the store's own admin, where the merchant ships or edits it. */
  orderAdminUrl(domain: string, platformOrderId: string): string
  /** Reads an order from the store just before its customer is called. */
  readOrder(ctx: StoreContext, platformOrderId: string): Promise<StoreOrderState>
  /** Brings the store's order to what the plan says; safe to repeat. Throws WriteBackError. */
  writeOrder(ctx: StoreContext, platformOrderId: string, plan: WriteBackPlan): Promise<void>
  /**
   * The store's orders created at or after `since` (Unix ms), page by page, oldest first, leaving
   * out drafts the customer has not placed. Throws what the platform's client throws.
   */
  ordersCreatedSince(ctx: StoreContext, since: number): AsyncIterable<OrdersPage>
  /**
   * Makes sure the store still sends its new orders to `target`, putting right what it can: what
   * was put right, in words for the merchant, or undefined when nothing needed it.
   */
  repairWebhooks(ctx: StoreContext, target: WebhookTarget): Promise<string | undefined>
  /** Why the platform's stores would refuse to deliver webhooks to PUBLIC_URL, if they would (absent: they never do). */
  deliveryUrlProblem?(publicUrl: string): string | undefined
}
