/**
 * A Shopify store's offline access. A custom app's token (registered by hand) never expires; an
 * OAuth install's does, within the hour, and comes with a refresh token (see tokenRefresh.ts).
 */
export interface ShopifyCredentials {
  platform: 'shopify'
  accessToken: string
  expiresAt?: number
  refreshToken?: string
  refreshTokenExpiresAt?: number
  /** The scopes the merchant granted. */
  scope?: string
}

/**
 * Shopify's grant, as the library's session carries it. The library dates expiries by the wall
 * clock when the answer came; they are kept on the clock the rest of the app runs on (`now`).
 *
 * @example
 * shopifyCredentialsOf(session, deps.now()) // → { platform: 'shopify', accessToken: 'shpat_…', expiresAt: … }
 */
export function shopifyCredentialsOf(
  session: { accessToken?: string; expires?: Date; refreshToken?: string; refreshTokenExpires?: Date; scope?: string },
  now: number,
): ShopifyCredentials {
  if (!session.accessToken) throw new Error('Shopify granted no access token')
  const skew = now - Date.now()
  return {
    platform: 'shopify',
    accessToken: session.accessToken,
    ...(session.expires && { expiresAt: session.expires.getTime() + skew }),
    ...(session.refreshToken && { refreshToken: session.refreshToken }),
    ...(session.refreshTokenExpires && { refreshTokenExpiresAt: session.refreshTokenExpires.getTime() + skew }),
    ...(session.scope && { scope: session.scope }),
  }
}

/**
 * The Shopify credentials a store's credentials are: a store's are always its own platform's, so
 * any others here are a bug, and fail loudly rather than be sent to Shopify.
 *
 * @example
 * shopifyOnly(ctx.credentials).accessToken
 */
export function shopifyOnly(credentials: { platform: string }): ShopifyCredentials {
  if (credentials.platform !== 'shopify') throw new Error(`expected a Shopify store's credentials, got ${credentials.platform}'s`)
  return credentials as ShopifyCredentials
}
