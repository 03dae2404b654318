import type { CredentialRenewal } from '../platform.js'
import { adminHttpStatus } from './adminApi.js'
import { shopifyCredentialsOf, shopifyOnly } from './credentials.js'

/** Refresh an expiring token this long before it runs out, so no call meets it expired. */
const REFRESH_MARGIN_MS = 5 * 60_000

/**
 * An OAuth install's offline token expires within the hour: it is refreshed five minutes before
 * it runs out, with its refresh token (@shopify/shopify-api's `auth.refreshToken`). A custom
 * app's token never expires. A refresh that cannot be made, or that Shopify refuses, leaves the
 * token in hand: the call that uses it will tell.
 */
export const shopifyTokenRefresh: CredentialRenewal = {
  due: (credentials, now) =>
    credentials.platform === 'shopify' && credentials.expiresAt !== undefined && credentials.expiresAt - now <= REFRESH_MARGIN_MS,

  async renew({ clients, store, credentials, log, now }) {
    const { refreshToken, refreshTokenExpiresAt } = shopifyOnly(credentials)
    if (!refreshToken || (refreshTokenExpiresAt ?? Infinity) <= now()) {
      log.warn('Shopify token expired and cannot be refreshed; the merchant must open the app again', { storeId: store.id })
      return undefined
    }
    clients.shopify.route(store.domain)
    try {
      const { session } = await clients.shopify.library.auth.refreshToken({ shop: store.domain, refreshToken })
      return shopifyCredentialsOf(session, now())
    } catch (error) {
      // Refused (revoked) or unreachable: go on with the token we have; the call will tell.
      log.warn('Shopify token refresh failed', { storeId: store.id, status: adminHttpStatus(error), error })
      return undefined
    }
  },
}
