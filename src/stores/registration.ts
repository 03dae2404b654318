import { and, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { orders, stores } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { changeSettings, isPlainObject, mergeSettings } from '../domain/settings.js'
import { firstProblem } from '../domain/validation.js'
import { ApiError } from '../utils/errors.js'
import { newId } from '../utils/ids.js'
import type { PlatformName, StoreCredentials } from './platform.js'
import { PLATFORMS, platformOf } from './platforms.js'
import {
  findStore,
  findStoreByDomain,
  READ_ONLY_STORE_FIELDS,
  type Store,
  sealCredentials,
  sealWebhookSecret,
  settingsDefaultsFor,
  storeWebhookSecret,
  toStore,
  webhookUrl,
} from './records.js'

const [firstSchema, ...otherSchemas] = Object.values(PLATFORMS).map((p) => p.registration.schema)

/** `POST /api/stores`: each platform's own fields, told apart by `platform`. */
const registrationSchema = z.discriminatedUnion('platform', [firstSchema!, ...otherSchemas], {
  error: () =>
    `must be ${Object.keys(PLATFORMS)
      .map((name) => `"${name}"`)
      .join(' or ')}`,
})

/** The store country assumed when registration does not name one: our first market. */
export const DEFAULT_STORE_COUNTRY = 'AL'

/** What reading and changing a store's row takes: the database, the defaults its settings fall back on, the clock. */
export type StoreRowDeps = Pick<AppDeps, 'db' | 'storeDefaults' | 'now'>
/** What saving a store takes: its row, and the box its credentials and webhook secret are sealed with. */
type SaveStoreDeps = StoreRowDeps & Pick<AppDeps, 'box'>
/** What installing a store through its platform's own flow takes: saving it, and the config that says how it is admitted. */
export type InstallDeps = SaveStoreDeps & Pick<AppDeps, 'config'>
/** What registering a store by hand takes: an install's, and the network its address is checked against. */
export type RegistrationDeps = InstallDeps & Pick<AppDeps, 'storeNetwork'>
/** What the operator's controls take: the store's row, and waking the scheduler for the orders a new daily limit lets through. */
export type StoreControlDeps = StoreRowDeps & Pick<AppDeps, 'wakeScheduler'>

export interface RegistrationResult {
  store: Store
  created: boolean
  webhook: Record<string, unknown>
}

/**
 * Registers a store by hand (or updates the one already registered for that domain: new
 * credentials, re-enabled after an uninstall) and says how to point its webhooks at us.
 */
export async function registerStore(deps: RegistrationDeps, body: unknown): Promise<RegistrationResult> {
  const parsed = registrationSchema.safeParse(body)
  if (!parsed.success) {
    const { field, message } = firstProblem(parsed.error)
    throw new ApiError(400, 'invalid_field', message, field)
  }
  const input = parsed.data
  const { platform, domain } = input
  const rules = platformOf(input).registration
  await rules.checkAddress(input, deps.storeNetwork)
  const existing = await findStoreByDomain(deps.db, platform, domain, deps.storeDefaults)
  const webhookSecret = rules.webhookSecret(input.webhookSecret, existing && (await storeWebhookSecret(existing, deps.box)), deps.config)
  const storeCountry = input.country ?? existing?.country ?? DEFAULT_STORE_COUNTRY
  const defaults = settingsDefaultsFor({ platform, domain, country: storeCountry }, deps.storeDefaults)
  const { enabled = true, ...change } = input.settings ?? {}
  const overrides = mergeSettings(existing?.row.settings ?? {}, change)
  const checked = changeSettings(defaults, { ...overrides, enabled })
  if (!checked.ok) throw new ApiError(400, 'invalid_field', checked.message, `settings.${checked.field}`)

  const { store, created } = await saveStore(deps, existing, {
    platform,
    domain,
    country: storeCountry,
    disabledReason: checked.settings.enabled ? null : 'merchant',
    credentials: input.credentials,
    webhookSecret,
    settings: overrides,
    // The operator registered it: their word is the approval, and the service's default limit applies.
    admission: { approvedAt: deps.now(), dailyCallLimit: null },
  })
  // The secret the store holds now (a registration racing this one may have set it first).
  const secret = await storeWebhookSecret(store, deps.box)
  return { store, created, webhook: rules.webhookInstructions(webhookUrl(deps.config.publicUrl, store), secret) }
}

interface StoreValues {
  platform: PlatformName
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
 * STORE_SIGNUP=approve wants the operator's. Installs from a platform that vouches for its
 * stores are approved (Shopify vouches for the shop; STORE_SIGNUP governs WooCommerce connects).
 */
export function selfServeAdmission(config: AppDeps['config'], platform: PlatformName, now: number): Admission {
  const awaitsOperator = !PLATFORMS[platform].vouchesForInstalls && config.security.storeSignup === 'approve'
  return { approvedAt: awaitsOperator ? null : now, dailyCallLimit: config.limits.newStoreDailyCalls }
}

/** Creates the store for its (platform, domain), or updates the one there, keeping its id. */
async function saveStore(deps: SaveStoreDeps, existing: Store | undefined, v: StoreValues): Promise<{ store: Store; created: boolean }> {
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
  await deps.db
    .update(stores)
    .set(await values(store.id, store, !existing))
    .where(eq(stores.id, store.id))
  return { store: (await findStore(deps.db, store.id, deps.storeDefaults))!, created: false }
}

export interface Installation {
  platform: PlatformName
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
export async function installStore(deps: InstallDeps, install: Installation): Promise<{ store: Store; created: boolean }> {
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

/**
 * Changes a store's settings (`PATCH /api/stores/:id`). Only the fields the merchant sends
 * change; the stored overrides keep later defaults flowing to everything not overridden.
 */
export async function updateStoreSettings(deps: StoreRowDeps, id: string, change: unknown): Promise<Store> {
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
export async function updateStoreControls(deps: StoreControlDeps, id: string, controls: StoreControls): Promise<Store> {
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
