import { and, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { AppDeps } from '../deps.js'
import { orders, stores } from '../db/schema.js'
import { changeSettings, countryCode, isPlainObject, mergeSettings } from '../domain/settings.js'
import { firstProblem } from '../domain/validation.js'
import { ApiError } from '../utils/errors.js'
import { newAlphanumericSecret, newId } from '../utils/ids.js'
import { StoreAddressRefused, type StoreNetwork } from './storeAddress.js'
import {
  READ_ONLY_STORE_FIELDS,
  findStore,
  findStoreByDomain,
  sealCredentials,
  sealWebhookSecret,
  settingsDefaultsFor,
  storeWebhookSecret,
  toStore,
  webhookUrl,
  type Store,
  type StoreCredentials,
  type StoreDefaults,
} from './records.js'

// Plain http only to this machine (the simulators); anywhere else the keys would travel in clear.
export const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

const shopDomain = z
  .string()
  .trim()
  .transform((d) => d.toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, ''))
  .refine((d) => /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(d), 'must be the store\'s myshopify.com domain, e.g. arbeni-shop.myshopify.com')

const secretText = (what: string) => z.string().trim().min(8, `${what} looks too short`).max(500)

const registrationSchema = z.discriminatedUnion(
  'platform',
  [
    z
      .object({
        platform: z.literal('shopify'),
        shopDomain,
        accessToken: secretText('accessToken'),
        webhookSecret: secretText('webhookSecret').optional(),
        country: countryCode.optional(),
        settings: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    z
      .object({
        platform: z.literal('woocommerce'),
        siteUrl: z.string().trim().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be the store\'s URL, e.g. https://dyqani.al'),
        consumerKey: z.string().trim().regex(/^ck_[A-Za-z0-9]{8,}$/, 'must be a WooCommerce consumer key (starts with ck_)'),
        consumerSecret: z.string().trim().regex(/^cs_[A-Za-z0-9]{8,}$/, 'must be a WooCommerce consumer secret (starts with cs_)'),
        webhookSecret: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9]{16,200}$/, 'must be 16 or more letters and digits (WooCommerce HTML-decodes other characters)')
          .optional(),
        country: countryCode.optional(),
        settings: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  ],
  { error: () => 'must be "shopify" or "woocommerce"' },
)

type Registration = z.infer<typeof registrationSchema>

/** The store country assumed when registration does not name one: our first market. */
export const DEFAULT_STORE_COUNTRY = 'AL'

/** `https://Dyqani.al/shop/` → `https://dyqani.al/shop`: one spelling per site. */
export function normaliseSiteUrl(url: string): string {
  const u = new URL(url)
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`
}

/**
 * A WooCommerce store's address as a merchant types it (`dyqani.al`, `https://Dyqani.al/shop/`),
 * as the one spelling we keep, or what is wrong with it. https only, but for this machine's own
 * simulators: the keys travel in every request.
 */
export function wooSiteUrl(given: string): { ok: true; siteUrl: string } | { ok: false; problem: string } {
  const trimmed = given.trim()
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  if (!trimmed || !URL.canParse(withScheme)) return { ok: false, problem: 'not a store address, such as https://dyqani.al' }
  const siteUrl = normaliseSiteUrl(withScheme)
  const { protocol, hostname } = new URL(siteUrl)
  if (protocol !== 'https:' && !LOOPBACK.test(hostname)) return { ok: false, problem: 'the store must use https: WooCommerce sends the API keys only over https, and they travel in every request' }
  return { ok: true, siteUrl }
}

export interface RegistrationResult {
  store: Store
  created: boolean
  webhook: Record<string, unknown>
}

/**
 * Registers a store by hand (or updates the one already registered for that domain: new
 * credentials, re-enabled after an uninstall) and says how to point its webhooks at us.
 */
export async function registerStore(deps: AppDeps, body: unknown): Promise<RegistrationResult> {
  const parsed = registrationSchema.safeParse(body)
  if (!parsed.success) {
    const { field, message } = firstProblem(parsed.error)
    throw new ApiError(400, 'invalid_field', message, field)
  }
  const input = parsed.data
  const domain = input.platform === 'shopify' ? input.shopDomain : normaliseSiteUrl(input.siteUrl)
  if (input.platform === 'woocommerce') {
    const { protocol, hostname } = new URL(domain)
    if (protocol !== 'https:' && !LOOPBACK.test(hostname))
      throw new ApiError(400, 'invalid_field', 'must be https: WooCommerce API keys travel in every request', 'siteUrl')
    const refusal = await storeAddressRefusal(deps.storeNetwork, domain)
    if (refusal) throw new ApiError(400, 'invalid_field', `must be a store on the internet: ${refusal}`, 'siteUrl')
  }
  const existing = await findStoreByDomain(deps.db, input.platform, domain, deps.storeDefaults)
  if (input.platform === 'shopify' && !input.webhookSecret && !existing?.row.webhookSecret && !deps.config.shopify.apiSecret)
    throw new ApiError(
      400,
      'invalid_field',
      "required: the custom app's API secret key, which signs its webhooks (or set SHOPIFY_API_SECRET)",
      'webhookSecret',
    )
  const storeCountry = input.country ?? existing?.country ?? DEFAULT_STORE_COUNTRY
  const defaults = settingsDefaultsFor({ platform: input.platform, domain, country: storeCountry }, deps.storeDefaults)
  const { enabled = true, ...change } = input.settings ?? {}
  const overrides = mergeSettings(existing?.row.settings ?? {}, change)
  const checked = changeSettings(defaults, { ...overrides, enabled })
  if (!checked.ok) throw new ApiError(400, 'invalid_field', checked.message, `settings.${checked.field}`)

  const credentials: StoreCredentials =
    input.platform === 'shopify'
      ? { platform: 'shopify', accessToken: input.accessToken }
      : { platform: 'woocommerce', consumerKey: input.consumerKey, consumerSecret: input.consumerSecret }
  const wooSecret =
    input.platform === 'woocommerce'
      ? (input.webhookSecret ?? (existing && (await storeWebhookSecret(existing, deps.box))) ?? newAlphanumericSecret())
      : undefined
  const webhookSecret = input.platform === 'shopify' ? input.webhookSecret : wooSecret
  const { store, created } = await saveStore(deps, existing, {
    platform: input.platform,
    domain,
    country: storeCountry,
    disabledReason: checked.settings.enabled ? null : 'merchant',
    credentials,
    webhookSecret,
    settings: overrides,
    // The operator registered it: their word is the approval, and the service's default limit applies.
    admission: { approvedAt: deps.now(), dailyCallLimit: null },
  })
  // The secret the store holds now (a registration racing this one may have set it first).
  const secret = input.platform === 'woocommerce' ? await storeWebhookSecret(store, deps.box) : undefined
  return { store, created, webhook: webhookInstructions(deps, store, input, secret) }
}

interface StoreValues {
  platform: Store['platform']
  domain: string
  country: string
  /** Null: calls are on. */
  disabledReason: string | null
  credentials: StoreCredentials
  /** Undefined keeps the one stored (or none). */
  webhookSecret: string | undefined
  settings: Record<string, unknown>
  /** For a store made now: whether it may call yet, and its own daily limit (null: the default). Kept for a store already there. */
  admission: Admission
}

export interface Admission {
  approvedAt: number | null
  dailyCallLimit: number | null
}

/**
 * What a store that connected itself starts with: the low daily limit of a store nobody vouched
 * for yet (NEW_STORE_DAILY_CALLS, raised by the operator), and approval at once unless
 * STORE_SIGNUP=approve wants the operator's. Shopify installs are approved: Shopify vouches for
 * the shop (and STORE_SIGNUP governs WooCommerce connects only).
 */
export function selfServeAdmission(config: AppDeps['config'], platform: Store['platform'], now: number): Admission {
  const awaitsOperator = platform === 'woocommerce' && config.security.storeSignup === 'approve'
  return { approvedAt: awaitsOperator ? null : now, dailyCallLimit: config.limits.newStoreDailyCalls }
}

/**
 * Why requests may not go to the store at `siteUrl` (storeAddress.ts), or undefined. A name that
 * does not resolve (yet) is not refused here: every request to it is checked again when it is made.
 */
export async function storeAddressRefusal(network: StoreNetwork, siteUrl: string): Promise<string | undefined> {
  try {
    await network.check(new URL(siteUrl))
    return undefined
  } catch (error) {
    if (error instanceof StoreAddressRefused) return error.message
    return undefined
  }
}

/** Creates the store for its (platform, domain), or updates the one there, keeping its id. */
async function saveStore(deps: AppDeps, existing: Store | undefined, v: StoreValues): Promise<{ store: Store; created: boolean }> {
  const now = deps.now()
  // Secrets are sealed with the store's id as associated data, so they are sealed for the row they go in.
  const values = async (id: string, current: Store | undefined, keepSecret: boolean) => ({
    country: v.country,
    enabled: v.disabledReason === null,
    disabledReason: v.disabledReason,
    credentials: await sealCredentials(deps.box, id, v.credentials),
    webhookSecret:
      v.webhookSecret && !(keepSecret && current?.row.webhookSecret)
        ? await sealWebhookSecret(deps.box, id, v.webhookSecret)
        : (current?.row.webhookSecret ?? null),
    settings: v.settings,
    updatedAt: now,
  })
  let store = existing
  if (!store) {
    const id = newId('st')
    const inserted = await deps.db
      .insert(stores)
      .values({ id, platform: v.platform, domain: v.domain, createdAt: now, ...v.admission, ...(await values(id, undefined, false)) })
      .onConflictDoNothing()
      .returning({ id: stores.id })
    if (inserted.length) return { store: (await findStore(deps.db, id, deps.storeDefaults))!, created: true }
    // Registered a moment ago by another request: that row is the store, and the webhook secret
    // it already handed out stays.
    store = (await findStoreByDomain(deps.db, v.platform, v.domain, deps.storeDefaults))!
  }
  await deps.db.update(stores).set(await values(store.id, store, !existing)).where(eq(stores.id, store.id))
  return { store: (await findStore(deps.db, store.id, deps.storeDefaults))!, created: false }
}

export interface Installation {
  platform: Store['platform']
  domain: string
  credentials: StoreCredentials
  /** The secret the store signs webhooks with; undefined for Shopify apps (SHOPIFY_API_SECRET signs). */
  webhookSecret?: string
  /** What the store says about itself, used only when it is first installed. */
  country?: string
  settings?: Record<string, unknown>
}

/**
 * Saves a store installed through the platform's own flow (Shopify OAuth, WooCommerce connect).
 * Installing again (after an uninstall, or to grant new scopes) keeps its id, settings, approval
 * and daily limit and turns calling back on, unless the merchant had paused it. A new store starts
 * as `selfServeAdmission` says.
 */
export async function installStore(deps: AppDeps, install: Installation): Promise<{ store: Store; created: boolean }> {
  const existing = await findStoreByDomain(deps.db, install.platform, install.domain, deps.storeDefaults)
  const country = existing?.country ?? install.country ?? DEFAULT_STORE_COUNTRY
  return saveStore(deps, existing, {
    platform: install.platform,
    domain: install.domain,
    country,
    disabledReason: existing?.disabledReason === 'merchant' ? 'merchant' : null,
    credentials: install.credentials,
    webhookSecret: install.webhookSecret,
    settings: existing ? existing.row.settings : (install.settings ?? {}),
    admission: selfServeAdmission(deps.config, install.platform, deps.now()),
  })
}

function webhookInstructions(deps: AppDeps, store: Store, input: Registration, wooSecret: string | undefined) {
  const url = webhookUrl(deps.config.publicUrl, store)
  if (input.platform === 'shopify')
    return {
      url,
      topics: ['orders/create', 'app/uninstalled'],
      format: 'json',
      signedWith: input.webhookSecret || store.row.webhookSecret ? 'the webhook secret registered for this store' : 'SHOPIFY_API_SECRET',
    }
  return { url, topic: 'order.created', apiVersion: 'WP REST API Integration v3', secret: wooSecret }
}

/**
 * Changes a store's settings (`PATCH /api/stores/:id`). Only the fields the merchant sends
 * change; the stored overrides keep later defaults flowing to everything not overridden.
 */
export async function updateStoreSettings(deps: AppDeps, id: string, change: unknown): Promise<Store> {
  const store = await findStore(deps.db, id, deps.storeDefaults)
  if (!store) throw new ApiError(404, 'store_not_found', `no store with id ${id}`)
  if (!isPlainObject(change)) throw new ApiError(400, 'invalid_body', 'the body must be a JSON object of settings')
  const readOnly = READ_ONLY_STORE_FIELDS.find((f) => f in change)
  if (readOnly) throw new ApiError(400, 'read_only_field', 'this field cannot be changed', readOnly)

  const checked = changeSettings(store.settings, change)
  if (!checked.ok) throw new ApiError(400, 'invalid_field', checked.message, checked.field)
  // `enabled` lives in its own column (the scheduler filters on it); the rest are overrides.
  const { enabled, ...settingsChange } = change
  const updates: Partial<typeof stores.$inferInsert> = {
    settings: mergeSettings(store.row.settings, settingsChange),
    updatedAt: deps.now(),
  }
  if (enabled !== undefined) {
    updates.enabled = checked.settings.enabled
    updates.disabledReason = checked.settings.enabled ? null : 'merchant'
  }
  await deps.db.update(stores).set(updates).where(eq(stores.id, id))
  return toStore({ ...store.row, ...updates } as typeof store.row, deps.storeDefaults)
}

/** Raises the store's link version: every settings link and merchant session made before stops working. */
export async function revokeSettingsLinks(db: AppDeps['db'], storeId: string, now: number): Promise<number> {
  const [row] = await db
    .update(stores)
    .set({ linkVersion: sql`${stores.linkVersion} + 1`, updatedAt: now })
    .where(eq(stores.id, storeId))
    .returning({ linkVersion: stores.linkVersion })
  return row!.linkVersion
}

/** The operator's controls over a store, apart from its settings (which are the merchant's). */
const storeControlsSchema = z
  .object({
    /** true: the store may place calls (STORE_SIGNUP=approve); false: it waits for approval again. */
    approved: z.boolean(),
    /** Calls a day for this store; null: the service's STORE_DAILY_CALLS. */
    dailyCallLimit: z.number().int().min(1).max(1_000_000).nullable(),
  })
  .partial()
  .strict()

export type StoreControls = z.infer<typeof storeControlsSchema>

const STORE_CONTROL_FIELDS: readonly string[] = Object.keys(storeControlsSchema.shape)

/**
 * A `PATCH /api/stores/:id` body split into the operator's controls (checked here, ApiError 400
 * if wrong) and the merchant's settings (checked by updateStoreSettings); undefined for a part
 * the body does not touch. A body that is not an object is left to updateStoreSettings to refuse.
 */
export function splitStoreChange(body: unknown): { controls?: StoreControls; settings?: unknown } {
  if (!isPlainObject(body)) return { settings: body }
  const entries = Object.entries(body)
  const controls = entries.filter(([k]) => STORE_CONTROL_FIELDS.includes(k))
  const settings = entries.filter(([k]) => !STORE_CONTROL_FIELDS.includes(k))
  let checked: StoreControls | undefined
  if (controls.length) {
    const parsed = storeControlsSchema.safeParse(Object.fromEntries(controls))
    if (!parsed.success) {
      const { field, message } = firstProblem(parsed.error)
      throw new ApiError(400, 'invalid_field', message, field)
    }
    checked = parsed.data
  }
  return { controls: checked, settings: settings.length || !controls.length ? Object.fromEntries(settings) : undefined }
}

/**
 * Changes the operator's controls over a store: approval and its daily call limit. Only the
 * operator's routes call this; the settings page cannot reach these fields (they are read-only
 * to updateStoreSettings).
 */
export async function updateStoreControls(deps: AppDeps, id: string, controls: StoreControls): Promise<Store> {
  const store = await findStore(deps.db, id, deps.storeDefaults)
  if (!store) throw new ApiError(404, 'store_not_found', `no store with id ${id}`)
  const { approved, dailyCallLimit } = controls
  const updates: Partial<typeof stores.$inferInsert> = { updatedAt: deps.now() }
  // Approving an approved store keeps when it was first approved.
  if (approved !== undefined) updates.approvedAt = approved ? (store.row.approvedAt ?? deps.now()) : null
  if (dailyCallLimit !== undefined) updates.dailyCallLimit = dailyCallLimit
  await deps.db.update(stores).set(updates).where(eq(stores.id, id))
  if (dailyCallLimit !== undefined) {
    // Orders held for tomorrow by the old limit are due again now; the dial decision checks the new one.
    await deps.db
      .update(orders)
      .set({ nextCallAt: deps.now(), updatedAt: deps.now() })
      .where(and(eq(orders.storeId, id), eq(orders.status, 'queued'), eq(orders.waitReason, 'store_daily_limit')))
      .run()
    deps.wakeScheduler()
  }
  return toStore({ ...store.row, ...updates } as typeof store.row, deps.storeDefaults)
}
