import { buildSchema, graphql, type GraphQLError } from 'graphql'
import { Hono } from 'hono'
import { serveOnLoopback } from '../loopback.js'

/**
 * The part of the Admin GraphQL schema (2026-07) the app uses, as Shopify defines it: asking
 * for anything else fails validation exactly as it would against Shopify.
 */
const schema = buildSchema(`
  scalar DateTime
  enum OrderDisplayFulfillmentStatus {
    FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED SCHEDULED UNFULFILLED REQUEST_DECLINED
  }
  type Order {
    id: ID!
    name: String!
    createdAt: DateTime!
    cancelledAt: DateTime
    closed: Boolean!
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    note: String
    tags: [String!]!
  }
  type Query {
    order(id: ID!): Order
  }
`)

/** An order as the simulated shop holds it: the REST resource its webhook carried, kept current. */
export type ShopOrder = Record<string, unknown> & { id: bigint | number | string; admin_graphql_api_id: string }

interface Shop {
  domain: string
  accessToken: string
  orders: Map<string, ShopOrder>
}

export const SUPPORTED_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10']

export interface ShopifyAdminSimulator {
  origin: string
  /** A shop the app may reach with `accessToken`. */
  addShop(domain: string, accessToken: string): void
  /** Puts an order in a shop (the payload its `orders/create` webhook carries). */
  addOrder(domain: string, order: ShopOrder): void
  /** The shop's order, to change or inspect as the merchant would see it. */
  order(domain: string, id: string): ShopOrder | undefined
  /** Revokes a shop's token, as uninstalling the app does. */
  revoke(domain: string): void
  requests: Array<{ query: string; variables: unknown; status: number }>
  close(): Promise<void>
}

const idOf = (o: ShopOrder) => String(o.admin_graphql_api_id).split('/').pop()!

function toGraphql(o: ShopOrder) {
  const fulfillment = o.fulfillment_status === 'fulfilled' ? 'FULFILLED' : o.fulfillment_status === 'partial' ? 'PARTIALLY_FULFILLED' : 'UNFULFILLED'
  const tags = String(o.tags ?? '')
  return {
    id: o.admin_graphql_api_id,
    name: o.name,
    createdAt: o.created_at,
    cancelledAt: o.cancelled_at ?? null,
    closed: !!o.closed_at,
    displayFulfillmentStatus: fulfillment,
    note: o.note ?? null,
    tags: tags ? tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
  }
}

/**
 * Shopify's Admin GraphQL endpoint on loopback, `POST /admin/api/{version}/graphql.json`, for
 * shops identified by their access token (`X-Shopify-Access-Token`) as Shopify does. Answers
 * carry `extensions.cost` like Shopify's; a bad token is a 401 with Shopify's body.
 */
export async function startShopifyAdminSimulator(): Promise<ShopifyAdminSimulator> {
  const shops = new Map<string, Shop>()
  const byToken = (token: string | undefined) => [...shops.values()].find((s) => s.accessToken === token)
  const requests: ShopifyAdminSimulator['requests'] = []
  const app = new Hono()

  app.post('/admin/api/:version/graphql.json', async (c) => {
    const shop = byToken(c.req.header('x-shopify-access-token'))
    const body = (await c.req.json().catch(() => ({}))) as { query?: string; variables?: Record<string, unknown> }
    const record = { query: body.query ?? '', variables: body.variables, status: 200 }
    requests.push(record)
    if (!shop) {
      record.status = 401
      return c.json({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, 401)
    }
    if (!SUPPORTED_VERSIONS.includes(c.req.param('version'))) {
      record.status = 404
      return c.json({ errors: 'Not Found' }, 404)
    }
    const result = await graphql({
      schema,
      source: body.query ?? '',
      variableValues: body.variables,
      rootValue: {
        order: ({ id }: { id: string }) => {
          const order = shop.orders.get(String(id).split('/').pop()!)
          return order && toGraphql(order)
        },
      },
    })
    const cost = { requestedQueryCost: 1, actualQueryCost: result.errors ? null : 1, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1999, restoreRate: 100 } }
    return c.json({
      ...(result.data ? { data: result.data } : {}),
      ...(result.errors ? { errors: result.errors.map((e: GraphQLError) => e.toJSON()) } : {}),
      extensions: { cost },
    })
  })

  const server = await serveOnLoopback(app)
  return {
    origin: server.origin,
    addShop(domain, accessToken) {
      shops.set(domain, { domain, accessToken, orders: shops.get(domain)?.orders ?? new Map() })
    },
    addOrder(domain, order) {
      shops.get(domain)!.orders.set(idOf(order), order)
    },
    order: (domain, id) => shops.get(domain)?.orders.get(id),
    revoke(domain) {
      const shop = shops.get(domain)
      if (shop) shop.accessToken = `revoked-${crypto.randomUUID()}`
    },
    requests,
    close: server.close,
  }
}
