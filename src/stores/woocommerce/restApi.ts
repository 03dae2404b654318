import type { StoreSettings } from '../../domain/settings.js'
import type { StoreNetwork } from '../storeAddress.js'

/** A WooCommerce store's REST API key pair (read_write). */
export interface WooCredentials {
  platform: 'woocommerce'
  consumerKey: string
  consumerSecret: string
}

/**
 * The WooCommerce keys a store's credentials are: a store's are always its own platform's, so
 * any others here are a bug, and fail loudly rather than be sent to the store.
 *
 * @example
 * wooOnly(ctx.credentials).consumerKey
 */
export function wooOnly(credentials: { platform: string }): WooCredentials {
  if (credentials.platform !== 'woocommerce') throw new Error(`expected a WooCommerce store's credentials, got ${credentials.platform}'s`)
  return credentials as WooCredentials
}

/** What a REST call to one store needs: where it is (and how it wants its keys), the keys, and the guarded network. */
export interface WooApi {
  store: { domain: string; settings: Pick<StoreSettings, 'wooApiAuth'> }
  credentials: WooCredentials
  network: StoreNetwork
}

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
/** The largest answer read from a store: an order with hundreds of lines is far smaller, and a store is whoever typed its address. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024
/** How much of a store's own error message we keep (for the operator's eyes: see writeBackError.ts). */
const STORE_MESSAGE_CHARS = 160

/** The answer's text, refused past MAX_ANSWER_BYTES without reading the rest. */
async function boundedText(res: Response): Promise<string> {
  const tooLarge = () => new WooError(502, 'answer_too_large', `the store's answer is over ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`)
  if (Number(res.headers.get('content-length')) > MAX_ANSWER_BYTES) {
    await res.body?.cancel()
    throw tooLarge()
  }
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  // Leaving the loop by a throw cancels the stream: the rest is never downloaded.
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > MAX_ANSWER_BYTES) throw tooLarge()
    text += decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}

/**
 * WooCommerce's own error message, tags stripped and trimmed. Only a REST error body (JSON with a
 * `code`) is WooCommerce speaking; any other body (a proxy's page, whatever else answers at the
 * address) is never repeated anywhere, so an answer cannot be read back through our errors.
 */
function storeMessage(parsed: unknown, res: Response): { code: string; message: string } {
  const error = parsed as { code?: unknown; message?: unknown } | undefined
  if (typeof error?.code !== 'string') return { code: `http_${res.status}`, message: `HTTP ${res.status}` }
  const text =
    typeof error.message === 'string'
      ? error.message
          .replace(/<[^>]*>/g, '')
          .replace(/\s+/g, ' ')
          .trim()
      : ''
  return { code: error.code.slice(0, 80), message: text.slice(0, STORE_MESSAGE_CHARS) || `HTTP ${res.status}` }
}

/**
 * One call to a store's WooCommerce REST API v3 (`/wp-json/wc/v3…`). Authenticated with HTTP
 * Basic, as WooCommerce documents over https; or, for hosts that strip the Authorization header
 * (the store's `wooApiAuth: "query_string"`), with the keys in the query string, WooCommerce's own
 * fallback. A non-2xx answer throws WooError with WooCommerce's error code
 * (`woocommerce_rest_shop_order_invalid_id`…). Every request goes through `api.network`, which
 * refuses store addresses on networks a store may not be on (storeAddress.ts).
 */
export async function wooRequest<T>(api: WooApi, method: string, path: string, body?: unknown): Promise<T> {
  return (await send<T>(api, method, path, body)).answer
}

/** The call wooRequest makes, with the answer's headers (a listing's page count is in them). */
async function send<T>(api: WooApi, method: string, path: string, body?: unknown): Promise<{ answer: T; headers: Headers }> {
  const { store, credentials } = api
  const url = new URL(`${store.domain}/wp-json/wc/v3${path}`)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (store.settings.wooApiAuth === 'query_string') {
    url.searchParams.set('consumer_key', credentials.consumerKey)
    url.searchParams.set('consumer_secret', credentials.consumerSecret)
  } else headers.authorization = `Basic ${btoa(`${credentials.consumerKey}:${credentials.consumerSecret}`)}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await api.network.fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'error',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await boundedText(res)
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!res.ok) {
    const { code, message } = storeMessage(parsed, res)
    const retryAfter = Number(res.headers.get('retry-after'))
    throw new WooError(res.status, code, message, retryAfter > 0 ? retryAfter * 1000 : undefined)
  }
  return { answer: parsed as T, headers: res.headers }
}

/**
 * A REST listing (`GET /orders`, `GET /webhooks`), page by page: `query` with `page` 1, 2, … for
 * as long as WooCommerce says there are more (`X-WP-TotalPages`) and the last page held some.
 * A store is whoever typed its address, so the caller stops once it has read enough.
 *
 * @example
 * for await (const hooks of wooPages<WooHook>(api, '/webhooks', { per_page: '100' })) …
 */
export async function* wooPages<T>(api: WooApi, resource: string, query: Record<string, string>): AsyncIterable<T[]> {
  for (let page = 1; ; page++) {
    const { answer, headers } = await send<unknown>(api, 'GET', `${resource}?${new URLSearchParams({ ...query, page: String(page) })}`)
    if (!Array.isArray(answer)) throw new WooError(502, 'not_a_list', `the store's ${resource} answer is not a list`)
    yield answer as T[]
    if (!answer.length || page >= Number(headers.get('x-wp-totalpages') ?? 0)) return
  }
}
