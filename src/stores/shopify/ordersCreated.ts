import { readOrdersPage } from '../payload.js'
import type { OrdersPage } from '../platform.js'
import type { ShopifyAdmin } from './adminApi.js'
import { normaliseShopifyOrder } from './order.js'

// 25 orders of 25 line items cost about 850 points, under Shopify's 1,000 for one query.
const ORDERS_CREATED = `#graphql
  query CallconfirmOrdersCreated($query: String!, $after: String) {
    orders(first: 25, after: $after, query: $query, sortKey: CREATED_AT) {
      nodes {
        id
        name
        createdAt
        cancelledAt
        customerLocale
        currencyCode
        presentmentCurrencyCode
        phone
        paymentGatewayNames
        totalPriceSet { presentmentMoney { amount currencyCode } }
        lineItems(first: 25) { nodes { name title quantity currentQuantity } }
        customer { id firstName lastName defaultPhoneNumber { phoneNumber } defaultAddress { ...CallconfirmAddress } }
        shippingAddress { ...CallconfirmAddress }
        billingAddress { ...CallconfirmAddress }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment CallconfirmAddress on MailingAddress { firstName lastName name city countryCodeV2 phone }`

interface Address {
  firstName: string | null
  lastName: string | null
  name: string | null
  city: string | null
  countryCodeV2: string | null
  phone: string | null
}

interface OrderNode {
  id: string
  name: string
  createdAt: string
  cancelledAt: string | null
  customerLocale: string | null
  currencyCode: string
  presentmentCurrencyCode: string
  phone: string | null
  paymentGatewayNames: string[]
  totalPriceSet: { presentmentMoney: { amount: string; currencyCode: string } }
  lineItems: { nodes: Array<{ name: string; title: string; quantity: number; currentQuantity: number }> }
  customer: {
    id: string
    firstName: string | null
    lastName: string | null
    defaultPhoneNumber: { phoneNumber: string } | null
    defaultAddress: Address | null
  } | null
  shippingAddress: Address | null
  billingAddress: Address | null
}

interface OrdersCreated {
  orders: { nodes: OrderNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
}

const restAddress = (a: Address | null) =>
  a && { first_name: a.firstName, last_name: a.lastName, name: a.name, city: a.city, country_code: a.countryCodeV2, phone: a.phone }

/**
 * The GraphQL order in the shape of the `orders/create` payload (the REST Order resource), the one
 * place the two are matched, so both reach intake through the same normaliser.
 */
function asWebhookPayload(o: OrderNode) {
  const c = o.customer
  return {
    admin_graphql_api_id: o.id,
    name: o.name,
    created_at: o.createdAt,
    cancelled_at: o.cancelledAt,
    customer_locale: o.customerLocale,
    currency: o.currencyCode,
    presentment_currency: o.presentmentCurrencyCode,
    phone: o.phone,
    payment_gateway_names: o.paymentGatewayNames,
    total_price_set: {
      presentment_money: { amount: o.totalPriceSet.presentmentMoney.amount, currency_code: o.totalPriceSet.presentmentMoney.currencyCode },
    },
    line_items: o.lineItems.nodes.map((li) => ({ name: li.name, title: li.title, quantity: li.quantity, current_quantity: li.currentQuantity })),
    customer: c && {
      admin_graphql_api_id: c.id,
      first_name: c.firstName,
      last_name: c.lastName,
      phone: c.defaultPhoneNumber?.phoneNumber,
      default_address: restAddress(c.defaultAddress),
    },
    shipping_address: restAddress(o.shippingAddress),
    billing_address: restAddress(o.billingAddress),
  }
}

/** Shopify's search syntax takes a UTC time to the second: `created_at:>='2026-11-21T09:05:00Z'`. */
const createdSince = (since: number) => `created_at:>='${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`

/**
 * The shop's orders created at or after `since`, through the Admin GraphQL `orders` connection
 * sorted by creation, a page of 25 at a time, paced by the shop's cost bucket like every call.
 */
export async function* shopifyOrdersCreatedSince(admin: ShopifyAdmin, shop: string, accessToken: string, since: number): AsyncIterable<OrdersPage> {
  let after: string | null = null
  do {
    const { orders }: OrdersCreated = await admin.graphql<OrdersCreated>(shop, accessToken, ORDERS_CREATED, { query: createdSince(since), after })
    yield readOrdersPage(orders.nodes, (node) => normaliseShopifyOrder(asWebhookPayload(node)))
    after = orders.pageInfo.hasNextPage ? orders.pageInfo.endCursor : null
  } while (after)
}
