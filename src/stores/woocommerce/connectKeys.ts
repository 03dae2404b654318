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

/** How a store's REST API is asked, as in the store setting `wooApiAuth`. */
type WooApiAuth = WooApi['store']['settings']['wooApiAuth']

/**
 * Whether keys work on the store: its own REST API lists its webhooks with them, which takes keys
 * its manager made there (`manage_woocommerce`). Many hosts strip the Authorization header, so keys
 * HTTP Basic cannot prove are tried again in the query string (WooCommerce's own fallback): the
 * way that worked is the one the store is asked from then on. Otherwise why not, in our words for
 * the merchant's return page (never what the store answered).
 */
export async function proveKeys(api: WooApi): Promise<{ ok: true; wooApiAuth: WooApiAuth } | { ok: false; refusal: string }> {
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

function keysRefusal(error: unknown): string {
  if (error instanceof StoreAddressRefused) return `This store’s address cannot be connected: ${error.message}.`
  if (error instanceof WooError && (error.status === 401 || error.status === 403))
    return `Your store did not accept the keys that came with this connect (HTTP ${error.status}), so nothing was changed. Connect again and approve callconfirm in WordPress.`
  if (error instanceof WooError)
    return `Your store’s REST API answered HTTP ${error.status} when we checked the keys, so nothing was changed. Check that the WooCommerce REST API is on, then connect again.`
  return 'We could not reach your store to check the keys, so nothing was changed. Connect again in a moment.'
}

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
      return await finishInstallState(deps.db, stateHash, { failure: proof.refusal })
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
    await ensureWooWebhook({ store, credentials, network: deps.storeNetwork }, webhookUrl(deps.config.publicUrl, store), secret).then(
      () => deps.log.info('WooCommerce webhook set', { reqId, storeId: store.id }),
      (error: unknown) => deps.log.error('WooCommerce webhook could not be set', { reqId, storeId: store.id, error }),
    )
  } catch (error) {
    deps.log.error('WooCommerce connect could not be finished', { reqId, domain, error })
    await finishInstallState(deps.db, stateHash, {
      failure: 'Something went wrong on our side while connecting, so nothing was changed. Connect again in a moment.',
    }).catch(() => undefined)
  }
}
