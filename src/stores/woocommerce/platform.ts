import type { StoreContext, StorePlatform } from '../platform.js'
import { readWooOrder } from './orderBeforeCall.js'
import { wooOrdersCreatedSince } from './ordersCreated.js'
import { repairWooWebhook } from './ourWebhook.js'
import { wooRegistration } from './registration.js'
import { type WooApi, wooOnly } from './restApi.js'
import { wordpressPortProblem } from './safePorts.js'
import { writeWooOrder } from './writeBack.js'

const wooApi = (ctx: StoreContext): WooApi => ({ store: ctx.store, credentials: wooOnly(ctx.credentials), network: ctx.clients.storeNetwork })

/**
 * WooCommerce: orders get a private note, our meta and an optional status through the store's own
 * REST API, over the guarded store network; each store's webhooks arrive at a URL of its own,
 * signed with its own secret; its keys never expire.
 */
export const wooPlatform: StorePlatform = {
  name: 'woocommerce',
  label: 'WooCommerce',
  domainField: 'siteUrl',
  settingsFields: { tags: false, actions: ['wooStatusOnConfirmed', 'wooStatusOnCancelled'] },
  // Anyone can run a WooCommerce store: STORE_SIGNUP=approve holds a new one for the operator.
  vouchesForInstalls: false,
  embeddedInAdmin: false,
  registration: wooRegistration,

  /** `https://www.dyqani.al` → "dyqani.al". */
  defaultCompanyName: (domain) => new URL(domain).hostname.replace(/^www\./, ''),
  webhookUrl: (publicUrl, storeId) => `${publicUrl}/webhooks/woocommerce/${storeId}`,
  // The classic edit screen's address; with HPOS on, WooCommerce redirects it to its own order
  // screen (admin.php?page=wc-orders&action=edit&id=…, its PostsRedirectionController), so one link serves both.
  orderAdminUrl: (domain, platformOrderId) => `${domain}/wp-admin/post.php?post=${encodeURIComponent(platformOrderId)}&action=edit`,
  readOrder: (ctx, platformOrderId) => readWooOrder(wooApi(ctx), platformOrderId),
  writeOrder: (ctx, platformOrderId, plan) => writeWooOrder(wooApi(ctx), platformOrderId, plan),
  ordersCreatedSince: (ctx, since) => wooOrdersCreatedSince(wooApi(ctx), since),
  async repairWebhooks(ctx, target) {
    // Every WooCommerce store signs with a secret of its own (registration makes one).
    if (!target.secret) throw new Error('the store has no webhook secret to create its webhook with')
    return repairWooWebhook(wooApi(ctx), target.url, target.secret, ctx.store.settings.language)
  },
  deliveryUrlProblem: wordpressPortProblem,
}
