import type { WebhookTarget } from '../platform.js'
import type { ShopifyAdmin } from './adminApi.js'

/** The topics each installed shop sends us; the compliance topics come from shopify.app.toml. */
export const INSTALL_TOPICS = ['ORDERS_CREATE', 'APP_UNINSTALLED'] as const

const EXISTING = `query CallconfirmWebhooks($topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 50, topics: $topics) { nodes { id topic uri } }
}`

const CREATE = `mutation CallconfirmSubscribe($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}`

interface Existing {
  webhookSubscriptions: { nodes: Array<{ topic: string; uri: string }> }
}
interface Created {
  webhookSubscriptionCreate: { webhookSubscription: { id: string } | null; userErrors: Array<{ message: string }> }
}

/**
 * Subscribes the shop's `orders/create` and `app/uninstalled` to `uri` (GraphQL
 * `webhookSubscriptionCreate`), leaving alone what is already there, so installing again adds
 * nothing twice. Says which topics it subscribed, and Shopify's refusals, one line per topic (an
 * app without protected-customer-data approval cannot subscribe to orders).
 */
export async function subscribeShopWebhooks(
  shopify: ShopifyAdmin,
  shop: string,
  accessToken: string,
  uri: string,
): Promise<{ subscribed: string[]; refused: string[] }> {
  const existing = await shopify.graphql<Existing>(shop, accessToken, EXISTING, { topics: INSTALL_TOPICS })
  const result = { subscribed: [] as string[], refused: [] as string[] }
  for (const topic of INSTALL_TOPICS) {
    if (existing.webhookSubscriptions.nodes.some((w) => w.topic === topic && w.uri === uri)) continue
    const created = await shopify.graphql<Created>(shop, accessToken, CREATE, { topic, webhookSubscription: { uri, format: 'JSON' } })
    const refused = created.webhookSubscriptionCreate.userErrors
    if (refused.length) result.refused.push(`${topic}: ${refused.map((e) => e.message).join('; ')}`)
    else result.subscribed.push(topic)
  }
  return result
}

/** `ORDERS_CREATE` → `orders/create`, as merchants and Shopify's webhooks name a topic. */
const topicName = (topic: string) => topic.toLowerCase().replace('_', '/')

/**
 * Subscribes again what Shopify dropped: it deletes a subscription made through the Admin API
 * once its deliveries have failed for about four hours (shopify.dev, webhooks troubleshooting).
 * Only a shop whose webhooks are the app's own (signed with SHOPIFY_API_SECRET, `secret`
 * undefined): a custom app's are the merchant's to set up, and ours would sign differently.
 * Says what was subscribed again, or undefined when nothing was missing; throws Shopify's refusals.
 */
export async function repairShopWebhooks(
  shopify: ShopifyAdmin,
  shop: string,
  accessToken: string,
  target: WebhookTarget,
): Promise<string | undefined> {
  if (target.secret) return undefined
  const { subscribed, refused } = await subscribeShopWebhooks(shopify, shop, accessToken, target.url)
  if (refused.length) throw new Error(`Shopify refused to subscribe the shop's webhooks again: ${refused.join(' / ')}`)
  if (!subscribed.length) return undefined
  const topics = subscribed.map(topicName).join(' and ')
  const noun = subscribed.length > 1 ? 'subscriptions' : 'subscription'
  return `Shopify no longer had the ${topics} webhook ${noun} (it deletes one whose deliveries fail for hours); subscribed again`
}

const SHOP = `query CallconfirmShop { shop { name ianaTimezone billingAddress { countryCodeV2 } } }`

export interface ShopDetails {
  name: string
  timezone: string
  country: string | undefined
}

/** The shop's name, time zone and country: a new install's defaults, so the merchant types nothing. */
export async function readShopDetails(shopify: ShopifyAdmin, shop: string, accessToken: string): Promise<ShopDetails> {
  const { shop: s } = await shopify.graphql<{ shop: { name: string; ianaTimezone: string; billingAddress: { countryCodeV2: string | null } } }>(
    shop,
    accessToken,
    SHOP,
  )
  return { name: s.name, timezone: s.ianaTimezone, country: s.billingAddress.countryCodeV2 ?? undefined }
}
