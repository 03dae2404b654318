/**
 * Webhook intake under load: signed Shopify `orders/create` deliveries into a callconfirm server
 * running in its own process, as in production (HMAC check, normalising, policy, durable SQLite
 * write with synchronous=FULL, JSON access logs to a file).
 *
 * Two ways to load it:
 * - closed loop (default): CONCURRENCY senders (50), each sending its next order as soon as the
 *   last is answered. Measures capacity: the server is always saturated, so latency is mostly
 *   queueing (Little's law: mean latency ≈ CONCURRENCY / throughput).
 * - open loop (RATE=2000): orders arrive at a fixed rate, whatever the server does, as webhooks
 *   do. Latency counts from each order's scheduled time, so a stall is not hidden by sending less.
 *
 *   npm run bench:webhooks                  # closed loop, 20,000 orders, 50 senders
 *   RATE=2000 npm run bench:webhooks        # open loop at 2,000 orders/s
 *   ORDERS=50000 CONCURRENCY=20 LOG_LEVEL=warn npm run bench:webhooks
 *
 * Prints throughput, latency percentiles and CPU, then checks every order is stored.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SAMPLE_CUSTOMERS, shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { payloadJson } from '../src/sandbox/storeWebhooks.js'
import { spawnServer } from '../test/support/spawnServer.js'

const ORDERS = Number(process.env.ORDERS ?? 20_000)
const WARMUP = 2_000
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50)
const RATE = process.env.RATE ? Number(process.env.RATE) : undefined
const SHOP = 'bench-shop.myshopify.com'
const SECRET = 'shpss_bench_secret_0123456789'
const ADMIN = 'bench-admin-token-0123456789'

const dir = mkdtempSync(join(tmpdir(), 'callconfirm-bench-'))
const dbPath = join(dir, 'callconfirm.db')

/** CPU seconds a process or thread has used so far (Linux /proc; clock ticks are 1/100 s). */
function cpuSeconds(statPath: string): number {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU seconds of the server: its main thread (where requests are handled) and all threads. */
function serverCpu(pid: number) {
  return { main: cpuSeconds(`/proc/${pid}/task/${pid}/stat`), all: cpuSeconds(`/proc/${pid}/stat`) }
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

async function startServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  // The server logs to a file, as in production: a pipe into this (busy) process would make
  // Node's synchronous pipe writes stall the server whenever the load generator lags.
  const log = openSync(join(dir, 'server.log'), 'w')
  const port = await freePort()
  // SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under this load.
  const flags = (process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawnServer(
    {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DATABASE_PATH: dbPath,
      ADMIN_TOKEN: ADMIN,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    { nodeArgs: flags, stdio: ['ignore', log, 'inherit'] },
  )
  closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up)
      return {
        url,
        pid: child.pid!,
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
}

interface Prepared {
  body: Buffer
  hmac: string
}

function prepare(count: number, firstId: bigint): Prepared[] {
  return Array.from({ length: count }, (_, i) => {
    const payload = shopifyOrderPayload({
      id: firstId + BigInt(i),
      orderNumber: 1000 + i,
      customer: SAMPLE_CUSTOMERS[i % SAMPLE_CUSTOMERS.length],
    })
    const body = Buffer.from(payloadJson(payload))
    return { body, hmac: createHmac('sha256', SECRET).update(body).digest('base64') }
  })
}

const agent = new Agent({ keepAlive: true, maxSockets: RATE ? 256 : CONCURRENCY })

function post(url: URL, o: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
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
          'x-shopify-shop-domain': SHOP,
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
    req.on('error', reject)
    req.end(o.body)
  })
}

async function blast(url: URL, orders: Prepared[]): Promise<{ seconds: number; latencies: Float64Array; failures: number }> {
  const latencies = new Float64Array(orders.length)
  let next = 0
  let failures = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < orders.length; i = next++) {
        const t = process.hrtime.bigint()
        const status = await post(url, orders[i]!)
        latencies[i] = Number(process.hrtime.bigint() - t) / 1e6
        if (status !== 200) failures++
      }
    }),
  )
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures }
}

/** Sends order i at start + i / RATE; each latency runs from that scheduled moment. */
async function arriveAtRate(url: URL, orders: Prepared[], rate: number) {
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
        post(url, orders[index]!).then((status) => {
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

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

const server = await startServer()
try {
  const url = new URL(server.url)
  const reg = await fetch(`${server.url}/api/stores`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'shopify', shopDomain: SHOP, accessToken: 'shpat_bench_0000000000', webhookSecret: SECRET }),
  })
  if (reg.status !== 201) throw new Error(`registering the store failed: ${await reg.text()}`)

  const warmup = prepare(WARMUP, 9_000_000_000_000_000_000n)
  const measured = prepare(ORDERS, 820_982_911_946_154_508n)
  const bytes = measured.reduce((t, o) => t + o.body.length, 0) / measured.length
  await blast(url, warmup)
  const serverBefore = serverCpu(server.pid)
  const clientCpu = process.cpuUsage()
  const { seconds, latencies, failures } = RATE ? await arriveAtRate(url, measured, RATE) : await blast(url, measured)
  const serverAfter = serverCpu(server.pid)
  const serverUsed = serverAfter.all - serverBefore.all
  const mainUsed = serverAfter.main - serverBefore.main
  const client = process.cpuUsage(clientCpu)
  const clientUsed = (client.user + client.system) / 1e6
  const sorted = latencies.slice().sort()

  const db = new Database(dbPath, { readonly: true })
  const stored = (db.prepare('select count(*) as n from orders').get() as { n: number }).n
  db.close()

  const ms = (v: number) => `${v.toFixed(2)} ms`
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`)
  const load = RATE ? `arriving at ${RATE}/s (open loop)` : `${CONCURRENCY} concurrent senders (closed loop)`
  console.log(`orders: ${ORDERS} signed Shopify orders/create (${Math.round(bytes)} B each), ${load}, after ${WARMUP} warm-up`)
  console.log(`throughput: ${Math.round(ORDERS / seconds)} orders/s (${seconds.toFixed(2)} s)`)
  console.log(
    `latency: p50 ${ms(percentile(sorted, 50))}, p90 ${ms(percentile(sorted, 90))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1]!)}`,
  )
  console.log(
    `cpu: server ${((serverUsed / seconds) * 100).toFixed(0)}% of a core, its main thread ${((mainUsed / seconds) * 100).toFixed(0)}% (${((mainUsed / ORDERS) * 1e6).toFixed(0)} µs per order; all threads ${((serverUsed / ORDERS) * 1e6).toFixed(0)} µs), load generator ${((clientUsed / seconds) * 100).toFixed(0)}%`,
  )
  console.log(`stored: ${stored} of ${ORDERS + WARMUP} orders in the database; non-200 answers: ${failures}`)
  if (failures || stored !== ORDERS + WARMUP) process.exitCode = 1
} finally {
  agent.destroy()
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
