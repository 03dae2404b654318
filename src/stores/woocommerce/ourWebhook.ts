import { pageTranslator } from '../../i18n/index.js'
import { type WooApi, wooPages, wooRequest } from './restApi.js'

/** A webhook as `GET /wp-json/wc/v3/webhooks` lists it (the fields we read). */
interface WooHook {
  id: number
  delivery_url: string
  topic: string
  /** `active`; `paused` by the merchant; `disabled` by WooCommerce after failed deliveries. */
  status: string
}

const TOPIC = 'order.created'
/** Far more webhooks than a store keeps; past it, a store answering page after page is not believed. */
const MAX_WEBHOOK_PAGES = 10

/** The store's `order.created` webhook to `deliveryUrl`, if it has one. */
async function findOurWebhook(api: WooApi, deliveryUrl: string): Promise<WooHook | undefined> {
  let pages = 0
  for await (const hooks of wooPages<WooHook>(api, '/webhooks', { per_page: '100' })) {
    const mine = hooks.find((h) => h.delivery_url === deliveryUrl && h.topic === TOPIC)
    if (mine || ++pages >= MAX_WEBHOOK_PAGES) return mine
  }
  return undefined
}

/**
 * Our webhook as we create it: the URL of the store's own, signed with its secret, on; named, in
 * the store's language, for the merchant who finds it in WooCommerce → Settings → Advanced → Webhooks.
 */
const ourWebhook = (deliveryUrl: string, secret: string, language: string) => ({
  name: pageTranslator(language).t('connect.webhookName'),
  topic: TOPIC,
  delivery_url: deliveryUrl,
  secret,
  status: 'active',
})

/**
 * Points the store's `order.created` webhook at us with `secret`: the one already there (from an
 * earlier connect) is updated and turned back on, otherwise one is created. WooCommerce pings it.
 * `language`: the store's, for the webhook's name.
 */
export async function ensureWooWebhook(api: WooApi, deliveryUrl: string, secret: string, language: string): Promise<void> {
  const mine = await findOurWebhook(api, deliveryUrl)
  if (mine) await wooRequest(api, 'PUT', `/webhooks/${mine.id}`, ourWebhook(deliveryUrl, secret, language))
  else await wooRequest(api, 'POST', '/webhooks', ourWebhook(deliveryUrl, secret, language))
}

/**
 * Turns the store's `order.created` webhook back on when WooCommerce switched it off (it does,
 * silently, after more than five failed deliveries in a row: `WC_Webhook::failed_delivery()` in
 * class-wc-webhook.php) or someone paused it, and creates it again, as connecting does, when it is
 * gone. Says what was done, in words for the merchant, or undefined when it was on.
 */
export async function repairWooWebhook(api: WooApi, deliveryUrl: string, secret: string, language: string): Promise<string | undefined> {
  const mine = await findOurWebhook(api, deliveryUrl)
  if (!mine) {
    await wooRequest(api, 'POST', '/webhooks', ourWebhook(deliveryUrl, secret, language))
    return 'WooCommerce had no order.created webhook to callconfirm; created it again'
  }
  if (mine.status === 'active') return undefined
  await wooRequest(api, 'PUT', `/webhooks/${mine.id}`, { status: 'active' })
  return mine.status === 'disabled'
    ? 'WooCommerce had switched off the order.created webhook after failed deliveries; turned back on'
    : `The order.created webhook was ${mine.status} in WooCommerce; turned back on`
}
