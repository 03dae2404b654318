import { z } from 'zod'
import { ApiError } from '../../utils/errors.js'
import { newAlphanumericSecret } from '../../utils/ids.js'
import { type RegistrationRules, SHARED_REGISTRATION_FIELDS, type StoreRegistration } from '../platform.js'
import { storeAddressRefusal } from '../storeAddress.js'
import { keysMayTravelTo, normaliseSiteUrl } from './siteUrl.js'

const schema = z
  .object({
    platform: z.literal('woocommerce'),
    siteUrl: z
      .string()
      .trim()
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be the store's URL, e.g. https://dyqani.al"),
    consumerKey: z
      .string()
      .trim()
      .regex(/^ck_[A-Za-z0-9]{8,}$/, 'must be a WooCommerce consumer key (starts with ck_)'),
    consumerSecret: z
      .string()
      .trim()
      .regex(/^cs_[A-Za-z0-9]{8,}$/, 'must be a WooCommerce consumer secret (starts with cs_)'),
    webhookSecret: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{16,200}$/, 'must be 16 or more letters and digits (WooCommerce HTML-decodes other characters)')
      .optional(),
    ...SHARED_REGISTRATION_FIELDS,
  })
  .strict()
  .transform(
    (input): StoreRegistration => ({
      platform: input.platform,
      domain: normaliseSiteUrl(input.siteUrl),
      credentials: { platform: 'woocommerce', consumerKey: input.consumerKey, consumerSecret: input.consumerSecret },
      webhookSecret: input.webhookSecret,
      country: input.country,
      settings: input.settings,
    }),
  )

/**
 * A WooCommerce store registered by hand: its site URL and REST API keys. The keys travel in
 * every request, so the store must be on https and on the internet; its webhooks are signed with
 * a secret of its own, which we make when the merchant brings none, and the merchant pastes it in.
 */
export const wooRegistration: RegistrationRules = {
  schema,
  async checkAddress({ domain }, network) {
    if (!keysMayTravelTo(domain)) throw new ApiError(400, 'invalid_field', 'must be https: WooCommerce API keys travel in every request', 'siteUrl')
    const refusal = await storeAddressRefusal(network, domain)
    if (refusal) throw new ApiError(400, 'invalid_field', `must be a store on the internet: ${refusal}`, 'siteUrl')
  },
  webhookSecret: (given, stored) => given ?? stored ?? newAlphanumericSecret(),
  webhookInstructions: (url, secret) => ({ url, topic: 'order.created', apiVersion: 'WP REST API Integration v3', secret }),
}
