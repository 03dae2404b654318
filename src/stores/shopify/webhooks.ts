import { Hono } from 'hono'
import type { AppDeps } from '../../deps.js'
import { ApiError } from '../../utils/errors.js'
import { verifyBase64HmacSha256 } from '../../utils/hmac.js'
import { alreadyDelivered, recordDelivery } from '../receipts.js'
import { findStoreByDomain, storeWebhookSecret } from '../records.js'
import { parseJsonBody, rawBody, requireJsonContent } from '../webhookRequest.js'
import { parseShopifyJson } from './json.js'
import { SHOPIFY_TOPICS, type TopicDeps } from './topics.js'

/**
 * `POST /webhooks/shopify`: every topic of every shop. The HMAC is checked over the raw bytes
 * before anything else is believed; a delivery already handled (same `X-Shopify-Webhook-Id`)
 * is answered 200 and not handled again.
 */
export function shopifyWebhookRoutes(deps: TopicDeps & Pick<AppDeps, 'storeDefaults' | 'box' | 'config'>) {
  return new Hono().post('/', async (c) => {
    const log = deps.log.child({ reqId: c.var.requestId })
    requireJsonContent(c)
    const body = await rawBody(c)
    const shopDomain = (c.req.header('x-shopify-shop-domain') ?? '').trim().toLowerCase()
    const store = shopDomain ? await findStoreByDomain(deps.db, 'shopify', shopDomain, deps.storeDefaults) : undefined
    // A store registered by hand is signed by its custom app's secret; an installed one by ours.
    // Both are accepted so a store can move from one to the other without lost deliveries.
    const secrets = [store && (await storeWebhookSecret(store, deps.box)), deps.config.shopify.apiSecret].filter((s): s is string => !!s)
    const hmac = c.req.header('x-shopify-hmac-sha256')
    const valid = secrets.some((secret) => verifyBase64HmacSha256(secret, body, hmac))
    if (!valid) {
      log.warn('shopify webhook rejected: bad or missing HMAC', { shop: shopDomain || undefined })
      throw new ApiError(401, 'invalid_hmac', 'X-Shopify-Hmac-Sha256 does not match the body')
    }

    const topic = c.req.header('x-shopify-topic')
    if (!topic) throw new ApiError(400, 'missing_header', 'X-Shopify-Topic is required', 'X-Shopify-Topic')
    const webhookId = c.req.header('x-shopify-webhook-id')
    if (webhookId && (await alreadyDelivered(deps.db, 'shopify', webhookId))) return c.json({ status: 'duplicate' })

    const handler = SHOPIFY_TOPICS[topic]
    if (!handler) return c.json({ status: 'ignored', reason: 'unhandled_topic' })
    const receipt = webhookId ? { platform: 'shopify', deliveryId: webhookId, topic, receivedAt: deps.now() } : undefined
    const payload = parseJsonBody(body, parseShopifyJson)
    const result = await handler({ deps: { ...deps, log }, store, shopDomain, payload, receipt })
    // orders/create writes its receipt with the order, in one transaction.
    if (receipt && topic !== 'orders/create') await recordDelivery(deps.db, receipt)
    return c.json(result)
  })
}
