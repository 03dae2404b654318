import '@shopify/shopify-api/adapters/web-api'
import { ApiVersion, GraphqlQueryError, HttpResponseError, LogSeverity, Session, shopifyApi } from '@shopify/shopify-api'
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime'
import { CostBucket, queryCost } from './costBucket.js'

/** The Admin API version every call and webhook subscription uses. */
export const SHOPIFY_API_VERSION = ApiVersion.July26

export interface ShopifyAdminOptions {
  apiKey: string | undefined
  apiSecret: string | undefined
  /** Access scopes an OAuth install asks for (SHOPIFY_SCOPES). */
  scopes: string[]
  publicUrl: string
  /** Send Admin API and OAuth calls here instead of `https://{shop}` (SHOPIFY_ADMIN_API_ORIGIN). */
  adminApiOrigin: string | undefined
}

// The library fetches through one process-wide function. A shop whose Admin API and OAuth are
// served from a configured origin (SHOPIFY_ADMIN_API_ORIGIN: a simulator, a proxy) is sent there,
// its own host kept in X-Forwarded-Host as a proxy would; several origins (several test services)
// can coexist in one process.
const shopOrigins = new Map<string, string>()
setAbstractFetchFunc((input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const origin = shopOrigins.get(url.host)
  // A shop that never answers must not hold a delivery (and its lease) forever.
  const signal = init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  if (!origin) return fetch(url.href, { ...init, signal })
  const headers = new Headers(init?.headers)
  headers.set('X-Forwarded-Host', url.host)
  return fetch(`${origin}${url.pathname}${url.search}`, { ...init, headers, signal })
})

/** App Bridge as Shopify serves it to every embedded app. */
export const APP_BRIDGE_CDN_URL = 'https://cdn.shopify.com/shopifycloud/app-bridge.js'

/**
 * What embedding our pages in the Shopify admin takes: App Bridge's script, who may frame them,
 * and the shop a session token (App Bridge's `id_token`) speaks for. With SHOPIFY_ADMIN_API_ORIGIN
 * set, the admin lives there as well (the sandbox's simulator), App Bridge's script with it.
 */
export interface ShopifyEmbedding {
  /** The app's client ID, for App Bridge's `shopify-api-key` meta tag; undefined: no public app. */
  apiKey: string | undefined
  appBridgeUrl: string
  /** The CSP `frame-ancestors` sources for a shop's pages: the shop's own admin and admin.shopify.com. */
  frameAncestors(shop: string): string
  /** The shop a session token was issued for, if it is one of ours, signed and unexpired; never throws. */
  shopOfSessionToken(token: string): Promise<string | undefined>
}

function shopifyEmbedding(library: ReturnType<typeof shopifyApi>, apiKey: string | undefined, adminOrigin: string | undefined): ShopifyEmbedding {
  return {
    apiKey,
    appBridgeUrl: adminOrigin ? `${adminOrigin}/shopifycloud/app-bridge.js` : APP_BRIDGE_CDN_URL,
    frameAncestors: (shop) => [`https://${shop}`, 'https://admin.shopify.com', adminOrigin].filter(Boolean).join(' '),
    async shopOfSessionToken(token) {
      if (!apiKey) return undefined
      // The library checks the signature (HS256, the app's secret), exp/nbf and that `aud` is our client ID.
      // Its error quotes the token, so it is dropped here, never logged.
      const payload = await library.session.decodeSessionToken(token).catch(() => undefined)
      const dest = typeof payload?.dest === 'string' && URL.canParse(payload.dest) ? new URL(payload.dest).hostname : ''
      return library.utils.sanitizeShop(dest, false) ?? undefined
    },
  }
}

/** How long one Admin API request may take. */
const REQUEST_TIMEOUT_MS = 20_000

/**
 * Shopify refused a request for its cost (THROTTLED): the shop's bucket cannot pay for it yet.
 * `retryAfterMs` is how long the refill takes, from the throttle status Shopify sent.
 */
export class ShopifyThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Shopify throttled the request; its cost bucket refills in ${Math.ceil(retryAfterMs / 1000)} s`)
  }
}

export type ShopifyAdmin = ReturnType<typeof createShopifyAdmin>

/**
 * Shopify through @shopify/shopify-api: the Admin GraphQL API, one offline session per store, and
 * the library itself for OAuth and session tokens. Stores registered by hand are custom apps: their
 * token is all the client needs; the app key and secret matter for installs (install.ts).
 */
export function createShopifyAdmin(options: ShopifyAdminOptions) {
  const url = new URL(options.publicUrl)
  const library = shopifyApi({
    apiKey: options.apiKey ?? 'callconfirm',
    // Used by OAuth and session tokens only, neither of which runs without SHOPIFY_API_SECRET.
    apiSecretKey: options.apiSecret ?? 'unused-without-SHOPIFY_API_SECRET',
    scopes: options.scopes,
    hostName: url.host,
    hostScheme: url.protocol === 'http:' ? 'http' : 'https',
    apiVersion: SHOPIFY_API_VERSION,
    // The settings page opens inside the Shopify admin.
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  })
  const origin = options.adminApiOrigin?.replace(/\/+$/, '')
  /** Sends the library's requests for `shop` to the configured origin, if there is one. */
  const route = (shop: string) => {
    if (origin) shopOrigins.set(shop, origin)
  }

  const buckets = new Map<string, CostBucket>()
  // What each operation cost last time: the estimate its next request is paced by.
  const costs = new Map<string, number>()

  return {
    library,
    route,
    embedding: shopifyEmbedding(library, options.apiKey, origin),
    /** Where the merchant's browser goes to approve an install: the shop, or the configured origin. */
    authorizeUrl(location: string, shop: string): string {
      if (!origin) return location
      const to = new URL(location)
      // The origin cannot tell shops apart by host name, as Shopify does: it is told in the query.
      to.searchParams.set('shop', shop)
      return `${origin}${to.pathname}${to.search}`
    },
    /**
     * Runs one GraphQL operation for a shop, paced by the shop's cost bucket so that it is sent
     * when Shopify can take it. Throws the library's typed errors, and ShopifyThrottledError
     * when Shopify throttled it all the same.
     */
    async graphql<T>(shop: string, accessToken: string, query: string, variables?: Record<string, unknown>): Promise<T> {
      let bucket = buckets.get(shop)
      if (!bucket) {
        bucket = new CostBucket()
        buckets.set(shop, bucket)
      }
      const wait = bucket.waitFor(costs.get(query) ?? 0, Date.now())
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      route(shop)
      const session = new Session({ id: `offline_${shop}`, shop, state: '', isOnline: false, accessToken })
      const client = new library.clients.Graphql({ session })
      const heard = (body: unknown) => {
        const cost = queryCost(body)
        if (!cost) return undefined
        bucket.update(cost.throttleStatus, Date.now())
        costs.set(query, cost.requestedQueryCost)
        return cost
      }
      try {
        const response = await client.request<T>(query, { variables })
        heard(response)
        return response.data as T
      } catch (error) {
        const cost = error instanceof GraphqlQueryError ? heard(error.body) : undefined
        if (cost && graphqlErrorCodes(error).includes('THROTTLED'))
          throw new ShopifyThrottledError(Math.max(1000, bucket.waitFor(cost.requestedQueryCost, Date.now())))
        throw error
      }
    },
  }
}

/** The HTTP status of a failed Admin API call, if the shop answered at all. */
export function adminHttpStatus(error: unknown): number | undefined {
  return error instanceof HttpResponseError ? error.response.code : undefined
}

/** The `extensions.code` of each GraphQL error Shopify answered with (THROTTLED, ACCESS_DENIED…). */
export function graphqlErrorCodes(error: unknown): string[] {
  if (!(error instanceof GraphqlQueryError)) return []
  const errors = (error.body?.errors as { graphQLErrors?: Array<{ extensions?: { code?: string } }> } | undefined)?.graphQLErrors ?? []
  return errors.flatMap((e) => (e.extensions?.code ? [e.extensions.code] : []))
}

/** Shopify's access-denied GraphQL error: the token lacks a scope or the data is protected. */
export const isAccessDenied = (error: unknown) => graphqlErrorCodes(error).includes('ACCESS_DENIED')
