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
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startNodeServer } from './nodeServer.js'
import { cpuSeconds } from './processes.js'
import { closedLoop, openLoop, percentile, signedOrders, webhookSender } from './webhookLoad.js'

const ORDERS = Number(process.env.ORDERS ?? 20_000)
const WARMUP = 2_000
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50)
const RATE = process.env.RATE ? Number(process.env.RATE) : undefined
const SHOP = 'bench-shop.myshopify.com'
const SECRET = 'shpss_bench_secret_0123456789'
const ADMIN = 'bench-admin-token-0123456789'

const dir = mkdtempSync(join(tmpdir(), 'callconfirm-bench-'))
const dbPath = join(dir, 'callconfirm.db')

/** CPU seconds of the server: its main thread (where requests are handled) and all threads. */
function serverCpu(pid: number) {
  return { main: cpuSeconds(pid, pid), all: cpuSeconds(pid) }
}

// SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under this load.
const server = await startNodeServer(
  {
    DATABASE_PATH: dbPath,
    ADMIN_TOKEN: ADMIN,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  { logPath: join(dir, 'server.log'), nodeArgs: (process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean) },
)
const sender = webhookSender(server.url, SHOP, RATE ? 256 : CONCURRENCY)
try {
  const reg = await fetch(`${server.url}/api/stores`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'shopify', shopDomain: SHOP, accessToken: 'shpat_bench_0000000000', webhookSecret: SECRET }),
  })
  if (reg.status !== 201) throw new Error(`registering the store failed: ${await reg.text()}`)

  const warmup = signedOrders(WARMUP, 9_000_000_000_000_000_000n, SECRET)
  const measured = signedOrders(ORDERS, 820_982_911_946_154_508n, SECRET)
  const bytes = measured.reduce((t, o) => t + o.body.length, 0) / measured.length
  await closedLoop(sender, warmup, CONCURRENCY)
  const serverBefore = serverCpu(server.pid)
  const clientCpu = process.cpuUsage()
  const { seconds, latencies, failures } = RATE ? await openLoop(sender, measured, RATE) : await closedLoop(sender, measured, CONCURRENCY)
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
  sender.close()
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
