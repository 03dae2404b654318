import type { Db } from '../db/index.js'
import { findStore, type Store, type StoreDefaults } from '../stores/records.js'
import type { SettingsLinks } from './link.js'

export type OpenedLink = { ok: true; store: Store; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' | 'revoked' }

/**
 * The store a settings link (or a merchant session made from one) opens: signed by us, unexpired,
 * and made at the store's current link version, so links the operator revoked open nothing.
 */
export async function storeForLink(
  deps: { db: Db; storeDefaults: StoreDefaults; settingsLinks: SettingsLinks; now: () => number },
  token: string,
): Promise<OpenedLink> {
  const checked = deps.settingsLinks.verify(token, deps.now())
  if (!checked.ok) return checked
  const store = await findStore(deps.db, checked.storeId, deps.storeDefaults)
  if (!store) return { ok: false, reason: 'invalid' }
  if (store.linkVersion !== checked.version) return { ok: false, reason: 'revoked' }
  return { ok: true, store, expiresAt: checked.expiresAt }
}
