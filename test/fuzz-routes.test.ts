import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { shopifyOrderPayload, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverShopifyWebhook, deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import {
  ADMIN_TOKEN,
  LIVE_ENV,
  registerShopify,
  registerWoo,
  SHOPIFY_SECRET,
  SHOPIFY_SHOP,
  startTestService,
  type TestService,
} from './support/service.js'

/**
 * A stranger's view of the service: every public route, hit with malformed, oversized and
 * odd-typed bodies, headers and query strings. Whatever arrives, the answer is never a 5xx,
 * nothing is stored, and memory stays bounded.
 */

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let svc: TestService
let routes: Array<{ method: string; path: string }>

// Production mode: every outside service is real (and here unreachable), as for an attacker on the internet.
beforeAll(async () => {
  svc = await startTestService({
    ...LIVE_ENV,
    SHOPIFY_API_KEY: 'fuzz-client-id',
    SHOPIFY_API_SECRET: 'fuzz-client-secret',
    SHOPIFY_ADMIN_API_ORIGIN: 'http://127.0.0.1:9',
  })
  // The same app the service serves, read for its routes: a new route is fuzzed without being listed here.
  const app = createApp(svc.deps, { upgradeWebSocket: (() => async (_c: unknown, next: () => Promise<void>) => next()) as never })
  routes = app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }))
})
afterAll(() => svc.close())

const TABLES = ['stores', 'orders', 'call_attempts', 'transcript_lines', 'store_writes', 'privacy_requests', 'webhook_receipts'] as const
const rowCounts = () => Object.fromEntries(TABLES.map((t) => [t, svc.deps.db.get<{ n: number }>(sql.raw(`select count(*) as n from ${t}`)).n]))

/** Text a stranger might put anywhere: nothing, junk, unicode, ids, injection attempts, huge. */
const oddText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    '../../etc/passwd',
    "' or 1=1 --",
    '%00',
    '\\',
    '//evil.example',
    'st_x',
    'ca_1',
    '9007199254740993',
  ),
  fc.nat({ max: 3 }).map((n) => 'A'.repeat(10 ** n * 8)),
)

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'text/plain',
  'application/octet-stream',
  'application/json; charset=latin1',
  'garbage/;;;',
  '',
)

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.object({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    'a=1&a=2&a[]=3',
    '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--',
    '\u0000\u0001',
    '\uFFFF',
    '{"__proto__":{"x":1}}',
  ),
  fc.uint8Array({ maxLength: 2048 }),
  oddText,
)

const request = fc.record({
  route: fc.nat(),
  values: fc.tuple(oddText, oddText),
  query: fc.dictionary(
    fc.constantFrom(
      'shop',
      'store_url',
      't',
      'next',
      'id_token',
      'hmac',
      'state',
      'code',
      'user_id',
      'success',
      'storeId',
      'from',
      'to',
      'limit',
      'cursor',
      'outcome',
      'host',
      'invite',
    ),
    oddText,
    { maxKeys: 5 },
  ),
  headers: fc.record(
    {
      'content-type': contentType,
      'x-twilio-signature': oddText,
      'x-shopify-hmac-sha256': oddText,
      'x-shopify-topic': fc.constantFrom('orders/create', 'app/uninstalled', 'customers/redact', 'customers/data_request', 'shop/redact', 'nope'),
      'x-shopify-shop-domain': fc.constantFrom('arbeni-shop.myshopify.com', 'evil.example', ''),
      'x-wc-webhook-signature': oddText,
      'x-wc-webhook-topic': fc.constantFrom('order.created', 'action.woocommerce_order_status_changed'),
      authorization: fc.oneof(
        oddText,
        fc.constant(`Bearer ${ADMIN_TOKEN}x`),
        oddText.map((t) => `Bearer ${t}`),
        oddText.map((t) => `Basic ${t}`),
      ),
      cookie: fc.oneof(
        oddText.map((t) => `callconfirm_session=${encodeURIComponent(t)}`),
        oddText,
      ),
      origin: fc.constantFrom('https://evil.example', 'null', ''),
    },
    { requiredKeys: [] },
  ),
  body,
})

const printable = (v: string) => v.replace(/[^\x20-\x7e]/g, '?')

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never

async function send(r: FuzzRequest) {
  const route = routes[r.route % routes.length]!
  const path = route.path
    .replace(/:[A-Za-z]+/, encodeURIComponent(r.values[0]) || 'x')
    .replace(/:[A-Za-z]+|\*/g, encodeURIComponent(r.values[1]) || 'x')
  const url = new URL(`${svc.url}${path}`)
  for (const [k, v] of Object.entries(r.query)) url.searchParams.append(k, v)
  const headers = Object.fromEntries(
    Object.entries(r.headers)
      .map(([k, v]) => [k, printable(v)])
      .filter(([, v]) => v !== ''),
  )
  const res = await fetch(url, {
    method: route.method,
    headers,
    body: route.method === 'GET' || route.method === 'HEAD' ? undefined : r.body,
    redirect: 'manual',
  })
  await res.arrayBuffer()
  return { route, status: res.status }
}

describe('a stranger throwing anything at every public route', () => {
  it('covers every route the app serves', () => {
    expect(routes.length).toBeGreaterThan(30)
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'POST /webhooks/shopify',
        'POST /twilio/status/:attemptId',
        'POST /woocommerce/callback',
        'POST /login',
        'POST /settings',
      ]),
    )
  })

  it('never gets a 5xx, and stores nothing', { timeout: 120_000 }, async () => {
    const before = rowCounts()
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { route, status } = await send(r)
        if (status >= 500)
          throw new Error(`${route.method} ${route.path} answered ${status}: ${svc.logs.filter((l) => l.includes('failed')).slice(-1)[0]}`)
      }),
      { numRuns: 1500 },
    )
    expect(rowCounts()).toEqual(before)
    // Every route was hit hundreds of times; none was a 500 in the log either.
    expect(svc.logs.filter((l) => l.includes('"request failed"'))).toEqual([])
  })

  it('a store that signs odd orders (fields of the wrong type, missing or huge) never gets a 5xx', { timeout: 120_000 }, async () => {
    await registerShopify(svc)
    const woo = await registerWoo(svc)
    /** A real order with a few of its fields, at any depth, replaced by odd JSON or removed. */
    const mangled = (order: unknown) =>
      fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), { minLength: 1, maxLength: 6 }).map((changes) => {
        const copy = structuredClone(order) as Record<string, unknown>
        for (const [pick, value] of changes) {
          const paths: Array<[Record<string, unknown>, string]> = []
          const walk = (node: unknown) => {
            if (node && typeof node === 'object')
              for (const key of Object.keys(node)) {
                paths.push([node as Record<string, unknown>, key])
                walk((node as Record<string, unknown>)[key])
              }
          }
          walk(copy)
          const [parent, key] = paths[pick % paths.length]!
          if (value === undefined) delete parent[key]
          else parent[key] = value
        }
        return copy
      })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mangled(shopifyOrderPayload({ id: 9_100_000_001n })).map((payload) => ({ platform: 'shopify' as const, payload })),
          mangled(wooOrderPayload({ id: 9101 })).map((payload) => ({ platform: 'woocommerce' as const, payload })),
        ),
        fc.constantFrom('orders/create', 'customers/data_request', 'customers/redact', 'app/uninstalled'),
        async ({ platform, payload }, topic) => {
          const res =
            platform === 'shopify'
              ? await deliverShopifyWebhook({
                  url: `${svc.url}/webhooks/shopify`,
                  secret: SHOPIFY_SECRET,
                  shop: SHOPIFY_SHOP,
                  topic: topic === 'app/uninstalled' ? 'orders/create' : topic,
                  payload,
                })
              : await deliverWooWebhook({
                  url: woo.url.replace('https://callconfirm.test', svc.url),
                  secret: woo.secret,
                  source: 'https://dyqani.al',
                  payload,
                })
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('holds no memory for oversized bodies, declared or streamed', { timeout: 120_000 }, async () => {
    const MB = 1024 * 1024
    const chunked = (size: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new Uint8Array(64 * 1024).fill(0x7b)
          for (let sent = 0; sent < size; sent += chunk.length) controller.enqueue(chunk)
          controller.close()
        },
      })
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const posts = routes.filter((r) => r.method !== 'GET')
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 6, max: 24 }), fc.boolean(), async (n, megabytes, streamed) => {
        const route = posts[n % posts.length]!
        const url = `${svc.url}${route.path.replace(/:[A-Za-z]+/g, 'x')}`
        const size = megabytes * MB
        const res = await fetch(url, {
          method: route.method,
          headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x', 'x-shopify-hmac-sha256': 'x', origin: svc.url },
          body: streamed ? chunked(size) : new Uint8Array(size),
          duplex: 'half',
        } as RequestInit).catch((error: Error) => ({ status: 0, error }))
        // The server may close the connection as soon as it has refused the body; that is a refusal too.
        if ('error' in res) return
        await res.arrayBuffer()
        expect(res.status, `${route.method} ${route.path}`).toBeLessThan(500)
        expect(res.status, `${route.method} ${route.path} accepted ${megabytes} MB`).toBeGreaterThanOrEqual(400)
      }),
      { numRuns: 60 },
    )
    gc()
    // 60 bodies of 6–24 MB went in: had any been kept, the heap would have grown by hundreds of MB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MB)
  })
})
