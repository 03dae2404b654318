import { z } from 'zod'
import type { IncomingOrder } from '../../domain/order.js'
import { ApiError } from '../../utils/errors.js'
import { distinct, fullName, parsePayload, roundedId, text } from '../payload.js'

const address = z
  .object({
    first_name: text,
    last_name: text,
    name: text,
    city: text,
    country_code: text,
    phone: text,
  })
  .nullish()

const money = z.object({ amount: text, currency_code: text }).nullish()

/**
 * The fields of Shopify's `orders/create` payload (the REST Order resource) that we read.
 * Ids come from `admin_graphql_api_id` where present: the numeric `id` loses precision in
 * JSON.parse (Shopify ids exceed 2^53), the gid string does not.
 */
const shopifyOrderSchema = z.object({
  id: roundedId,
  admin_graphql_api_id: text,
  name: text,
  order_number: text,
  customer_locale: text,
  currency: text,
  presentment_currency: text,
  total_price: text,
  current_total_price: text,
  total_price_set: z.object({ presentment_money: money, shop_money: money }).nullish(),
  payment_gateway_names: z.array(z.string()).nullish(),
  gateway: text,
  cancelled_at: text,
  created_at: text,
  phone: text,
  line_items: z.array(
    z.object({
      title: text,
      name: text,
      quantity: z.number().int().nonnegative(),
      current_quantity: z.number().int().nonnegative().nullish(),
    }),
  ),
  customer: z
    .object({
      id: roundedId,
      admin_graphql_api_id: text,
      first_name: text,
      last_name: text,
      phone: text,
      default_address: address,
    })
    .nullish(),
  shipping_address: address,
  billing_address: address,
})

/** `gid://shopify/Order/820982911946154508` → `820982911946154508`. */
export function idFromGid(gid: string | undefined): string | undefined {
  return gid?.match(/^gid:\/\/shopify\/\w+\/(\d+)$/)?.[1]
}

/** Turns an `orders/create` payload into the neutral order; throws a 400 ApiError if it is not one. */
export function normaliseShopifyOrder(payload: unknown): IncomingOrder {
  const o = parsePayload(shopifyOrderSchema, payload)
  const platformOrderId = idFromGid(o.admin_graphql_api_id) ?? o.id
  if (!platformOrderId) throw new ApiError(400, 'invalid_payload', 'order payload: the order has no exact id', 'admin_graphql_api_id')
  const ship = o.shipping_address
  const bill = o.billing_address
  const customer = o.customer
  const presentment = o.total_price_set?.presentment_money
  return {
    platformOrderId,
    name: o.name ?? (o.order_number ? `#${o.order_number}` : platformOrderId),
    customerPlatformId: idFromGid(customer?.admin_graphql_api_id) ?? customer?.id ?? null,
    customerName:
      ship?.name ??
      fullName(ship?.first_name, ship?.last_name) ??
      fullName(customer?.first_name, customer?.last_name) ??
      fullName(bill?.first_name, bill?.last_name) ??
      null,
    // The courier rings the shipping phone, so that is the one to confirm with.
    phones: distinct([ship?.phone, o.phone, bill?.phone, customer?.phone, customer?.default_address?.phone]),
    shippingCountry: ship?.country_code?.toUpperCase() ?? null,
    billingCountry: (bill?.country_code ?? customer?.default_address?.country_code)?.toUpperCase() ?? null,
    locale: o.customer_locale ?? null,
    city: ship?.city ?? bill?.city ?? null,
    items: o.line_items
      .map((li) => ({ title: li.name ?? li.title ?? 'item', quantity: li.current_quantity ?? li.quantity }))
      .filter((li) => li.quantity > 0),
    // What the customer saw at checkout: the presentment currency.
    total: presentment?.amount ?? o.current_total_price ?? o.total_price ?? '0.00',
    currency: presentment?.currency_code ?? o.presentment_currency ?? o.currency ?? 'XXX',
    paymentMethods: distinct([...(o.payment_gateway_names ?? []), o.gateway]),
    placedAt: o.created_at ?? null,
    cancelled: !!o.cancelled_at,
  }
}
