import { Hono } from 'hono'
import type { AppDeps } from '../../deps.js'
import { acceptOrder, type IntakeDeps, intakeResponse } from '../../orders/intake.js'
import { ApiError } from '../../utils/errors.js'
import { verifyBase64HmacSha256 } from '../../utils/hmac.js'
import { findStore, storeWebhookSecret } from '../records.js'
import { parseJsonBody, rawBody, requireJsonContent } from '../webhookRequest.js'
import { normaliseWooOrder, notPlacedYet, parseWooOrder } from './order.js'

/** WooCommerce's test delivery when a webhook is saved: `webhook_id=N`, form-encoded, unsigned. */
function isCreationPing(body: Uint8Array): boolean {
  if (body.length > 200) return false
  const text = new TextDecoder().decode(body).trim()
  return /^webhook_id=\d+$/.test(text) || /^\{\s*"webhook_id"\s*:\s*"?\d+"?\s*\}$/.test(text)
}

/**
 * `POST /webhooks/woocommerce/:storeId`: one URL per store, signed with that store's secret
 * (`X-WC-Webhook-Signature`, base64 HMAC-SHA256 of the body). WooCommerce does not retry
 * failed deliveries, so every answer here is final for it.
 */
export function wooWebhookRoutes(deps: IntakeDeps & Pick<AppDeps, 'db' | 'storeDefaults' | 'box'>) {
  return new Hono().post('/:storeId', async (c) => {
    const storeId = c.req.param('storeId')
    const log = deps.log.child({ reqId: c.var.requestId })
    const store = await findStore(deps.db, storeId, deps.storeDefaults)
    if (store?.platform !== 'woocommerce') throw new ApiError(404, 'store_not_found', `no WooCommerce store with id ${storeId}`)
    const body = await rawBody(c)
    const signature = c.req.header('x-wc-webhook-signature')
    // The ping must get exactly 200 or WooCommerce refuses to save the webhook.
    if (!signature && isCreationPing(body)) return c.json({ status: 'ping' })

    const secret = await storeWebhookSecret(store, deps.box)
    if (!secret || !verifyBase64HmacSha256(secret, body, signature)) {
      log.warn('woocommerce webhook rejected: bad or missing signature', { storeId })
      throw new ApiError(401, 'invalid_signature', 'X-WC-Webhook-Signature does not match the body')
    }
    requireJsonContent(c)
    const topic = c.req.header('x-wc-webhook-topic')
    if (topic !== 'order.created') return c.json({ status: 'ignored', reason: 'unhandled_topic' })

    const payload = parseWooOrder(parseJsonBody(body))
    if (notPlacedYet(payload)) return c.json({ status: 'ignored', reason: 'checkout_draft' })
    const result = await acceptOrder({ ...deps, log }, store, normaliseWooOrder(payload))
    return c.json(intakeResponse(result))
  })
}
