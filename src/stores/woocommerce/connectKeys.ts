import type { AppDeps } from '../../deps.js'
import { newAlphanumericSecret } from '../../utils/ids.js'
import { finishInstallState, pendingKeysOf } from '../installStates.js'
import { findStoreByDomain, storeWebhookSecret, webhookUrl } from '../records.js'
import { type InstallDeps, installStore, updateStoreSettings } from '../registration.js'
import { StoreAddressRefused } from '../storeAddress.js'
import { ensureWooWebhook } from './ourWebhook.js'
import { type WooApi, type WooCredentials, WooError, wooRequest } from './restApi.js'

/** Sealing the keys a connect brought, for the spent state they came with (its hash is the associated data). */
export const pendingKeysContext = (stateHash: string) => `${stateHash}:pending-keys`

/**
 * Why a connect did not go through, as facts (kept as JSON on the spent state) that the return
 * page says in its reader's language (the pages' `connect.*` texts of the same names).
 */
export type ConnectFailure =
  | { kind: 'addressRefused'; why: string }
  | { kind: 'keysRefused'; status: number }
  | { kind: 'apiError'; status: number }
  | { kind: 'unanswered' }
  | { kind: 'ourSide' }

/** The failure from its stored text; text that is not our JSON is a sentence stored before failures were facts. */
export function readConnectFailure(stored: string): ConnectFailure | string {
  try {
    const facts = JSON.parse(stored)
    return typeof facts?.kind === 'string' ? (facts as ConnectFailure) : stored
  } catch {
    return stored
  }
}

/** How a store's REST API is asked, as in the store setting `wooApiAuth`. */
type WooApiAuth = WooApi['store']['settings']['wooApiAuth']

/**
 * Whether keys work on the store: its own REST API lists its webhooks with them, which takes keys
 * its manager made there (`manage_woocommerce`). Many hosts strip the Authorization header, so keys
 * HTTP Basic cannot prove are tried again in the query string (WooCommerce's own fallback): the
 * way that worked is the one the store is asked from then on. Otherwise why not, for the
 * merchant's return page (never what the store answered).
 */
export async function proveKeys(api: WooApi): Promise<{ ok: true; wooApiAuth: WooApiAuth } | { ok: false; refusal: ConnectFailure }> {
  let lastError: unknown
  for (const wooApiAuth of ['basic', 'query_string'] as const) {
    try {
      await wooRequest({ ...api, store: { ...api.store, settings: { wooApiAuth } } }, 'GET', '/webhooks?per_page=1')
      return { ok: true, wooApiAuth }
    } catch (error) {
      lastError = error
      if (!(error instanceof WooError && (error.status === 401 || error.status === 403))) break
    }
  }
  return { ok: false, refusal: keysRefusal(lastError) }
}

function keysRefusal(error: unknown): ConnectFailure {
  if (error instanceof StoreAddressRefused) return { kind: 'addressRefused', why: error.message }
  if (error instanceof WooError && (error.status === 401 || error.status === 403)) return { kind: 'keysRefused', status: error.status }
  if (error instanceof WooError) return { kind: 'apiError', status: error.status }
  return { kind: 'unanswered' }
}

const failed = (failure: ConnectFailure) => ({ failure: JSON.stringify(failure) })

/** What finishing a connect takes: installing the store, the network its keys are proven on, and the log. */
export type FinishWooConnectDeps = InstallDeps & Pick<AppDeps, 'storeNetwork' | 'log'>

/**
 * Finishes a WooCommerce connect after its key POST was answered (WooCommerce keeps the keys only
 * on an exact 200, and a store is often not serving its own REST API while it waits for that
 * answer). The keys sealed on the spent state are proven on the store's own REST API first;
 * only keys that work there are saved, so keys posted by anyone else cannot replace a store's
 * credentials or connect a store that is not theirs. The state records the store it went into, or
 * why not, for the return page; then the store's webhook is pointed at us.
 */
export async function finishWooConnect(deps: FinishWooConnectDeps, spent: { stateHash: string; domain: string }, reqId: string): Promise<void> {
  const { stateHash, domain } = spent
  try {
    const sealed = await pendingKeysOf(deps.db, stateHash)
    if (!sealed) return
    const keys = JSON.parse(await deps.box.open(sealed, pendingKeysContext(stateHash))) as Omit<WooCredentials, 'platform'>
    const credentials: WooCredentials = { platform: 'woocommerce', consumerKey: keys.consumerKey, consumerSecret: keys.consumerSecret }
    const existing = await findStoreByDomain(deps.db, 'woocommerce', domain, deps.storeDefaults)
    const proof = await proveKeys({ store: existing ?? { domain, settings: { wooApiAuth: 'basic' } }, credentials, network: deps.storeNetwork })
    if (!proof.ok) {
      deps.log.warn('WooCommerce keys did not work on their store; nothing saved', { reqId, domain, existingStore: existing?.id })
      return await finishInstallState(deps.db, stateHash, failed(proof.refusal))
    }
    const secret = (existing && (await storeWebhookSecret(existing, deps.box))) ?? newAlphanumericSecret()
    const installed = await installStore(deps, { platform: 'woocommerce', domain, credentials, webhookSecret: secret })
    const { created } = installed
    // The store is asked from now on the way its keys were proven.
    const store =
      installed.store.settings.wooApiAuth === proof.wooApiAuth
        ? installed.store
        : await updateStoreSettings(deps, installed.store.id, { wooApiAuth: proof.wooApiAuth })
    await finishInstallState(deps.db, stateHash, { storeId: store.id })
    deps.log.info('store installed', { reqId, storeId: store.id, platform: 'woocommerce', created, approved: store.row.approvedAt !== null })
    const api = { store, credentials, network: deps.storeNetwork }
    await ensureWooWebhook(api, webhookUrl(deps.config.publicUrl, store), secret, store.settings.language).then(
      () => deps.log.info('WooCommerce webhook set', { reqId, storeId: store.id }),
      (error: unknown) => deps.log.error('WooCommerce webhook could not be set', { reqId, storeId: store.id, error }),
    )
  } catch (error) {
    deps.log.error('WooCommerce connect could not be finished', { reqId, domain, error })
    await finishInstallState(deps.db, stateHash, failed({ kind: 'ourSide' })).catch(() => undefined)
  }
}
