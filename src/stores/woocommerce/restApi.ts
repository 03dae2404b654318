import type { StoreCredentials } from '../records.js'

export type WooCredentials = Extract<StoreCredentials, { platform: 'woocommerce' }>

export class WooError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * One call to a store's WooCommerce REST API v3 (`/wp-json/wc/v3…`), authenticated with HTTP
 * Basic over https as WooCommerce documents. A non-2xx answer throws WooError with WooCommerce's
 * own error code (`woocommerce_rest_shop_order_invalid_id`…).
 */
export async function wooRequest<T>(siteUrl: string, credentials: WooCredentials, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${siteUrl}/wp-json/wc/v3${path}`, {
    method,
    headers: {
      authorization: `Basic ${btoa(`${credentials.consumerKey}:${credentials.consumerSecret}`)}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'error',
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
    throw new WooError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? (text.slice(0, 200) || res.statusText))
  }
  return parsed as T
}
