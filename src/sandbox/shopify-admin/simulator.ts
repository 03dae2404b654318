import type { IncomingMessage } from 'node:http'
import { buildSchema, GraphQLError, type GraphQLSchema, graphql } from 'graphql'
import { type Context, Hono } from 'hono'
import { serveOnLoopback } from '../loopback.js'
import { type Delivery, deliverShopifyWebhook } from '../storeWebhooks.js'
import { mountAdminFrame } from './adminFrame.js'
import { type Grant, mountOAuth, type PartnerApp, type TokenRequest } from './oauth.js'
import { queryCostOf } from './queryCost.js'

/**
 * The part of the Admin GraphQL schema (2026-07) the app uses, as Shopify defines it: asking
 * for anything else fails validation exactly as it would against Shopify.
 */
const schema: GraphQLSchema = buildSchema(`
  scalar DateTime
  scalar Decimal
  interface Node { id: ID! }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type UserError { field: [String!] message: String! }
  enum OrderDisplayFulfillmentStatus {
    FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED SCHEDULED UNFULFILLED REQUEST_DECLINED
  }
  enum FulfillmentOrderStatus { CANCELLED CLOSED INCOMPLETE IN_PROGRESS ON_HOLD OPEN SCHEDULED }
  enum FulfillmentHoldReason {
    AWAITING_PAYMENT AWAITING_RETURN_ITEMS HIGH_RISK_OF_FRAUD INCORRECT_ADDRESS INVENTORY_OUT_OF_STOCK
    ONLINE_STORE_POST_PURCHASE_CROSS_SELL OTHER UNKNOWN_DELIVERY_DATE
  }
  type FulfillmentHold { id: ID! handle: String reason: FulfillmentHoldReason! reasonNotes: String heldByRequestingApp: Boolean! }
  type FulfillmentOrder implements Node { id: ID! status: FulfillmentOrderStatus! fulfillmentHolds: [FulfillmentHold!]! }
  type FulfillmentOrderConnection { nodes: [FulfillmentOrder!]! }
  enum CurrencyCode { ALL EUR MKD RSD USD GBP CHF }
  type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
  type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
  type MailingAddress implements Node {
    id: ID! firstName: String lastName: String name: String address1: String city: String zip: String
    country: String countryCodeV2: CountryCode phone: String
  }
  type CustomerPhoneNumber { phoneNumber: String! }
  type Customer implements Node {
    id: ID! firstName: String lastName: String defaultPhoneNumber: CustomerPhoneNumber defaultAddress: MailingAddress
  }
  type LineItem implements Node { id: ID! name: String! title: String! quantity: Int! currentQuantity: Int! }
  type LineItemConnection { nodes: [LineItem!]! pageInfo: PageInfo! }
  type Order implements Node {
    id: ID!
    name: String!
    createdAt: DateTime!
    processedAt: DateTime!
    updatedAt: DateTime!
    cancelledAt: DateTime
    closed: Boolean!
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    note: String
    tags: [String!]!
    customerLocale: String
    currencyCode: CurrencyCode!
    presentmentCurrencyCode: CurrencyCode!
    phone: String
    paymentGatewayNames: [String!]!
    totalPriceSet: MoneyBag!
    currentTotalPriceSet: MoneyBag!
    customer: Customer
    shippingAddress: MailingAddress
    billingAddress: MailingAddress
    lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): LineItemConnection!
    fulfillmentOrders(first: Int, after: String, last: Int, before: String, reverse: Boolean, displayable: Boolean, query: String): FulfillmentOrderConnection!
  }
  type OrderEdge { cursor: String! node: Order! }
  type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }
  enum OrderSortKeys {
    CREATED_AT CURRENT_TOTAL_PRICE CUSTOMER_NAME DESTINATION FINANCIAL_STATUS FULFILLMENT_STATUS ID ORDER_NUMBER
    PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT
  }
  type Job { id: ID! done: Boolean! }
  input OrderInput { id: ID! note: String tags: [String!] email: String phone: String poNumber: String }
  enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
  input OrderCancelStoreCreditRefundInput { expiresAt: DateTime }
  input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean storeCreditRefund: OrderCancelStoreCreditRefundInput }
  enum OrderCancelUserErrorCode { INVALID NOT_FOUND NO_REFUND_PERMISSION }
  type OrderCancelUserError { field: [String!] message: String! code: OrderCancelUserErrorCode }
  input FulfillmentOrderLineItemInput { id: ID! quantity: Int! }
  input FulfillmentOrderHoldInput {
    reason: FulfillmentHoldReason! reasonNotes: String notifyMerchant: Boolean externalId: String handle: String
    fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
  }
  enum FulfillmentOrderHoldUserErrorCode { FULFILLMENT_ORDER_NOT_FOUND DUPLICATE_FULFILLMENT_HOLD_HANDLE FULFILLMENT_ORDER_HOLD_LIMIT_REACHED TAKEN }
  type FulfillmentOrderHoldUserError { field: [String!] message: String! code: FulfillmentOrderHoldUserErrorCode }
  enum FulfillmentOrderReleaseHoldUserErrorCode { FULFILLMENT_ORDER_NOT_FOUND INVALID_ACCESS }
  type FulfillmentOrderReleaseHoldUserError { field: [String!] message: String! code: FulfillmentOrderReleaseHoldUserErrorCode }
  type TagsAddPayload { node: Node userErrors: [UserError!]! }
  type TagsRemovePayload { node: Node userErrors: [UserError!]! }
  type OrderUpdatePayload { order: Order userErrors: [UserError!]! }
  type OrderCancelPayload { job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]! }
  type FulfillmentOrderHoldPayload {
    fulfillmentHold: FulfillmentHold fulfillmentOrder: FulfillmentOrder remainingFulfillmentOrder: FulfillmentOrder
    userErrors: [FulfillmentOrderHoldUserError!]!
  }
  type FulfillmentOrderReleaseHoldPayload { fulfillmentOrder: FulfillmentOrder userErrors: [FulfillmentOrderReleaseHoldUserError!]! }
  enum CountryCode { AL XK MK ME RS GR IT DE US GB }
  type ShopAddress { countryCodeV2: CountryCode }
  type Shop { name: String! myshopifyDomain: String! ianaTimezone: String! currencyCode: String! billingAddress: ShopAddress! }
  enum WebhookSubscriptionTopic { ORDERS_CREATE APP_UNINSTALLED ORDERS_UPDATED ORDERS_CANCELLED }
  enum WebhookSubscriptionFormat { JSON XML }
  type WebhookSubscription implements Node { id: ID! topic: WebhookSubscriptionTopic! uri: String! format: WebhookSubscriptionFormat! }
  type WebhookSubscriptionConnection { nodes: [WebhookSubscription!]! }
  input WebhookSubscriptionInput { uri: String format: WebhookSubscriptionFormat includeFields: [String!] filter: String }
  type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
  type Query {
    order(id: ID!): Order
    orders(
      first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: OrderSortKeys = PROCESSED_AT,
      query: String, savedSearchId: ID
    ): OrderConnection!
    shop: Shop!
    webhookSubscriptions(first: Int, after: String, topics: [WebhookSubscriptionTopic!], uri: String): WebhookSubscriptionConnection!
  }
  type Mutation {
    tagsAdd(id: ID!, tags: [String!]!): TagsAddPayload
    tagsRemove(id: ID!, tags: [String!]!): TagsRemovePayload
    orderUpdate(input: OrderInput!): OrderUpdatePayload
    orderCancel(
      orderId: ID!, reason: OrderCancelReason!, restock: Boolean!, notifyCustomer: Boolean, refund: Boolean,
      refundMethod: OrderCancelRefundMethodInput, staffNote: String
    ): OrderCancelPayload
    fulfillmentOrderHold(id: ID!, fulfillmentHold: FulfillmentOrderHoldInput!): FulfillmentOrderHoldPayload
    fulfillmentOrderReleaseHold(id: ID!, holdIds: [ID!], externalId: String): FulfillmentOrderReleaseHoldPayload
    webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
  }
`)

/** The access scope each field needs, as Shopify documents them. */
const REQUIRED_SCOPE: Record<string, string> = {
  order: 'read_orders',
  orders: 'read_orders',
  fulfillmentOrders: 'read_merchant_managed_fulfillment_orders',
  tagsAdd: 'write_orders',
  tagsRemove: 'write_orders',
  orderUpdate: 'write_orders',
  orderCancel: 'write_orders',
  fulfillmentOrderHold: 'write_merchant_managed_fulfillment_orders',
  fulfillmentOrderReleaseHold: 'write_merchant_managed_fulfillment_orders',
}

/** Topics whose payloads carry protected customer data: subscribing needs Shopify's approval. */
const PROTECTED_TOPICS = new Set(['ORDERS_CREATE', 'ORDERS_UPDATED', 'ORDERS_CANCELLED'])
/** The scope a topic's subscription needs. */
const TOPIC_SCOPE: Record<string, string | undefined> = {
  ORDERS_CREATE: 'read_orders',
  ORDERS_UPDATED: 'read_orders',
  ORDERS_CANCELLED: 'read_orders',
}

/** An order as the simulated shop holds it: the REST resource its webhook carried, kept current. */
export type ShopOrder = Record<string, unknown> & { id: bigint | number | string; admin_graphql_api_id: string }

interface FulfillmentOrderState {
  id: string
  status: 'OPEN' | 'ON_HOLD' | 'CLOSED'
  holds: Array<{ id: string; handle: string | null; reason: string; reasonNotes: string | null }>
}

/** Shopify's leaky bucket for one app on one shop (Standard plan: 2,000 points, 100 a second). */
export interface RateLimit {
  maximumAvailable: number
  restoreRate: number
}

/** What the next request to a shop meets instead of a normal answer. */
export type ShopifyFault =
  /** An HTTP error with Shopify's body (429 carries Retry-After). */
  | { status: 429 | 500 | 502 | 503 }
  /** The bucket is empty when the request arrives: Shopify's THROTTLED answer, honestly earned. */
  | 'throttle'
  /** Shopify's GraphQL INTERNAL_SERVER_ERROR (HTTP 200). */
  | 'internal_error'
  /** The request is carried out, then the connection drops before the answer: the caller cannot know. */
  | 'drop'

/** What `shop { … }` answers: the merchant's store details. */
export interface ShopProfile {
  name: string
  ianaTimezone: string
  country: string
}

interface Shop {
  domain: string
  profile: ShopProfile
  /** The app's access: a custom app's token, or what OAuth issued; none until installed. */
  grant: Grant | undefined
  webhooks: Array<{ id: string; topic: string; uri: string }>
  /** Whether Shopify approved the app for protected customer data (order topics need it). */
  protectedDataApproved: boolean
  orders: Map<string, ShopOrder>
  fulfillmentOrders: Map<string, FulfillmentOrderState[]>
  bucket: RateLimit & { available: number; at: number }
  deniedScopes: Set<string>
  faults: Array<{ fault: ShopifyFault; query?: RegExp }>
}

export const SUPPORTED_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10']

export interface ShopifyAdminOptions {
  /** The public app OAuth installs are for; without one only custom-app tokens exist. */
  app?: PartnerApp
  /** Lifetime of expiring offline tokens (Shopify: 3,600 s). */
  tokenTtlSeconds?: number
}

export interface ShopifyAdminSimulator {
  origin: string
  /**
   * A shop, with its rate limit (Shopify's Standard plan by default). With `accessToken` the app
   * is installed as a custom app holding that token; without, the shop waits for an OAuth install.
   */
  addShop(domain: string, accessToken?: string, rateLimit?: RateLimit, profile?: Partial<ShopProfile>): void
  /** Whether the app is installed on the shop (holds a token). */
  installed(domain: string): boolean
  /** The access token the shop's grant holds now. */
  tokenOf(domain: string): string | undefined
  /** Every request to `/admin/oauth/access_token`: installs and refreshes. */
  tokenRequests: TokenRequest[]
  /** The shop's webhook subscriptions, as the app created them. */
  webhooks(domain: string): Array<{ topic: string; uri: string }>
  /** A customer places an order: it is kept, and `orders/create` goes to each subscription, signed with the app's secret. */
  placeOrder(domain: string, order: ShopOrder): Promise<Delivery[]>
  /** The merchant uninstalls the app: its token is revoked, its subscriptions deleted, `app/uninstalled` delivered. */
  uninstall(domain: string): Promise<Delivery[]>
  /** Makes the shop's expiring token expire now, so the next call needs a refresh. */
  expireToken(domain: string): void
  /** Withholds Shopify's protected-customer-data approval: order topics can no longer be subscribed to. */
  withholdProtectedData(domain: string): void
  /** Puts an order in a shop (the payload its `orders/create` webhook carries), with one open fulfillment order. */
  addOrder(domain: string, order: ShopOrder): void
  /** The shop's order, to change or inspect as the merchant would see it. */
  order(domain: string, id: string): ShopOrder | undefined
  /** Deletes an order, as a merchant can in the admin. */
  deleteOrder(domain: string, id: string): void
  /** The order's tags as the merchant sees them. */
  tags(domain: string, id: string): string[]
  /** The order's fulfillment orders and their holds. */
  fulfillmentOrders(domain: string, id: string): FulfillmentOrderState[]
  /** Revokes a shop's token, as uninstalling the app does. */
  revoke(domain: string): void
  /** Takes an access scope away from the app (its fields then answer ACCESS_DENIED). */
  denyScope(domain: string, scope: string): void
  /** What the next requests to the shop meet, one fault each, in order. */
  failNext(domain: string, ...faults: ShopifyFault[]): void
  /** The same, for the next requests whose query matches (`/^mutation/`: the next write). */
  failMatching(domain: string, query: RegExp, ...faults: ShopifyFault[]): void
  requests: Array<{ query: string; variables: unknown; status: number; throttled: boolean; cost: number }>
  close(): Promise<void>
}

const idOf = (o: ShopOrder) => String(o.admin_graphql_api_id).split('/').pop()!
const tagList = (o: ShopOrder) =>
  String(o.tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)

type RestRecord = Record<string, unknown>
type RestMoney = { amount: string; currency_code: string } | undefined

/** Where a node sits in a connection's order: the sort key's value (canonical text), then its numeric id. */
interface Position {
  value: string
  id: string
}

/** Shopify's cursors are base64 JSON of the last id and sort value, so a cursor outlives its node. */
const cursorFor = (p: Position) => Buffer.from(JSON.stringify({ last_id: p.id, last_value: p.value })).toString('base64')

function positionOf(cursor: string): Position {
  try {
    const { last_id, last_value } = JSON.parse(Buffer.from(cursor, 'base64').toString()) as { last_id: unknown; last_value: unknown }
    if (last_id === undefined) throw new Error('no id')
    return { id: String(last_id), value: String(last_value ?? '') }
  } catch {
    throw new GraphQLError('Invalid cursor for current pagination sort.')
  }
}

const paddedId = (id: string) => id.padStart(24, '0')
const compare = (a: Position, b: Position) =>
  a.value !== b.value ? (a.value < b.value ? -1 : 1) : paddedId(a.id) === paddedId(b.id) ? 0 : paddedId(a.id) < paddedId(b.id) ? -1 : 1

/** A connection's arguments; a variable sent as null is as good as absent. */
interface PageArgs {
  first?: number | null
  after?: string | null
  last?: number | null
  before?: string | null
  reverse?: boolean | null
}

/**
 * One page of a connection, as Shopify pages them all: nodes in their sort order (`reverse` turns
 * it), after `after` and before `before`, the first `first` or the last `last` of them (one is
 * required, 250 at most), with cursors and page info.
 */
function connectionOf<T>(items: T[], positionOfNode: (node: T) => Position, args: PageArgs) {
  const size = args.first ?? args.last
  if (size == null) throw new GraphQLError('you must provide one of first or last')
  if (size > 250) throw new GraphQLError('The maximum number of items that can be returned in a page is 250.')
  const sign = args.reverse ? -1 : 1
  const sorted = items.map((node) => ({ node, at: positionOfNode(node) })).sort((a, b) => sign * compare(a.at, b.at))
  const after = args.after == null ? undefined : positionOf(args.after)
  const before = args.before == null ? undefined : positionOf(args.before)
  const window = sorted.filter(({ at }) => (!after || sign * compare(at, after) > 0) && (!before || sign * compare(at, before) < 0))
  const page = args.first != null ? window.slice(0, size) : window.slice(Math.max(0, window.length - size))
  const [head, tail] = [page[0], page.at(-1)]
  return {
    edges: page.map(({ node, at }) => ({ cursor: cursorFor(at), node })),
    nodes: page.map(({ node }) => node),
    pageInfo: {
      hasNextPage: !!tail && sorted.some(({ at }) => sign * compare(at, tail.at) > 0),
      hasPreviousPage: !!head && sorted.some(({ at }) => sign * compare(at, head.at) < 0),
      startCursor: head ? cursorFor(head.at) : null,
      endCursor: tail ? cursorFor(tail.at) : null,
    },
  }
}

const moneyV2 = (m: RestMoney) => m && { amount: m.amount, currencyCode: m.currency_code }
const moneyBag = (set: { shop_money?: RestMoney; presentment_money?: RestMoney } | undefined, amount: unknown, currency: unknown) => {
  const fallback = { amount: String(amount ?? '0.00'), currency_code: String(currency ?? 'EUR') }
  return { shopMoney: moneyV2(set?.shop_money ?? fallback), presentmentMoney: moneyV2(set?.presentment_money ?? fallback) }
}

function mailingAddress(a: RestRecord | null | undefined) {
  if (!a) return null
  return {
    __typename: 'MailingAddress',
    id: `gid://shopify/MailingAddress/${a.id ?? nextId++}`,
    firstName: a.first_name ?? null,
    lastName: a.last_name ?? null,
    name: a.name ?? null,
    address1: a.address1 ?? null,
    city: a.city ?? null,
    zip: a.zip ?? null,
    country: a.country ?? null,
    countryCodeV2: a.country_code ?? null,
    phone: a.phone ?? null,
  }
}

function toGraphql(o: ShopOrder, shop: Shop) {
  const fulfillment = o.fulfillment_status === 'fulfilled' ? 'FULFILLED' : o.fulfillment_status === 'partial' ? 'PARTIALLY_FULFILLED' : 'UNFULFILLED'
  const customer = o.customer as RestRecord | null | undefined
  const lineItems = (o.line_items as RestRecord[] | undefined) ?? []
  return {
    __typename: 'Order',
    id: o.admin_graphql_api_id,
    name: o.name,
    createdAt: o.created_at,
    processedAt: o.processed_at ?? o.created_at,
    updatedAt: o.updated_at ?? o.created_at,
    cancelledAt: o.cancelled_at ?? null,
    closed: !!o.closed_at,
    displayFulfillmentStatus: fulfillment,
    note: o.note ?? null,
    tags: tagList(o),
    customerLocale: o.customer_locale ?? null,
    currencyCode: o.currency,
    presentmentCurrencyCode: o.presentment_currency ?? o.currency,
    phone: o.phone ?? null,
    paymentGatewayNames: o.payment_gateway_names ?? [],
    totalPriceSet: moneyBag(o.total_price_set as never, o.total_price, o.currency),
    currentTotalPriceSet: moneyBag(o.current_total_price_set as never, o.current_total_price ?? o.total_price, o.currency),
    customer: customer && {
      __typename: 'Customer',
      id: customer.admin_graphql_api_id,
      firstName: customer.first_name ?? null,
      lastName: customer.last_name ?? null,
      defaultPhoneNumber: customer.phone ? { phoneNumber: customer.phone } : null,
      defaultAddress: mailingAddress(customer.default_address as RestRecord | undefined),
    },
    shippingAddress: mailingAddress(o.shipping_address as RestRecord | undefined),
    billingAddress: mailingAddress(o.billing_address as RestRecord | undefined),
    lineItems: (args: PageArgs) =>
      connectionOf(
        lineItems.map((li) => ({
          __typename: 'LineItem',
          id: li.admin_graphql_api_id,
          name: li.name,
          title: li.title,
          quantity: li.quantity,
          currentQuantity: li.current_quantity ?? li.quantity,
        })),
        (li) => ({ value: '', id: String(li.id).split('/').pop()! }),
        args,
      ),
    fulfillmentOrders: () => {
      requireScope(shop, 'fulfillmentOrders')
      return { nodes: (shop.fulfillmentOrders.get(idOf(o)) ?? []).map(fulfillmentOrderView) }
    },
  }
}

const fulfillmentOrderView = (fo: FulfillmentOrderState) => ({
  __typename: 'FulfillmentOrder',
  id: fo.id,
  status: fo.status,
  fulfillmentHolds: fo.holds.map((h) => ({ ...h, heldByRequestingApp: true })),
})

/** Whether granted scopes cover `needed` (a `write_` scope includes its `read_`). */
const covers = (granted: string[], needed: string) =>
  granted.includes(needed) || (needed.startsWith('read_') && granted.includes(`write_${needed.slice(5)}`))

function requireScope(shop: Shop, field: string) {
  const scope = REQUIRED_SCOPE[field]
  if (scope && (shop.deniedScopes.has(scope) || !covers(shop.grant?.scopes ?? [], scope)))
    throw new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
      extensions: {
        code: 'ACCESS_DENIED',
        documentation: 'https://shopify.dev/api/usage/access-scopes',
        requiredAccess: `\`${scope}\` access scope.`,
      },
    })
}

/** Shopify splits tag input on commas and keeps one of each tag, case-insensitively. */
function splitTags(input: string[]): string[] {
  return input
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean)
}

let nextId = 1_000_000

const DAY = 86_400_000
/** Shopify refuses a query whose requested cost is above this, before it is charged. */
const MAX_QUERY_COST = 1000

const canonicalTime = (t: unknown) => new Date(Date.parse(String(t))).toISOString()

/** Where an order sits in `orders(sortKey:)`; keys about money, names and addresses are not simulated and sort by id. */
const orderPosition =
  (sortKey: string) =>
  (o: { id: string; createdAt: unknown; processedAt: unknown; updatedAt: unknown }): Position => ({
    value:
      sortKey === 'CREATED_AT'
        ? canonicalTime(o.createdAt)
        : sortKey === 'PROCESSED_AT'
          ? canonicalTime(o.processedAt)
          : sortKey === 'UPDATED_AT'
            ? canonicalTime(o.updatedAt)
            : '',
    id: o.id.split('/').pop()!,
  })

/**
 * The `created_at` terms of Shopify's search syntax (`created_at:>='2026-11-21T09:05:00Z'`, with
 * `>`, `>=`, `<`, `<=`, or `:` for that second), every one of which must hold. Terms on other
 * fields are not simulated: they hold for every order.
 */
function createdAtFilter(query: string | undefined): (createdAt: number) => boolean {
  const terms = [...(query ?? '').matchAll(/(?:^|\s)created_at:(>=|<=|>|<)?(?:'([^']*)'|"([^"]*)"|(\S+))/g)].flatMap((m) => {
    const at = Date.parse(m[2] ?? m[3] ?? m[4] ?? '')
    return Number.isNaN(at) ? [] : [{ op: m[1] ?? ':', at }]
  })
  return (t) =>
    terms.every(({ op, at }) =>
      op === '>=' ? t >= at : op === '>' ? t > at : op === '<=' ? t <= at : op === '<' ? t < at : Math.floor(t / 1000) === Math.floor(at / 1000),
    )
}

const LOOPBACK_URL = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//

/** The resolvers: Shopify's behaviour for the fields the schema above declares. */
function rootValue(shop: Shop) {
  const findOrder = (gid: string) => shop.orders.get(String(gid).split('/').pop()!)
  const notFound = (field: string) => ({ userErrors: [{ field: [field], message: 'Order does not exist' }] })
  const findFulfillmentOrder = (gid: string) => [...shop.fulfillmentOrders.values()].flat().find((fo) => fo.id === gid)
  return {
    shop: () => ({
      name: shop.profile.name,
      myshopifyDomain: shop.domain,
      ianaTimezone: shop.profile.ianaTimezone,
      currencyCode: 'EUR',
      billingAddress: { countryCodeV2: shop.profile.country },
    }),
    webhookSubscriptions: ({ topics }: { topics?: string[] }) => ({
      nodes: shop.webhooks.filter((w) => !topics || topics.includes(w.topic)).map((w) => ({ ...w, format: 'JSON' })),
    }),
    webhookSubscriptionCreate: ({ topic, webhookSubscription }: { topic: string; webhookSubscription: { uri?: string } }) => {
      const uri = webhookSubscription.uri ?? ''
      const fail = (field: string[], message: string) => ({ webhookSubscription: null, userErrors: [{ field, message }] })
      // Shopify takes https only; plain http on loopback stands in for it here.
      if (!(uri.startsWith('https://') || LOOPBACK_URL.test(uri)) || !URL.canParse(uri))
        return fail(['webhookSubscription', 'callbackUrl'], 'Address is invalid')
      const scope = TOPIC_SCOPE[topic]
      if (scope && !covers(shop.grant?.scopes ?? [], scope))
        return fail(
          ['topic'],
          `You do not have permission to create or update webhooks with ${topic.toLowerCase().replace('_', '/')} topic. This topic contains protected customer data.`,
        )
      if (PROTECTED_TOPICS.has(topic) && !shop.protectedDataApproved)
        return fail(
          ['webhookSubscription'],
          'This app is not approved to subscribe to webhook topics containing protected customer data. See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.',
        )
      if (shop.webhooks.some((w) => w.topic === topic && w.uri === uri))
        return fail(['webhookSubscription', 'callbackUrl'], 'Address for this topic has already been taken')
      const created = { id: `gid://shopify/WebhookSubscription/${nextId++}`, topic, uri }
      shop.webhooks.push(created)
      return { webhookSubscription: { ...created, format: 'JSON' }, userErrors: [] }
    },
    order: ({ id }: { id: string }) => {
      requireScope(shop, 'order')
      const order = findOrder(id)
      return order && toGraphql(order, shop)
    },
    orders: (args: PageArgs & { sortKey: string; query?: string }) => {
      requireScope(shop, 'orders')
      const matches = createdAtFilter(args.query)
      // Without read_all_orders an app sees the last 60 days of a shop's orders.
      const oldest = covers(shop.grant?.scopes ?? [], 'read_all_orders') ? -Infinity : Date.now() - 60 * DAY
      const visible = [...shop.orders.values()].filter((o) => {
        const createdAt = Date.parse(String(o.created_at))
        return createdAt >= oldest && matches(createdAt)
      })
      return connectionOf(
        visible.map((o) => toGraphql(o, shop)),
        orderPosition(args.sortKey),
        args,
      )
    },
    tagsAdd: ({ id, tags }: { id: string; tags: string[] }) => {
      requireScope(shop, 'tagsAdd')
      const order = findOrder(id)
      if (!order) return notFound('id')
      const current = tagList(order)
      const have = new Set(current.map((t) => t.toLowerCase()))
      const added = splitTags(tags).filter((t) => !have.has(t.toLowerCase()) && have.add(t.toLowerCase()))
      order.tags = [...current, ...added].join(', ')
      return { node: toGraphql(order, shop), userErrors: [] }
    },
    tagsRemove: ({ id, tags }: { id: string; tags: string[] }) => {
      requireScope(shop, 'tagsRemove')
      const order = findOrder(id)
      if (!order) return notFound('id')
      const gone = new Set(splitTags(tags).map((t) => t.toLowerCase()))
      order.tags = tagList(order)
        .filter((t) => !gone.has(t.toLowerCase()))
        .join(', ')
      return { node: toGraphql(order, shop), userErrors: [] }
    },
    orderUpdate: ({ input }: { input: { id: string; note?: string | null; tags?: string[] } }) => {
      requireScope(shop, 'orderUpdate')
      const order = findOrder(input.id)
      if (!order) return notFound('id')
      // OrderInput overwrites what it names: the note, and (as other apps learn) all the tags.
      if (input.note !== undefined) order.note = input.note
      if (input.tags !== undefined) order.tags = splitTags(input.tags).join(', ')
      return { order: toGraphql(order, shop), userErrors: [] }
    },
    orderCancel: ({ orderId, reason, staffNote }: { orderId: string; reason: string; staffNote?: string }) => {
      requireScope(shop, 'orderCancel')
      const order = findOrder(orderId)
      if (!order)
        return { job: null, orderCancelUserErrors: [{ field: ['orderId'], message: 'Order does not exist', code: 'NOT_FOUND' }], userErrors: [] }
      if (order.cancelled_at)
        return {
          job: null,
          orderCancelUserErrors: [{ field: ['orderId'], message: 'Cannot cancel an order that has already been cancelled', code: 'INVALID' }],
          userErrors: [],
        }
      // Shopify cancels in a background job; here the job is done by the time anyone looks.
      order.cancelled_at = new Date().toISOString()
      order.cancel_reason = reason.toLowerCase()
      order.staff_note = staffNote ?? null
      for (const fo of shop.fulfillmentOrders.get(idOf(order)) ?? []) fo.status = 'CLOSED'
      return { job: { id: `gid://shopify/Job/${crypto.randomUUID()}`, done: false }, orderCancelUserErrors: [], userErrors: [] }
    },
    fulfillmentOrderHold: ({ id, fulfillmentHold }: { id: string; fulfillmentHold: { reason: string; reasonNotes?: string; handle?: string } }) => {
      requireScope(shop, 'fulfillmentOrderHold')
      const fo = findFulfillmentOrder(id)
      if (!fo) return { userErrors: [{ field: ['id'], message: 'Fulfillment order does not exist.', code: 'FULFILLMENT_ORDER_NOT_FOUND' }] }
      if (fulfillmentHold.handle && fo.holds.some((h) => h.handle === fulfillmentHold.handle))
        return {
          userErrors: [
            {
              field: ['fulfillmentHold', 'handle'],
              message: 'The handle provided for the fulfillment hold is already in use by this app for another hold on this fulfillment order.',
              code: 'DUPLICATE_FULFILLMENT_HOLD_HANDLE',
            },
          ],
        }
      const hold = {
        id: `gid://shopify/FulfillmentHold/${nextId++}`,
        handle: fulfillmentHold.handle ?? null,
        reason: fulfillmentHold.reason,
        reasonNotes: fulfillmentHold.reasonNotes ?? null,
      }
      fo.holds.push(hold)
      fo.status = 'ON_HOLD'
      return {
        fulfillmentHold: { ...hold, heldByRequestingApp: true },
        fulfillmentOrder: fulfillmentOrderView(fo),
        remainingFulfillmentOrder: null,
        userErrors: [],
      }
    },
    fulfillmentOrderReleaseHold: ({ id, holdIds }: { id: string; holdIds?: string[] }) => {
      requireScope(shop, 'fulfillmentOrderReleaseHold')
      const fo = findFulfillmentOrder(id)
      if (!fo) return { userErrors: [{ field: ['id'], message: 'Fulfillment order does not exist.', code: 'FULFILLMENT_ORDER_NOT_FOUND' }] }
      fo.holds = holdIds ? fo.holds.filter((h) => !holdIds.includes(h.id)) : []
      if (!fo.holds.length && fo.status === 'ON_HOLD') fo.status = 'OPEN'
      return { fulfillmentOrder: fulfillmentOrderView(fo), userErrors: [] }
    },
  }
}

/** Shopify's HTTP error bodies. */
function httpFault(c: Context, status: 429 | 500 | 502 | 503) {
  if (status === 429) {
    c.header('Retry-After', '2.0')
    return c.json({ errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' }, 429)
  }
  return c.json({ errors: status === 503 ? 'Service Unavailable' : 'Internal Server Error' }, status)
}

/**
 * Shopify's Admin GraphQL endpoint on loopback, `POST /admin/api/{version}/graphql.json`, for
 * shops identified by their access token (`X-Shopify-Access-Token`) as Shopify does. Each request
 * is costed by Shopify's rules and paid from the shop's leaky bucket; one the bucket cannot pay
 * for is THROTTLED. Answers carry `extensions.cost`; a bad token is a 401 with Shopify's body;
 * missing scopes answer ACCESS_DENIED; mutations report userErrors as Shopify's do.
 */
export async function startShopifyAdminSimulator(options: ShopifyAdminOptions = {}): Promise<ShopifyAdminSimulator> {
  const shops = new Map<string, Shop>()
  const live = (g: Grant | undefined) => g && (g.expiresAt === undefined || g.expiresAt > Date.now())
  const byToken = (token: string | undefined) => [...shops.values()].find((s) => live(s.grant) && s.grant!.accessToken === token)
  const requests: ShopifyAdminSimulator['requests'] = []
  const app = new Hono<{ Bindings: { incoming: IncomingMessage } }>()
  const { tokenRequests } = mountOAuth(app as unknown as Hono, {
    app: options.app,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    exists: (shop) => shops.has(shop),
    grantOf: (shop) => shops.get(shop)?.grant,
    setGrant: (shop, grant) => {
      shops.get(shop)!.grant = grant
    },
    shopForRefreshToken: (token) =>
      [...shops.values()].find((s) => token && (s.grant?.refreshToken === token || s.grant?.previousRefreshToken === token))?.domain,
  })

  mountAdminFrame(app as unknown as Hono, { app: options.app, exists: (shop) => shops.has(shop), name: (shop) => shops.get(shop)?.profile.name })

  app.post('/admin/api/:version/graphql.json', async (c) => {
    const shop = byToken(c.req.header('x-shopify-access-token'))
    const body = (await c.req.json().catch(() => ({}))) as { query?: string; variables?: Record<string, unknown>; operationName?: string }
    const record = { query: body.query ?? '', variables: body.variables, status: 200, throttled: false, cost: 0 }
    requests.push(record)
    if (!shop) {
      record.status = 401
      return c.json({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, 401)
    }
    if (!SUPPORTED_VERSIONS.includes(c.req.param('version'))) {
      record.status = 404
      return c.json({ errors: 'Not Found' }, 404)
    }
    const queued = shop.faults.findIndex((f) => !f.query || f.query.test(body.query ?? ''))
    const fault = queued < 0 ? undefined : shop.faults.splice(queued, 1)[0]!.fault
    if (fault && typeof fault === 'object') {
      record.status = fault.status
      return httpFault(c, fault.status)
    }
    if (fault === 'internal_error')
      return c.json({
        errors: [
          {
            message: 'Internal error. Looks like something went wrong on our end.',
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: crypto.randomUUID() },
          },
        ],
      })

    const bucket = shop.bucket
    const now = Date.now()
    bucket.available =
      fault === 'throttle' ? 0 : Math.min(bucket.maximumAvailable, bucket.available + ((now - bucket.at) / 1000) * bucket.restoreRate)
    bucket.at = now
    const requested = queryCostOf(schema, body.query ?? '', body.variables ?? {}, body.operationName)
    record.cost = requested
    if (requested > MAX_QUERY_COST)
      return c.json({
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`,
            extensions: {
              code: 'MAX_COST_EXCEEDED',
              cost: requested,
              maxCost: MAX_QUERY_COST,
              documentation: 'https://shopify.dev/api/usage/rate-limits',
            },
          },
        ],
      })
    const throttleStatus = () => ({
      maximumAvailable: bucket.maximumAvailable,
      currentlyAvailable: Math.floor(bucket.available),
      restoreRate: bucket.restoreRate,
    })
    if (requested > bucket.available) {
      record.throttled = true
      return c.json({
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() } },
      })
    }
    bucket.available -= requested
    const result = await graphql({
      schema,
      source: body.query ?? '',
      variableValues: body.variables,
      operationName: body.operationName,
      rootValue: rootValue(shop),
    })
    if (fault === 'drop') {
      c.env.incoming.socket.destroy()
      return c.body(null)
    }
    return c.json({
      ...(result.data ? { data: result.data } : {}),
      ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
      extensions: {
        cost: { requestedQueryCost: requested, actualQueryCost: result.errors && !result.data ? null : requested, throttleStatus: throttleStatus() },
      },
    })
  })

  const server = await serveOnLoopback(app as unknown as Hono)
  const shopNamed = (domain: string) => {
    const shop = shops.get(domain)
    if (!shop) throw new Error(`no simulated shop ${domain}`)
    return shop
  }
  const addOrder = (domain: string, order: ShopOrder) => {
    const shop = shopNamed(domain)
    shop.orders.set(idOf(order), order)
    const open = order.fulfillment_status !== 'fulfilled' && !order.cancelled_at
    shop.fulfillmentOrders.set(idOf(order), [{ id: `gid://shopify/FulfillmentOrder/${nextId++}`, status: open ? 'OPEN' : 'CLOSED', holds: [] }])
  }
  /**
   * Delivers a topic to each of the shop's subscriptions. Shopify retries a failed delivery (an
   * answer outside 2xx, or none) 8 times over about 4 hours and then drops it, and deletes a
   * subscription made through the Admin API after 8 failures in a row. Time is not simulated: a
   * failed delivery here is one whose retries failed too, so it is dropped and its subscription
   * deleted.
   */
  const deliver = async (shop: Shop, topic: string, payload: unknown) => {
    const secret = options.app?.apiSecret
    const targets = shop.webhooks.filter((w) => w.topic === topic.toUpperCase().replace('/', '_'))
    const deliveries = await Promise.all(targets.map((w) => deliverShopifyWebhook({ url: w.uri, secret, shop: shop.domain, topic, payload })))
    const failed = new Set(targets.filter((_, i) => !(deliveries[i]!.status >= 200 && deliveries[i]!.status < 300)))
    shop.webhooks = shop.webhooks.filter((w) => !failed.has(w))
    return deliveries
  }
  return {
    origin: server.origin,
    addShop(domain, accessToken, rateLimit = { maximumAvailable: 2000, restoreRate: 100 }, profile = {}) {
      const known = shops.get(domain)
      const name = domain
        .replace(/\.myshopify\.com$/, '')
        .split('-')
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(' ')
      shops.set(domain, {
        domain,
        profile: { name, ianaTimezone: 'Europe/Tirane', country: 'AL', ...profile },
        // A custom app holds every scope it was configured with, without expiry.
        grant: accessToken
          ? {
              accessToken,
              expiresAt: undefined,
              refreshToken: undefined,
              refreshTokenExpiresAt: undefined,
              previousRefreshToken: undefined,
              scopes: [...new Set(Object.values(REQUIRED_SCOPE))],
            }
          : undefined,
        webhooks: known?.webhooks ?? [],
        protectedDataApproved: true,
        orders: known?.orders ?? new Map(),
        fulfillmentOrders: known?.fulfillmentOrders ?? new Map(),
        bucket: { ...rateLimit, available: rateLimit.maximumAvailable, at: Date.now() },
        deniedScopes: new Set(),
        faults: [],
      })
    },
    addOrder,
    order: (domain, id) => shops.get(domain)?.orders.get(id),
    deleteOrder(domain, id) {
      shopNamed(domain).orders.delete(id)
      shopNamed(domain).fulfillmentOrders.delete(id)
    },
    tags(domain, id) {
      const order = shops.get(domain)?.orders.get(id)
      return order ? tagList(order) : []
    },
    fulfillmentOrders: (domain, id) => shops.get(domain)?.fulfillmentOrders.get(id) ?? [],
    revoke(domain) {
      const shop = shops.get(domain)
      if (shop) shop.grant = undefined
    },
    installed: (domain) => !!shops.get(domain)?.grant,
    tokenOf: (domain) => shops.get(domain)?.grant?.accessToken,
    tokenRequests,
    webhooks: (domain) => shopNamed(domain).webhooks.map(({ topic, uri }) => ({ topic, uri })),
    async placeOrder(domain, order) {
      addOrder(domain, order)
      return deliver(shopNamed(domain), 'orders/create', order)
    },
    async uninstall(domain) {
      const shop = shopNamed(domain)
      shop.grant = undefined
      const deliveries = await deliver(shop, 'app/uninstalled', { id: 548380009, name: shop.profile.name, myshopify_domain: domain, domain })
      // Subscriptions made through the API belong to the installation and go with it.
      shop.webhooks = []
      return deliveries
    },
    expireToken(domain) {
      const grant = shopNamed(domain).grant
      if (grant) grant.expiresAt = Date.now() - 1
    },
    withholdProtectedData(domain) {
      shopNamed(domain).protectedDataApproved = false
    },
    denyScope(domain, scope) {
      shopNamed(domain).deniedScopes.add(scope)
    },
    failNext(domain, ...faults) {
      shopNamed(domain).faults.push(...faults.map((fault) => ({ fault })))
    },
    failMatching(domain, query, ...faults) {
      shopNamed(domain).faults.push(...faults.map((fault) => ({ fault, query })))
    },
    requests,
    close: server.close,
  }
}
