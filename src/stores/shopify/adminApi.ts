import '@shopify/shopify-api/adapters/web-api'
import { ApiVersion, GraphqlQueryError, HttpResponseError, LogSeverity, Session, shopifyApi } from '@shopify/shopify-api'
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime'

/** The Admin API version every call and webhook subscription uses. */
export const SHOPIFY_API_VERSION = ApiVersion.July26

export interface ShopifyAdminOptions {
  apiKey: string | undefined
  apiSecret: string | undefined
  publicUrl: string
  /** Send Admin API calls here instead of `https://{shop}` (SHOPIFY_ADMIN_API_ORIGIN). */
  adminApiOrigin: string | undefined
}

// The library fetches through one process-wide function. Requests meant for a configured
// origin are addressed to its host (see `adminHost`); this gives them back its scheme, so
// several origins (several test services, say) can coexist in one process.
const origins = new Map<string, string>()
setAbstractFetchFunc((input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const origin = origins.get(url.host)
  return fetch(origin ? `${origin}${url.pathname}${url.search}` : url.href, init)
})

export type ShopifyAdmin = ReturnType<typeof createShopifyAdmin>

/**
 * The Admin GraphQL API through @shopify/shopify-api's client, one offline session per store.
 * Stores registered by hand are custom apps: their token is all the client needs, so the app
 * key and secret only matter once OAuth installs exist.
 */
export function createShopifyAdmin(options: ShopifyAdminOptions) {
  const url = new URL(options.publicUrl)
  const shopify = shopifyApi({
    apiKey: options.apiKey ?? 'callconfirm',
    // Used by OAuth and webhook validation only, neither of which runs without SHOPIFY_API_SECRET.
    apiSecretKey: options.apiSecret ?? 'unused-without-SHOPIFY_API_SECRET',
    hostName: url.host,
    hostScheme: url.protocol === 'http:' ? 'http' : 'https',
    apiVersion: SHOPIFY_API_VERSION,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  })
  const origin = options.adminApiOrigin?.replace(/\/+$/, '')
  if (origin) origins.set(new URL(origin).host, origin)
  const adminHost = (shop: string) => (origin ? new URL(origin).host : shop)

  return {
    /** Runs one GraphQL operation for a shop; throws the library's typed errors. */
    async graphql<T>(shop: string, accessToken: string, query: string, variables?: Record<string, unknown>): Promise<T> {
      const session = new Session({ id: `offline_${shop}`, shop: adminHost(shop), state: '', isOnline: false, accessToken })
      const client = new shopify.clients.Graphql({ session })
      const response = await client.request<T>(query, { variables })
      return response.data as T
    },
  }
}

/** The HTTP status of a failed Admin API call, if the shop answered at all. */
export function adminHttpStatus(error: unknown): number | undefined {
  return error instanceof HttpResponseError ? error.response.code : undefined
}

/** Shopify's access-denied GraphQL error: the token lacks a scope or the data is protected. */
export function isAccessDenied(error: unknown): boolean {
  if (!(error instanceof GraphqlQueryError)) return false
  const errors = (error.body?.errors as { graphQLErrors?: Array<{ extensions?: { code?: string } }> } | undefined)?.graphQLErrors ?? []
  return errors.some((e) => e.extensions?.code === 'ACCESS_DENIED')
}
