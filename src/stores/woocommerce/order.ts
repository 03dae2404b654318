import { z } from 'zod'
import type { IncomingOrder } from '../../domain/order.js'
import { distinct, fullName, id, parsePayload, text } from '../payload.js'

const address = z.object({ first_name: text, last_name: text, city: text, country: text, phone: text }).nullish()

/** The fields of a WooCommerce REST v3 order (the `order.created` payload) that we read. */
const wooOrderSchema = z.object({
  id,
  number: text,
  status: text,
  currency: text,
  total: text,
  customer_id: z.number().int().nullish(),
  payment_method: text,
  payment_method_title: text,
  date_created_gmt: text,
  billing: address,
  shipping: address,
  line_items: z.array(z.object({ name: text, quantity: z.number().int().nonnegative() })),
})

/** Statuses that mean the order will not ship, whatever the customer would say. */
export const CLOSED_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'failed', 'refunded', 'trash'])

/** What the read-back and the write-back look at in an order the REST API returns. */
export interface WooOrder {
  status: string
  meta_data?: Array<{ key: string; value: unknown }>
}

/** The status WooCommerce's block checkout gives an order the customer has not placed yet. */
const CHECKOUT_DRAFT = 'checkout-draft'

/** The REST order's fields we read: a listing asks for these alone (`_fields`). */
export const WOO_ORDER_FIELDS = Object.keys(wooOrderSchema.shape)

export function parseWooOrder(payload: unknown) {
  return parsePayload(wooOrderSchema, payload)
}

/** Block checkout's drafts are not orders yet: the customer has not placed them (the real `order.created` follows). */
export const notPlacedYet = (o: z.output<typeof wooOrderSchema>) => o.status === CHECKOUT_DRAFT

/** Turns an `order.created` payload into the neutral order. */
export function normaliseWooOrder(o: z.output<typeof wooOrderSchema>): IncomingOrder {
  const ship = o.shipping
  const bill = o.billing
  return {
    platformOrderId: o.id,
    name: o.number ?? o.id,
    // Guests have customer_id 0.
    customerPlatformId: o.customer_id ? String(o.customer_id) : null,
    customerName: fullName(ship?.first_name, ship?.last_name) ?? fullName(bill?.first_name, bill?.last_name) ?? null,
    // shipping.phone exists since WooCommerce 5.6 but is usually empty; billing.phone is the standard one.
    phones: distinct([ship?.phone, bill?.phone]),
    shippingCountry: ship?.country?.toUpperCase() ?? null,
    billingCountry: bill?.country?.toUpperCase() ?? null,
    locale: null,
    city: ship?.city ?? bill?.city ?? null,
    items: o.line_items.map((li) => ({ title: li.name ?? 'item', quantity: li.quantity })).filter((li) => li.quantity > 0),
    total: o.total ?? '0.00',
    currency: o.currency ?? 'XXX',
    paymentMethods: distinct([o.payment_method, o.payment_method_title]),
    placedAt: o.date_created_gmt ? `${o.date_created_gmt.replace(/Z?$/, '')}Z` : null,
    cancelled: CLOSED_STATUSES.has(o.status ?? ''),
  }
}
