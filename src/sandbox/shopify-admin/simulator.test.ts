import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shopifyOrderPayload } from '../sampleOrders.js'
import { type ShopifyAdminSimulator, type ShopOrder, startShopifyAdminSimulator } from './simulator.js'

// Shapes checked against Shopify's Admin GraphQL API (https://shopify.dev/docs/api/admin-graphql) and its
// published rate limits (https://shopify.dev/docs/api/usage/limits).
let sim: ShopifyAdminSimulator
const SHOP = 'sim-test.myshopify.com'
const TOKEN = 'shpat_sim_test'
const ORDER = 'gid://shopify/Order/820982911946154508'

async function gql(query: string, variables: Record<string, unknown> = {}, token = TOKEN) {
  const res = await fetch(`${sim.origin}/admin/api/2026-07/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, body: (await res.json()) as any }
}

beforeAll(async () => {
  sim = await startShopifyAdminSimulator()
  sim.addShop(SHOP, TOKEN, { maximumAvailable: 40, restoreRate: 1 })
  sim.addOrder(SHOP, { ...(shopifyOrderPayload() as unknown as ShopOrder), tags: 'vip' })
})
afterAll(() => sim.close())

describe('the simulated Admin GraphQL API', () => {
  it('charges Shopify’s costs: an object 1, a connection 2 plus its page of nodes, a mutation 10 a field', async () => {
    const read = await gql('query($id: ID!) { order(id: $id) { id tags } }', { id: ORDER })
    expect(read.body.extensions.cost).toMatchObject({
      requestedQueryCost: 1,
      actualQueryCost: 1,
      throttleStatus: { maximumAvailable: 40, restoreRate: 1 },
    })
    const connection = await gql('query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id } } } }', { id: ORDER })
    expect(connection.body.extensions.cost.requestedQueryCost).toBe(1 + 2 + 5)
    const write = await gql(
      'mutation($id: ID!) { a: tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } b: tagsRemove(id: $id, tags: ["x"]) { userErrors { message } } }',
      { id: ORDER },
    )
    expect(write.body.extensions.cost.requestedQueryCost).toBe(20)
    expect(write.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(40 - 28)
  })

  it('answers THROTTLED, changing nothing, when the bucket cannot pay', async () => {
    const res = await gql(
      'mutation($id: ID!) { a: tagsAdd(id: $id, tags: ["a"]) { userErrors { message } } b: tagsAdd(id: $id, tags: ["b"]) { userErrors { message } } }',
      { id: ORDER },
    )
    expect(res.status).toBe(200)
    expect(res.body.errors).toEqual([
      { message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } },
    ])
    expect(res.body.extensions.cost).toMatchObject({ requestedQueryCost: 20, actualQueryCost: null })
    expect(res.body.data).toBeUndefined()
    expect(sim.tags(SHOP, '820982911946154508')).toEqual(['vip'])
  })

  it('adds and removes tags one by one, case-insensitively, where orderUpdate would overwrite them all', async () => {
    sim.addShop(SHOP, TOKEN) // a roomy bucket again
    await gql('mutation($id: ID!) { tagsAdd(id: $id, tags: ["call-pending", "VIP", "a,b"]) { userErrors { message } } }', { id: ORDER })
    expect(sim.tags(SHOP, '820982911946154508')).toEqual(['vip', 'call-pending', 'a', 'b'])
    await gql('mutation($id: ID!) { tagsRemove(id: $id, tags: ["CALL-PENDING", "a"]) { userErrors { message } } }', { id: ORDER })
    expect(sim.tags(SHOP, '820982911946154508')).toEqual(['vip', 'b'])
    await gql('mutation($input: OrderInput!) { orderUpdate(input: $input) { userErrors { message } } }', {
      input: { id: ORDER, tags: ['only-this'] },
    })
    expect(sim.tags(SHOP, '820982911946154508')).toEqual(['only-this'])
  })

  it('refuses a field whose scope the app lacks, with Shopify’s ACCESS_DENIED error', async () => {
    sim.denyScope(SHOP, 'write_orders')
    const res = await gql('mutation($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } }', { id: ORDER })
    expect(res.body.data).toEqual({ tagsAdd: null })
    expect(res.body.errors[0]).toMatchObject({
      message: 'Access denied for tagsAdd field. Required access: `write_orders` access scope.',
      path: ['tagsAdd'],
      extensions: { code: 'ACCESS_DENIED', requiredAccess: '`write_orders` access scope.' },
    })
  })

  it('reports a mutation on a missing order as a userError, and an unknown token as a 401', async () => {
    sim.addShop(SHOP, TOKEN)
    const res = await gql('mutation($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { userErrors { field message } } }', { id: 'gid://shopify/Order/1' })
    expect(res.body.data.tagsAdd.userErrors).toEqual([{ field: ['id'], message: 'Order does not exist' }])
    const refused = await gql('{ order(id: "x") { id } }', {}, 'shpat_wrong')
    expect(refused).toEqual({ status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } })
  })
})

describe('the simulated orders connection', () => {
  const LIST = `query($query: String, $after: String) {
    orders(first: 2, after: $after, query: $query, sortKey: CREATED_AT) {
      nodes { id createdAt totalPriceSet { presentmentMoney { amount currencyCode } } lineItems(first: 5) { nodes { name quantity } } }
      pageInfo { hasNextPage endCursor }
    }
  }`

  it('pages orders by creation with Shopify’s cursors, keeping those its created_at filter lets through', async () => {
    const shop = 'orders-list.myshopify.com'
    sim.addShop(shop, 'shpat_orders_list')
    const now = Date.now()
    for (const [id, ago] of [
      [1n, 50],
      [2n, 40],
      [3n, 30],
      [4n, 20],
    ] as const)
      sim.addOrder(shop, shopifyOrderPayload({ id, createdAt: new Date(now - ago * 60_000).toISOString() }) as unknown as ShopOrder)
    const since = `created_at:>='${new Date(now - 45 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`
    const first = await gql(LIST, { query: since }, 'shpat_orders_list')
    expect(first.body.data.orders.nodes.map((o: { id: string }) => o.id)).toEqual(['gid://shopify/Order/2', 'gid://shopify/Order/3'])
    expect(first.body.data.orders.nodes[0]).toMatchObject({
      totalPriceSet: { presentmentMoney: { amount: '8100.00', currencyCode: 'ALL' } },
      lineItems: {
        nodes: [
          { name: 'Atlete vrapimi - 42 / E zezë', quantity: 1 },
          { name: 'Çantë shpine', quantity: 2 },
        ],
      },
    })
    expect(first.body.data.orders.pageInfo.hasNextPage).toBe(true)
    const rest = await gql(LIST, { query: since, after: first.body.data.orders.pageInfo.endCursor }, 'shpat_orders_list')
    expect(rest.body.data.orders).toMatchObject({ nodes: [{ id: 'gid://shopify/Order/4' }], pageInfo: { hasNextPage: false } })
    // Two orders, each 1 + its money (2) + a connection of 5 line items (2 + 5): 2 + 2 × 10, and pageInfo 1.
    expect(first.body.extensions.cost.requestedQueryCost).toBe(23)
  })

  it('refuses a query dearer than 1,000 points before charging for it', async () => {
    sim.addShop(SHOP, TOKEN)
    const res = await gql('{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { name } } } } }')
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: 'MAX_COST_EXCEEDED', maxCost: 1000 } })
    expect(res.body.data).toBeUndefined()
  })
})
