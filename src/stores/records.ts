import { and, eq, sql } from 'drizzle-orm'
import { type Db, perDb } from '../db/index.js'
import { stores } from '../db/schema.js'
import { memoize } from '../domain/memo.js'
import { defaultSettings, readSettings, type StoreSettings } from '../domain/settings.js'
import type { SecretBox } from '../utils/secretBox.js'
import type { PlatformName, StoreCredentials } from './platform.js'
import { platformOf } from './platforms.js'

export type StoreRow = typeof stores.$inferSelect

/** A store as the rest of the code sees it: settings complete, secrets still sealed. */
export interface Store {
  id: string
  platform: PlatformName
  domain: string
  country: string
  disabledReason: string | null
  settings: StoreSettings
  /** Settings links carry it; the operator raises it to revoke them all. */
  linkVersion: number
  row: StoreRow
}

export interface StoreDefaults {
  /** The voice a new store starts with (OPENAI_VOICE). */
  voice: string
}

/** The settings a store has before the merchant changes any. */
export function settingsDefaultsFor(row: Pick<StoreRow, 'platform' | 'domain' | 'country'>, defaults: StoreDefaults) {
  return defaultSettings({
    country: row.country,
    // A readable name until the merchant sets one: `arbeni-shop.myshopify.com` → "Arbeni Shop".
    companyName: platformOf(row).defaultCompanyName(row.domain),
    voice: defaults.voice,
  })
}

// Settings are validated whole on every read (rules may have tightened since they were saved);
// that is costly per webhook, so the result is remembered per distinct stored content — a key
// that changes with every write, so it is never stale, whichever process wrote.
const settingsOf = memoize((key: string) => {
  const [platform, domain, country, voice, stored] = JSON.parse(key) as [PlatformName, string, string, string, unknown]
  return readSettings(stored, settingsDefaultsFor({ platform, domain, country }, { voice }))
})

export function toStore(row: StoreRow, defaults: StoreDefaults): Store {
  const key = JSON.stringify([row.platform, row.domain, row.country, defaults.voice, row.settings])
  const settings = { ...settingsOf(key), enabled: row.enabled }
  return {
    id: row.id,
    platform: row.platform,
    domain: row.domain,
    country: row.country,
    disabledReason: row.disabledReason,
    settings,
    linkVersion: row.linkVersion,
    row,
  }
}

const statements = perDb((db) => ({
  byId: db
    .select()
    .from(stores)
    .where(eq(stores.id, sql.placeholder('id')))
    .prepare(),
  byDomain: db
    .select()
    .from(stores)
    .where(and(eq(stores.platform, sql.placeholder('platform')), eq(stores.domain, sql.placeholder('domain'))))
    .prepare(),
}))

export async function findStore(db: Db, id: string, defaults: StoreDefaults): Promise<Store | undefined> {
  const row = await statements(db).byId.get({ id })
  return row && toStore(row, defaults)
}

export async function findStoreByDomain(db: Db, platform: PlatformName, domain: string, defaults: StoreDefaults): Promise<Store | undefined> {
  const row = await statements(db).byDomain.get({ platform, domain })
  return row && toStore(row, defaults)
}

/** The secret that signs this store's webhooks, if it has its own. */
export async function storeWebhookSecret(store: Store, box: SecretBox): Promise<string | undefined> {
  return store.row.webhookSecret ? box.open(store.row.webhookSecret, `${store.id}:webhook`) : undefined
}

export async function storeCredentials(store: Store, box: SecretBox): Promise<StoreCredentials | undefined> {
  return store.row.credentials ? (JSON.parse(await box.open(store.row.credentials, `${store.id}:credentials`)) as StoreCredentials) : undefined
}

export const sealCredentials = (box: SecretBox, storeId: string, credentials: StoreCredentials) =>
  box.seal(JSON.stringify(credentials), `${storeId}:credentials`)

export const sealWebhookSecret = (box: SecretBox, storeId: string, secret: string) => box.seal(secret, `${storeId}:webhook`)

/** The URL a merchant pastes into the store so its webhooks reach us. */
export function webhookUrl(publicUrl: string, store: Pick<Store, 'id' | 'platform'>): string {
  return platformOf(store).webhookUrl(publicUrl, store.id)
}

/** The calls a day a store may place: the operator's number for it, or the service's default (STORE_DAILY_CALLS). */
export function storeDailyCallLimit(row: Pick<StoreRow, 'dailyCallLimit'>, serviceDefault: number): number {
  return row.dailyCallLimit ?? serviceDefault
}

/** A time the store row holds, as the API shows times: ISO 8601, or null when there is none. */
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/**
 * The store as `GET /api/stores/:id` shows it: metadata and settings, never a secret.
 * `approved` and `dailyCallLimit` are the operator's (PATCH takes them from the operator only);
 * `dailyCallLimitIsDefault` says the limit is the service's STORE_DAILY_CALLS, not the store's own.
 * `reconciledAt` is how far the store has been asked for orders no webhook brought;
 * `webhooksRepairedAt` and `webhooksRepair` when its webhooks last needed putting right, and what was done.
 */
export function storeView(store: Store, options: { publicUrl: string; storeDailyCalls: number }) {
  const publicUrl = options.publicUrl
  return {
    id: store.id,
    platform: store.platform,
    [platformOf(store).domainField]: store.domain,
    country: store.country,
    webhookUrl: webhookUrl(publicUrl, store),
    disabledReason: store.disabledReason,
    hasCredentials: store.row.credentials !== null,
    approved: store.row.approvedAt !== null,
    dailyCallLimit: storeDailyCallLimit(store.row, options.storeDailyCalls),
    dailyCallLimitIsDefault: store.row.dailyCallLimit === null,
    createdAt: new Date(store.row.createdAt).toISOString(),
    updatedAt: new Date(store.row.updatedAt).toISOString(),
    reconciledAt: isoOrNull(store.row.reconciledAt),
    webhooksRepairedAt: isoOrNull(store.row.webhooksRepairedAt),
    webhooksRepair: store.row.webhooksRepair,
    ...store.settings,
  }
}

/** Fields of the store view that are not settings and cannot be changed with PATCH. */
export const READ_ONLY_STORE_FIELDS = [
  'id',
  'platform',
  'shopDomain',
  'siteUrl',
  'country',
  'webhookUrl',
  'disabledReason',
  'hasCredentials',
  'approved',
  'dailyCallLimit',
  'dailyCallLimitIsDefault',
  'createdAt',
  'updatedAt',
  'reconciledAt',
  'webhooksRepairedAt',
  'webhooksRepair',
] as const
