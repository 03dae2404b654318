/**
 * Order payloads shaped like the real ones — Shopify's REST Order resource as `orders/create`
 * delivers it, and WooCommerce's REST v3 order as `order.created` delivers it — with Albanian
 * and Kosovar customers. Ids are bigint where Shopify's exceed 2^53; serialise with
 * `payloadJson` (storeWebhooks.ts) to write them as exact JSON numbers.
 */

export interface SampleItem {
  title: string
  variant?: string
  quantity: number
  price: string
}

export interface SampleCustomer {
  firstName: string
  lastName: string
  phone: string | null
  city: string
  address: string
  country: string
}

export const SAMPLE_CUSTOMERS: SampleCustomer[] = [
  { firstName: 'Arben', lastName: 'Krasniqi', phone: '044 123 456', city: 'Prishtinë', address: 'Rr. Nënë Tereza 12', country: 'XK' },
  { firstName: 'Elira', lastName: 'Hoxha', phone: '069 234 5678', city: 'Tiranë', address: 'Rr. Myslym Shyri 40', country: 'AL' },
  { firstName: 'Besnik', lastName: 'Gashi', phone: '+383 49 765 432', city: 'Prizren', address: 'Rr. Remzi Ademaj 3', country: 'XK' },
  { firstName: 'Drita', lastName: 'Shehu', phone: '00355 68 876 5432', city: 'Durrës', address: 'Lagjja 13, Rr. Tregtare', country: 'AL' },
]

export const SAMPLE_ITEMS: SampleItem[] = [
  { title: 'Atlete vrapimi', variant: '42 / E zezë', quantity: 1, price: '4500.00' },
  { title: 'Çantë shpine', quantity: 2, price: '1800.00' },
]

export interface ShopifyOrderOptions {
  id?: bigint
  orderNumber?: number
  customer?: SampleCustomer
  customerId?: bigint
  items?: SampleItem[]
  gateway?: string
  currency?: string
  customerLocale?: string | null
  cancelled?: boolean
  createdAt?: string
}

const sum = (items: SampleItem[]) => items.reduce((t, i) => t + Number(i.price) * i.quantity, 0).toFixed(2)

/** An `orders/create` payload for a cash-on-delivery order unless told otherwise. */
export function shopifyOrderPayload(o: ShopifyOrderOptions = {}) {
  const id = o.id ?? 820982911946154508n
  const number = o.orderNumber ?? 1071
  const c = o.customer ?? SAMPLE_CUSTOMERS[0]!
  const customerId = o.customerId ?? 115310627314723954n
  const items = o.items ?? SAMPLE_ITEMS
  const currency = o.currency ?? 'ALL'
  const gateway = o.gateway ?? 'Cash on Delivery (COD)'
  const total = sum(items)
  const money = { amount: total, currency_code: currency }
  const createdAt = o.createdAt ?? '2026-11-21T10:15:00+01:00'
  const address = {
    first_name: c.firstName,
    last_name: c.lastName,
    name: `${c.firstName} ${c.lastName}`,
    address1: c.address,
    address2: null,
    city: c.city,
    zip: '10000',
    province: null,
    province_code: null,
    country: c.country === 'XK' ? 'Kosovo' : 'Albania',
    country_code: c.country,
    company: null,
    phone: c.phone,
    latitude: null,
    longitude: null,
  }
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    app_id: 580111,
    browser_ip: '31.22.48.10',
    buyer_accepts_marketing: false,
    cancel_reason: o.cancelled ? 'customer' : null,
    cancelled_at: o.cancelled ? createdAt : null,
    cart_token: null,
    checkout_id: 38411300000001n,
    confirmation_number: 'V9ENVL83C',
    confirmed: true,
    contact_email: null,
    created_at: createdAt,
    currency,
    current_subtotal_price: total,
    current_total_price: total,
    current_total_tax: '0.00',
    customer_locale: o.customerLocale === undefined ? 'sq-AL' : o.customerLocale,
    email: '',
    financial_status: 'pending',
    fulfillment_status: null,
    gateway,
    name: `#${number}`,
    note: null,
    note_attributes: [],
    number: number - 1000,
    order_number: number,
    payment_gateway_names: [gateway],
    phone: null,
    presentment_currency: currency,
    processed_at: createdAt,
    source_name: 'web',
    subtotal_price: total,
    tags: '',
    test: false,
    total_price: total,
    total_price_set: { shop_money: money, presentment_money: money },
    total_tax: '0.00',
    updated_at: createdAt,
    billing_address: address,
    shipping_address: address,
    customer: {
      id: customerId,
      admin_graphql_api_id: `gid://shopify/Customer/${customerId}`,
      email: null,
      first_name: c.firstName,
      last_name: c.lastName,
      phone: null,
      state: 'disabled',
      currency,
      tags: '',
      default_address: { ...address, id: 1053317291n, customer_id: customerId, default: true },
    },
    line_items: items.map((item, i) => ({
      id: 15518907892012n + BigInt(i),
      admin_graphql_api_id: `gid://shopify/LineItem/${15518907892012n + BigInt(i)}`,
      current_quantity: item.quantity,
      fulfillable_quantity: item.quantity,
      fulfillment_service: 'manual',
      fulfillment_status: null,
      gift_card: false,
      grams: 500,
      name: item.variant ? `${item.title} - ${item.variant}` : item.title,
      price: item.price,
      price_set: { shop_money: { amount: item.price, currency_code: currency }, presentment_money: { amount: item.price, currency_code: currency } },
      product_exists: true,
      product_id: 9797441945900n + BigInt(i),
      properties: [],
      quantity: item.quantity,
      requires_shipping: true,
      sku: `SKU-${i + 1}`,
      taxable: true,
      title: item.title,
      total_discount: '0.00',
      variant_id: 50451770802476n + BigInt(i),
      variant_title: item.variant ?? null,
      vendor: 'Dyqani',
      tax_lines: [],
      discount_allocations: [],
    })),
    shipping_lines: [{ id: 4710588887084n, code: 'Standard', price: '200.00', title: 'Dërgesë standarde', source: 'shopify', phone: null }],
    fulfillments: [],
    refunds: [],
  }
}

export interface WooOrderOptions {
  id?: number
  number?: string
  status?: string
  paymentMethod?: string
  paymentMethodTitle?: string
  customer?: SampleCustomer
  /** Where the phone sits: WooCommerce's standard billing phone, or the newer shipping phone. */
  phoneOn?: 'billing' | 'shipping'
  items?: SampleItem[]
  currency?: string
}

/** An `order.created` payload (a REST v3 order) for a cash-on-delivery order unless told otherwise. */
export function wooOrderPayload(o: WooOrderOptions = {}) {
  const id = o.id ?? 727
  const c = o.customer ?? SAMPLE_CUSTOMERS[1]!
  const items = o.items ?? SAMPLE_ITEMS
  const phoneOn = o.phoneOn ?? 'billing'
  const currency = o.currency ?? 'ALL'
  const address = {
    first_name: c.firstName,
    last_name: c.lastName,
    company: '',
    address_1: c.address,
    address_2: '',
    city: c.city,
    state: '',
    postcode: '1001',
    country: c.country,
  }
  return {
    id,
    parent_id: 0,
    number: o.number ?? String(id),
    order_key: `wc_order_${id}abc`,
    created_via: 'checkout',
    version: '9.9.0',
    status: o.status ?? 'processing',
    currency,
    date_created: '2026-11-21T10:15:00',
    date_created_gmt: '2026-11-21T09:15:00',
    date_modified: '2026-11-21T10:15:00',
    date_modified_gmt: '2026-11-21T09:15:00',
    discount_total: '0.00',
    shipping_total: '200.00',
    total: sum(items),
    total_tax: '0.00',
    prices_include_tax: true,
    customer_id: 0,
    customer_ip_address: '31.22.48.10',
    customer_user_agent: 'Mozilla/5.0',
    customer_note: 'Ju lutem telefononi para dorëzimit',
    billing: { ...address, email: 'klient@example.al', phone: phoneOn === 'billing' ? (c.phone ?? '') : '' },
    shipping: { ...address, phone: phoneOn === 'shipping' ? (c.phone ?? '') : '' },
    payment_method: o.paymentMethod ?? 'cod',
    payment_method_title: o.paymentMethodTitle ?? 'Pagesë në dorëzim',
    transaction_id: '',
    date_paid: null,
    date_completed: null,
    cart_hash: 'e3b0c44298fc1c149afbf4c8996fb924',
    meta_data: [{ id: 11251, key: '_wc_order_attribution_source_type', value: 'typein' }],
    line_items: items.map((item, i) => ({
      id: 101 + i,
      name: item.variant ? `${item.title} - ${item.variant}` : item.title,
      product_id: 418 + i,
      variation_id: 0,
      quantity: item.quantity,
      tax_class: '',
      subtotal: (Number(item.price) * item.quantity).toFixed(2),
      subtotal_tax: '0.00',
      total: (Number(item.price) * item.quantity).toFixed(2),
      total_tax: '0.00',
      taxes: [],
      meta_data: [],
      sku: `SKU-${i + 1}`,
      price: Number(item.price),
      parent_name: null,
    })),
    tax_lines: [],
    shipping_lines: [{ id: 120, method_title: 'Dërgesë', method_id: 'flat_rate', total: '200.00', total_tax: '0.00', taxes: [], meta_data: [] }],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
    set_paid: false,
  }
}
