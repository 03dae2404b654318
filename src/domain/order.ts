/** The platform-neutral shapes every part of callconfirm speaks about an order. */

export const OUTCOMES = ['confirmed', 'cancelled', 'needs_review', 'no_answer', 'voicemail', 'invalid_phone', 'failed'] as const
export type Outcome = (typeof OUTCOMES)[number]

/**
 * Where an order is in its life with us. `queued` means its call job waits to be dialled
 * (each order carries exactly one call job), `calling` that an attempt is in flight, `done`
 * that it has its final outcome, `skipped` that it will never be called (with a reason).
 */
export const ORDER_STATUSES = ['skipped', 'queued', 'calling', 'done'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export interface OrderItem {
  title: string
  quantity: number
}

/** An order as a store delivered it, normalised by that platform's adapter. */
export interface IncomingOrder {
  /** The platform's id, always a string: Shopify ids exceed 2^53. */
  platformOrderId: string
  /** What the merchant and the customer call it: "#1071" on Shopify, "727" on WooCommerce. */
  name: string
  customerPlatformId: string | null
  customerName: string | null
  /** Phone numbers found on the order, most useful first (the courier's shipping phone leads). */
  phones: string[]
  shippingCountry: string | null
  billingCountry: string | null
  /** The storefront locale the customer bought in, if the platform says. */
  locale: string | null
  city: string | null
  items: OrderItem[]
  total: string
  currency: string
  /** Gateway names, ids and titles, as the platform writes them. */
  paymentMethods: string[]
  placedAt: string | null
  cancelled: boolean
}

/** Why an order will not be called. */
export type SkipReason =
  | 'store_disabled'
  | 'order_cancelled'
  | 'not_cash_on_delivery'
  | 'store_uninstalled'
  | 'data_redacted'
  // found when the order was read again from the store just before dialling
  | 'cancelled_in_store'
  | 'fulfilled_in_store'
  | 'already_answered'
  | 'order_not_found'
  | 'store_access_revoked'
  // the customer's number asked not to be contacted (STOP by message: src/messages/)
  | 'do_not_contact'
