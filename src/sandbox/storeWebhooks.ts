import { stringify } from 'lossless-json'
import { signBase64HmacSha256 } from '../utils/hmac.js'

/**
 * The store's side of a webhook delivery, as Shopify and WooCommerce send it: the same headers,
 * the same signature over the same bytes. The sandbox's demo shop, the tests and the benchmarks
 * use it to play the store.
 */

export interface Delivery {
  /** The answer's HTTP status; 0 when none came (nothing listening, the connection dropped). */
  status: number
  body: unknown
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Delivery> {
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual' })
  } catch (error) {
    return { status: 0, body: error instanceof Error ? (error.cause ?? error).toString() : String(error) }
  }
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed }
}

/** Serialises a payload as the platform would, bigint ids written as exact JSON numbers. */
export function payloadJson(payload: unknown): string {
  return stringify(payload) ?? 'null'
}

export interface ShopifyDeliveryOptions {
  url: string
  /** The app's client secret (or a custom app's API secret key); undefined sends no HMAC header. */
  secret: string | undefined
  shop: string
  topic: string
  payload: unknown
  /** Shopify's per-delivery id; a retry of the same delivery repeats it. */
  webhookId?: string
  eventId?: string
  apiVersion?: string
  /** Replaces the computed HMAC, to send a forged or stale one. */
  hmac?: string
  /** Sends these exact bytes instead of serialising `payload`. */
  rawBody?: string
  contentType?: string
}

/** Delivers a Shopify webhook (https://shopify.dev/docs/apps/build/webhooks/delivery-structure). */
export async function deliverShopifyWebhook(o: ShopifyDeliveryOptions): Promise<Delivery> {
  const body = o.rawBody ?? payloadJson(o.payload)
  const headers: Record<string, string> = {
    'Content-Type': o.contentType ?? 'application/json',
    'User-Agent': 'Shopify-Captain-Hook',
    'X-Shopify-Topic': o.topic,
    'X-Shopify-Shop-Domain': o.shop,
    'X-Shopify-API-Version': o.apiVersion ?? '2026-07',
    'X-Shopify-Webhook-Id': o.webhookId ?? crypto.randomUUID(),
    'X-Shopify-Event-Id': o.eventId ?? crypto.randomUUID(),
    'X-Shopify-Triggered-At': new Date().toISOString(),
  }
  const hmac = o.hmac ?? (o.secret ? signBase64HmacSha256(o.secret, body) : undefined)
  if (hmac) headers['X-Shopify-Hmac-Sha256'] = hmac
  return post(o.url, body, headers)
}

export interface WooDeliveryOptions {
  url: string
  secret: string
  /** The store's home URL, sent as X-WC-Webhook-Source. */
  source: string
  topic?: string
  payload: unknown
  webhookId?: number
  signature?: string
  rawBody?: string
}

/** Delivers a WooCommerce webhook as `WC_Webhook::deliver()` does. */
export async function deliverWooWebhook(o: WooDeliveryOptions): Promise<Delivery> {
  const topic = o.topic ?? 'order.created'
  const [resource, event] = topic.split('.')
  const body = o.rawBody ?? payloadJson(o.payload)
  const webhookId = String(o.webhookId ?? 1)
  return post(o.url, body, {
    'Content-Type': 'application/json',
    'User-Agent': 'WooCommerce/9.9.0 Hookshot (WordPress/6.8.0)',
    'X-WC-Webhook-Source': o.source.endsWith('/') ? o.source : `${o.source}/`,
    'X-WC-Webhook-Topic': topic,
    'X-WC-Webhook-Resource': resource ?? topic,
    'X-WC-Webhook-Event': event ?? '',
    'X-WC-Webhook-Signature': o.signature ?? signBase64HmacSha256(o.secret, body),
    'X-WC-Webhook-ID': webhookId,
    'X-WC-Webhook-Delivery-ID': crypto.randomUUID().replace(/-/g, ''),
  })
}

/** The unsigned ping WooCommerce sends when a webhook is saved (`WC_Webhook::deliver_ping()`). */
export async function pingWooWebhook(url: string, webhookId: number): Promise<Delivery> {
  return post(url, `webhook_id=${webhookId}`, {
    'Content-Type': 'application/x-www-form-urlencoded',
    'User-Agent': 'WooCommerce/9.9.0 Hookshot (WordPress/6.8.0)',
  })
}
