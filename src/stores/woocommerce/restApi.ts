import type { Store, StoreCredentials } from '../records.js'

export type WooCredentials = Extract<StoreCredentials, { platform: 'woocommerce' }>

export class WooError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From `Retry-After`, when the store (or its host) asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

/** How long one REST request may take. */
const REQUEST_TIMEOUT_MS = 20_000

/**
 * One call to a store's WooCommerce REST API v3 (`/wp-json/wc/v3…`). Authenticated with HTTP
 * Basic, as WooCommerce documents over https; or, for hosts that strip the Authorization header
 * (the store's `wooApiAuth: "query_string"`), with the keys in the query string, WooCommerce's own
 * fallback. A non-2xx answer throws WooError with WooCommerce's error code
 * (`woocommerce_rest_shop_order_invalid_id`…).
 */
export async function wooRequest<T>(store: Pick<Store, 'domain' | 'settings'>, credentials: WooCredentials, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(`${store.domain}/wp-json/wc/v3${path}`)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (store.settings.wooApiAuth === 'query_string') {
    url.searchParams.set('consumer_key', credentials.consumerKey)
    url.searchParams.set('consumer_secret', credentials.consumerSecret)
  } else headers.authorization = `Basic ${btoa(`${credentials.consumerKey}:${credentials.consumerSecret}`)}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'error',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!res.ok) {
    const error = parsed as { code?: string; message?: string } | undefined
    const retryAfter = Number(res.headers.get('retry-after'))
    throw new WooError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? (text.slice(0, 200) || res.statusText), retryAfter > 0 ? retryAfter * 1000 : undefined)
  }
  return parsed as T
}
