import { describe, expect, it } from 'vitest'
import { PLATFORM_NAMES } from '../db/schema.js'
import { PLATFORMS, platformNamed, platformOf } from './platforms.js'

const MINUTE = 60_000

describe('the store platforms', () => {
  it('has one adapter for every platform a store can be stored with, under its own name', () => {
    expect(Object.keys(PLATFORMS).sort()).toEqual([...PLATFORM_NAMES].sort())
    for (const name of PLATFORM_NAMES) expect(platformOf({ platform: name }).name).toBe(name)
  })

  it('knows only the platforms there are, whatever a path says', () => {
    expect(platformNamed('woocommerce')?.label).toBe('WooCommerce')
    expect(platformNamed('magento')).toBeUndefined()
    expect(platformNamed('toString')).toBeUndefined()
  })

  it('names a store by its address until the merchant names it', () => {
    expect(PLATFORMS.shopify.defaultCompanyName('arbeni-shop.myshopify.com')).toBe('Arbeni Shop')
    expect(PLATFORMS.woocommerce.defaultCompanyName('https://www.dyqani.al/shop')).toBe('dyqani.al')
  })

  it("sends each store's webhooks to its platform's URL", () => {
    expect(PLATFORMS.shopify.webhookUrl('https://cc.example', 'st_1')).toBe('https://cc.example/webhooks/shopify')
    expect(PLATFORMS.woocommerce.webhookUrl('https://cc.example', 'st_1')).toBe('https://cc.example/webhooks/woocommerce/st_1')
  })

  it('reads either platform’s registration fields into the same registration', () => {
    const shopify = { platform: 'shopify', shopDomain: 'https://Arbeni-Shop.myshopify.com/', accessToken: 'shpat_12345678' }
    expect(PLATFORMS.shopify.registration.schema.parse(shopify)).toMatchObject({
      platform: 'shopify',
      domain: 'arbeni-shop.myshopify.com',
      credentials: { platform: 'shopify', accessToken: 'shpat_12345678' },
    })
    const woo = { platform: 'woocommerce', siteUrl: 'https://Dyqani.al/', consumerKey: 'ck_12345678', consumerSecret: 'cs_12345678' }
    expect(PLATFORMS.woocommerce.registration.schema.parse(woo)).toMatchObject({
      platform: 'woocommerce',
      domain: 'https://dyqani.al',
      credentials: { platform: 'woocommerce', consumerKey: 'ck_12345678', consumerSecret: 'cs_12345678' },
    })
  })

  it('renews an expiring Shopify token five minutes before it runs out, and never WooCommerce keys', () => {
    const now = 1_000 * MINUTE
    const token = (expiresAt?: number) => ({ platform: 'shopify' as const, accessToken: 'shpat_x', expiresAt })
    expect(PLATFORMS.shopify.renewal?.due(token(now + 4 * MINUTE), now)).toBe(true)
    expect(PLATFORMS.shopify.renewal?.due(token(now + 6 * MINUTE), now)).toBe(false)
    expect(PLATFORMS.shopify.renewal?.due(token(undefined), now)).toBe(false)
    expect(PLATFORMS.woocommerce.renewal).toBeUndefined()
  })

  it('makes a WooCommerce store a webhook secret when the merchant brings none, and keeps the one it has', () => {
    const config = { shopify: { apiSecret: undefined } }
    expect(PLATFORMS.woocommerce.registration.webhookSecret(undefined, 'Stored1234567890', config)).toBe('Stored1234567890')
    expect(PLATFORMS.woocommerce.registration.webhookSecret(undefined, undefined, config)).toMatch(/^[A-Za-z0-9]{16,}$/)
    expect(() => PLATFORMS.shopify.registration.webhookSecret(undefined, undefined, config)).toThrow(/API secret key/)
  })
})
