/**
 * The registry of store platforms, beside the interface (platform.ts) rather than in it: this is
 * the one module that imports every adapter, and the adapters import platform.ts, so keeping the
 * two apart is what keeps the imports free of cycles.
 */
import type { PlatformName, StorePlatform } from './platform.js'
import { shopifyPlatform } from './shopify/platform.js'
import { wooPlatform } from './woocommerce/platform.js'

/**
 * Every platform a store can run on, by the name stores carry: the one place that knows them all.
 *
 * @example
 * PLATFORMS.woocommerce.label // → 'WooCommerce'
 */
export const PLATFORMS: Readonly<Record<PlatformName, StorePlatform>> = {
  shopify: shopifyPlatform,
  woocommerce: wooPlatform,
}

/**
 * The platform a store runs on: what everything that reaches, names or shows a store goes through.
 *
 * @example
 * await platformOf(store).readOrder({ clients, store, credentials }, order.platformOrderId)
 */
export function platformOf(store: { platform: PlatformName }): StorePlatform {
  return PLATFORMS[store.platform]
}

/**
 * The platform a name from outside names (a path segment), or undefined when it names none.
 *
 * @example
 * platformNamed('shopify')?.label // → 'Shopify'
 * platformNamed('magento') // → undefined
 */
export function platformNamed(name: string): StorePlatform | undefined {
  return Object.hasOwn(PLATFORMS, name) ? PLATFORMS[name as PlatformName] : undefined
}

/**
 * What would keep each platform's stores from delivering webhooks to PUBLIC_URL (a port WordPress
 * refuses): warned about at start-up.
 *
 * @example
 * deliveryUrlProblems('https://callconfirm.example.com:8443') // → ['PUBLIC_URL … is on port 8443: …']
 */
export function deliveryUrlProblems(publicUrl: string): string[] {
  return Object.values(PLATFORMS).flatMap((p) => p.deliveryUrlProblem?.(publicUrl) ?? [])
}
