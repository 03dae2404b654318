import { z } from 'zod'
import { ApiError } from '../../utils/errors.js'
import { type RegistrationRules, SHARED_REGISTRATION_FIELDS, type StoreRegistration } from '../platform.js'

const shopDomain = z
  .string()
  .trim()
  .transform((d) =>
    d
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, ''),
  )
  .refine((d) => /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(d), "must be the store's myshopify.com domain, e.g. arbeni-shop.myshopify.com")

const secretText = (what: string) => z.string().trim().min(8, `${what} looks too short`).max(500)

const schema = z
  .object({
    platform: z.literal('shopify'),
    shopDomain,
    accessToken: secretText('accessToken'),
    webhookSecret: secretText('webhookSecret').optional(),
    ...SHARED_REGISTRATION_FIELDS,
  })
  .strict()
  .transform(
    (input): StoreRegistration => ({
      platform: input.platform,
      domain: input.shopDomain,
      credentials: { platform: 'shopify', accessToken: input.accessToken },
      webhookSecret: input.webhookSecret,
      country: input.country,
      settings: input.settings,
    }),
  )

/**
 * A Shopify store registered by hand: a custom app's domain and Admin API token. Its webhooks
 * are signed with the custom app's API secret key, which the merchant gives us, unless the service
 * has its own app (SHOPIFY_API_SECRET) to verify them with.
 */
export const shopifyRegistration: RegistrationRules = {
  schema,
  // The schema takes only a myshopify.com domain: Shopify's own, on the internet.
  checkAddress: async () => undefined,
  webhookSecret(given, stored, config) {
    if (!given && !stored && !config.shopify.apiSecret)
      throw new ApiError(
        400,
        'invalid_field',
        "required: the custom app's API secret key, which signs its webhooks (or set SHOPIFY_API_SECRET)",
        'webhookSecret',
      )
    return given
  },
  webhookInstructions: (url, secret) => ({
    url,
    topics: ['orders/create', 'app/uninstalled'],
    format: 'json',
    signedWith: secret ? 'the webhook secret registered for this store' : 'SHOPIFY_API_SECRET',
  }),
}
