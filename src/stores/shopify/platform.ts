import { noteWords } from '../../i18n/index.js'
import type { StoreContext, StorePlatform } from '../platform.js'
import { shopifyOnly } from './credentials.js'
import { readShopifyOrder } from './orderBeforeCall.js'
import { shopifyOrdersCreatedSince } from './ordersCreated.js'
import { shopifyRegistration } from './registration.js'
import { repairShopWebhooks } from './subscriptions.js'
import { shopifyTokenRefresh } from './tokenRefresh.js'
import { writeShopifyOrder } from './writeBack.js'

const accessToken = (ctx: StoreContext) => shopifyOnly(ctx.credentials).accessToken

/**
 * Shopify: orders are tagged (and optionally cancelled, or held from fulfillment) through the
 * Admin GraphQL API; every shop's webhooks arrive at one URL and name their shop; the settings
 * page opens inside the shop's admin.
 */
export const shopifyPlatform: StorePlatform = {
  name: 'shopify',
  label: 'Shopify',
  domainField: 'shopDomain',
  settingsFields: { tags: true, actions: ['cancelOnDecline', 'holdUntilConfirmed'] },
  // Shopify vouches for the shop that installs us.
  vouchesForInstalls: true,
  embeddedInAdmin: true,
  registration: shopifyRegistration,
  renewal: shopifyTokenRefresh,

  /** `arbeni-shop.myshopify.com` → "Arbeni Shop". */
  defaultCompanyName: (domain) =>
    domain
      .replace(/\.myshopify\.com$/, '')
      .split('-')
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' '),
  webhookUrl: (publicUrl) => `${publicUrl}/webhooks/shopify`,
  // The shop's own address redirects to the order in admin.shopify.com.
  orderAdminUrl: (domain, platformOrderId) => `https://${domain}/admin/orders/${encodeURIComponent(platformOrderId)}`,
  readOrder: (ctx, platformOrderId) => readShopifyOrder(ctx.clients.shopify, ctx.store, accessToken(ctx), platformOrderId),
  writeOrder: (ctx, platformOrderId, plan) =>
    writeShopifyOrder(ctx.clients.shopify, ctx.store.domain, accessToken(ctx), platformOrderId, plan, noteWords(ctx.store.settings.language)),
  ordersCreatedSince: (ctx, since) => shopifyOrdersCreatedSince(ctx.clients.shopify, ctx.store.domain, accessToken(ctx), since),
  repairWebhooks: (ctx, target) => repairShopWebhooks(ctx.clients.shopify, ctx.store.domain, accessToken(ctx), target),
}
