/**
 * Signed Shopify `orders/create` deliveries as load: prepared before the clock starts (so the
 * load generator's own work stays small), sent over kept-alive sockets, each timed from this side.
 * bench/webhooks.ts (Node) and bench/worker.ts (the Worker against Node) send them.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { Agent, request } from 'node:http'
import { SAMPLE_CUSTOMERS, type SampleCustomer, shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { payloadJson } from '../src/sandbox/storeWebhooks.js'

export interface SignedOrder {
  body: Buffer
  hmac: string
}

/** The customers cycle through the sample ones. */
const sampleCustomer = (i: number) => SAMPLE_CUSTOMERS[i % SAMPLE_CUSTOMERS.length]!

/** The `i`-th order from `firstId`, as its `orders/create` webhook carries it (the full REST order shape). */
export function orderPayload(firstId: bigint, i: number, customer: (i: number) => SampleCustomer = sampleCustomer) {
  return shopifyOrderPayload({ id: firstId + BigInt(i), orderNumber: 1000 + i, customer: customer(i) })
}

/** `count` orders from `firstId` (see orderPayload), each signed with the store's webhook secret. */
export function signedOrders(
  count: number,
  firstId: bigint,
  secret: string,
  customer: (i: number) => SampleCustomer = sampleCustomer,
): SignedOrder[] {
  return Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(payloadJson(orderPayload(firstId, i, customer)))
    return { body, hmac: createHmac('sha256', secret).update(body).digest('base64') }
  })
}

export interface WebhookSender {
  /** Delivers one order to `/webhooks/shopify`; resolves with the answer's status once its body is read, 0 when none came (in 30 s). */
  post(order: SignedOrder): Promise<number>
  close(): void
}

/** Deliveries from `shop` to the callconfirm at `origin`, over at most `sockets` kept-alive connections. */
export function webhookSender(origin: string, shop: string, sockets: number): WebhookSender {
  const url = new URL(origin)
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  const post = (o: SignedOrder) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/webhooks/shopify',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': o.body.length,
            'x-shopify-topic': 'orders/create',
            'x-shopify-shop-domain': shop,
            'x-shopify-hmac-sha256': o.hmac,
            'x-shopify-webhook-id': randomBytes(16).toString('hex'),
            'x-shopify-api-version': '2026-07',
          },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      // No answer (the connection dropped, or nothing came for half a minute): 0, a failure like any answer but 200.
      req.setTimeout(30_000, () => req.destroy())
      req.on('error', () => resolve(0))
      req.end(o.body)
    })
  return { post, close: () => agent.destroy() }
}

export interface LoadRun {
  seconds: number
  /** Each order's latency in milliseconds, in the order sent. */
  latencies: Float64Array
  /** Answers other than 200. */
  failures: number
}

/** `concurrency` senders, each sending its next order as soon as the last is answered. */
export async function closedLoop(sender: WebhookSender, orders: SignedOrder[], concurrency: number): Promise<LoadRun> {
  const latencies = new Float64Array(orders.length)
  let next = 0
  let failures = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < orders.length; i = next++) {
        const t = process.hrtime.bigint()
        const status = await sender.post(orders[i]!)
        latencies[i] = Number(process.hrtime.bigint() - t) / 1e6
        if (status !== 200) failures++
      }
    }),
  )
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures }
}

/** Sends order i at start + i / rate; each latency runs from that scheduled moment (no coordinated omission). */
export async function openLoop(sender: WebhookSender, orders: SignedOrder[], rate: number): Promise<LoadRun> {
  const latencies = new Float64Array(orders.length)
  let failures = 0
  const pending: Promise<void>[] = []
  const started = performance.now()
  for (let i = 0; i < orders.length; ) {
    const now = performance.now()
    for (; i < orders.length && started + (i * 1000) / rate <= now; i++) {
      const scheduled = started + (i * 1000) / rate
      const index = i
      pending.push(
        sender.post(orders[index]!).then((status) => {
          latencies[index] = performance.now() - scheduled
          if (status !== 200) failures++
        }),
      )
    }
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(pending)
  return { seconds: (performance.now() - started) / 1000, latencies, failures }
}

/** The value at `p` percent of latencies sorted ascending. */
export const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
