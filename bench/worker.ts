/**
 * callconfirm's Worker (src/worker.ts) in local workerd, under `wrangler dev`, against the Node
 * service, one after the other in the same run and the same setup: each live (SANDBOX=0), logging
 * at info, against an outside world of its own simulated on loopback (Twilio, Shopify, OpenAI).
 *
 * 1. Webhooks: the deliveries of bench/webhooks.ts (signed Shopify orders/create, 50 senders in a
 *    closed loop) into one Shopify store whose calling hours are closed now, so intake is all that
 *    runs; afterwards every accepted order must be listed by `GET /api/orders`.
 * 2. Calls: the media-stream load of bench/bridge.ts (a frame each way every 20 ms per call), on
 *    calls the service really placed: its scheduler dials each order through the simulated Twilio,
 *    which rings, answers and sends its signed callbacks (the Realtime session is opened while it
 *    rings); the simulated Twilio's own stream is held at the front door, and this process opens
 *    each call's media stream instead, with the attempt and one-time token the call's TwiML gave.
 *
 * The process that runs callconfirm (Node's, or the workerd that runs the Worker and its Durable
 * Object) is pinned to core 0; this load generator, and wrangler dev's proxy and Node processes, to
 * core 1. Their CPU is read from /proc and reported apart. Everything is timed from this side:
 * inside workerd the clock does not advance during synchronous work.
 *
 *   npm run bench:worker                                   # 3,000 orders; 20 and 50 calls, 10 s
 *   ORDERS=10000 CALLS=50,100 SECONDS=20 ROUNDS=3 npm run bench:worker
 *   PARTS=calls npm run bench:worker                       # webhooks, calls, or both (default)
 *   SIDES=node,worker,wrangler npm run bench:worker        # also through wrangler dev's own address
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ShopOrder } from '../src/sandbox/shopify-admin/simulator.js'
import { parseTwiml } from '../src/sandbox/twilio/twiml.js'
import { customer } from '../test/support/calling.js'
import { startFrontDoor } from '../test/support/frontDoor.js'
import { type AdminApi, adminApi } from '../test/support/service.js'
import { type Deployment, deployment, type SimulatedWorld, startSimulatedWorld } from '../test/support/serviceProcess.js'
import { until, zoneWhereItIs } from '../test/support/wait.js'
import { startWorkerProcess, wranglerDevProcesses } from '../test/support/workerProcess.js'
import { startNodeServer } from './nodeServer.js'
import { cpuSeconds, listeningPorts, pin } from './processes.js'
import { type Model, measure, type Result, type StreamCall, startModel, summary } from './streamLoad.js'
import { closedLoop, orderPayload, percentile, type SignedOrder, signedOrders, webhookSender } from './webhookLoad.js'

const ORDERS = Number(process.env.ORDERS ?? 3_000)
const WARMUP = 1_000
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50)
const CALL_COUNTS = (process.env.CALLS ?? '20,50').split(',').map(Number)
const SECONDS = Number(process.env.SECONDS ?? 10)
const WARMUP_MS = 2_000
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const PARTS = process.env.PARTS ?? 'webhooks,calls'
/** A store calls at most 50 at once (its settings' limit): more calls take more stores. */
const CALLS_PER_STORE = 50
const SECRET = 'shpss_bench_secret_0123456789'
/**
 * What is loaded: `node`, the Node service; `worker`, the Worker at the socket of the workerd that
 * runs it; `wrangler`, the Worker at wrangler dev's own address, through its proxy (a second
 * workerd, which also tells wrangler's Node process of each request).
 */
const SIDE_NAMES = { node: 'Node', worker: 'Worker', wrangler: 'Worker via wrangler' } as const
type Side = keyof typeof SIDE_NAMES
const SIDES = (process.env.SIDES ?? 'node,worker').split(',') as Side[]

/** One callconfirm under load, whichever runtime. */
interface Served {
  /** Where the load goes. */
  url: string
  api: AdminApi
  /** The process that runs callconfirm: Node's, or the workerd that runs the Worker and its Durable Object. */
  pid: number
  /** wrangler dev's proxy and Node processes: they carry the Worker's traffic here, not on Cloudflare. */
  alongside: number[]
  /** How many media streams it has let in so far (it logs each). */
  streamsConnected(): number
  /** Whether wrangler dev has restarted the Worker's workerd since it started (it does when a source file changes). */
  reloaded(): boolean
  /** The end of what it printed: why a run against it failed. */
  lastWords(): string
  stop(): Promise<void>
}

const tail = (text: string) => text.split('\n').slice(-30).join('\n')

/** The address of the workerd that runs the Worker: of the sockets it listens on, the one where callconfirm answers. */
async function entryOf(runtime: number): Promise<string> {
  for (const port of listeningPorts(runtime)) {
    const url = `http://127.0.0.1:${port}`
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      async (r) => (r.ok ? ((await r.json()) as { status?: string }) : undefined),
      () => undefined,
    )
    if (health?.status === 'ok') return url
  }
  throw new Error(`callconfirm answers on none of workerd ${runtime}'s sockets`)
}

/** A run during which wrangler dev reloaded the Worker: its figures mix two processes, so it is run again. */
class Reloaded extends Error {}

async function serve(side: Side, site: Deployment, env: Record<string, string>, dir: string): Promise<Served> {
  if (side === 'node') {
    // DRAIN_SECONDS 0: the deployment is thrown away after its run, and the calls it held would keep it up for five minutes.
    const settings = { SANDBOX: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', TWILIO_CALLS_PER_SECOND: '100', DRAIN_SECONDS: '0', ...site.env, ...env }
    const logPath = join(dir, 'server.log')
    const server = await startNodeServer(settings, { logPath })
    pin(server.pid, 0, 'the Node service')
    return {
      url: server.url,
      api: adminApi(server.url),
      pid: server.pid,
      alongside: [],
      streamsConnected: () => readFileSync(logPath, 'utf8').split('"msg":"media stream connected"').length - 1,
      reloaded: () => false,
      lastWords: () => tail(readFileSync(logPath, 'utf8')),
      stop: server.stop,
    }
  }
  const worker = await startWorkerProcess(site, { env })
  const { runtime, proxy, wrangler } = wranglerDevProcesses(worker)
  pin(runtime, 0, "the Worker's workerd")
  const entry = await entryOf(runtime)
  return {
    url: side === 'worker' ? entry : worker.url,
    // Setting up and counting go straight to workerd: under load wrangler dev's proxy drops a connection now and then, or leaves it unanswered.
    api: adminApi(entry),
    pid: runtime,
    alongside: [proxy, ...wrangler],
    streamsConnected: () => worker.logs.filter((l) => l.msg === 'media stream connected').length,
    reloaded() {
      try {
        return wranglerDevProcesses(worker).runtime !== runtime
      } catch {
        return true // Between the old workerd and the new.
      }
    },
    lastWords: () => tail(worker.stderr()),
    stop: async () => {
      worker.kill9()
      await worker.exited
    },
  }
}

/**
 * Runs `measure` against a deployment of `side` in a world of its own (fresh simulators, database
 * and storage), then takes it down; a run the Worker was reloaded in is run again, up to twice.
 */
async function onDeployment<T>(
  side: Side,
  setup: { env: Record<string, string>; publicUrl: string },
  measure: (site: { world: SimulatedWorld; server: Served }) => Promise<T>,
  tries = 3,
): Promise<T> {
  const world = await startSimulatedWorld()
  const dir = mkdtempSync(join(tmpdir(), `callconfirm-bench-${side}-`))
  let server: Served | undefined
  try {
    server = await serve(side, deployment(world, { directory: dir, publicUrl: setup.publicUrl }), setup.env, dir)
    const figures = await measure({ world, server }).catch((error) => {
      if (server!.reloaded()) throw new Reloaded()
      console.error(`the run against ${side} failed; the last it printed:\n${server!.lastWords()}`)
      throw error
    })
    if (server.reloaded()) throw new Reloaded()
    return figures
  } catch (error) {
    if (!(error instanceof Reloaded) || tries === 1) throw error
    console.log(`(wrangler dev reloaded the Worker during the run, as a source file changed: running it again)`)
  } finally {
    await server?.stop()
    await world.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return onDeployment(side, setup, measure, tries - 1)
}

/** A Shopify shop in the simulator, registered with the service as a custom app with these settings; its store id. */
async function shopifyStore(world: SimulatedWorld, api: AdminApi, shop: string, settings: Record<string, unknown>) {
  const accessToken = `shpat_${randomBytes(16).toString('hex')}`
  world.shopify.addShop(shop, accessToken)
  const res = await api('POST', '/api/stores', { platform: 'shopify', shopDomain: shop, accessToken, webhookSecret: SECRET, settings })
  if (res.status !== 201) throw new Error(`registering ${shop} failed: ${JSON.stringify(res.body)}`)
  return res.body.store.id as string
}

/** How many orders the store holds, counted through the API a page at a time. */
async function storedOrders(api: AdminApi, storeId: string): Promise<number> {
  let count = 0
  let cursor: string | null = null
  do {
    const page = await api('GET', `/api/orders?storeId=${storeId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`)
    if (page.status !== 200) throw new Error(`listing orders failed: ${JSON.stringify(page.body)}`)
    count += page.body.orders.length
    cursor = page.body.nextCursor
  } while (cursor)
  return count
}

const ms = (v: number) => `${v.toFixed(2)} ms`
const ratio = (of: number, node: number) => `×${(of / node).toFixed(2)}`

interface WebhookFigures {
  throughput: number
  p50: number
  p99: number
  /** CPU per order of the process that runs callconfirm, and of wrangler dev's processes, in µs. */
  cpuPerOrder: number
  alongsidePerOrder: number
  loadGeneratorCores: number
}

async function webhookRun(side: Side): Promise<WebhookFigures & { report: string }> {
  // Nothing reaches the public url: with the calling hours closed nobody is called.
  const setup = { env: {}, publicUrl: 'https://callconfirm.bench.invalid' }
  const { figures, report, complete } = await onDeployment(side, setup, async ({ world, server }) => {
    const shop = `bench-${side}.myshopify.com`
    // 03:00 there: the orders wait for the calling hours (09:00), and intake is all that runs.
    const storeId = await shopifyStore(world, server.api, shop, { timezone: zoneWhereItIs(3) })
    const batches = { warmup: [9_000_000_000_000_000_000n, WARMUP], measured: [820_982_911_946_154_508n, ORDERS] } as const
    const [warmup, measured] = [batches.warmup, batches.measured].map(([first, count]) => {
      // The shop holds the orders, so the `call-pending` tags written back land (at Shopify's rate limit).
      for (let i = 0; i < count; i++) world.shopify.addOrder(shop, orderPayload(first, i) as unknown as ShopOrder)
      return signedOrders(count, first, SECRET)
    }) as [SignedOrder[], SignedOrder[]]
    const sender = webhookSender(server.url, shop, CONCURRENCY)
    try {
      const warm = await closedLoop(sender, warmup, CONCURRENCY)
      const cpu = () => ({ server: cpuSeconds(server.pid), alongside: server.alongside.reduce((sum, pid) => sum + cpuSeconds(pid), 0) })
      const before = { ...cpu(), load: process.cpuUsage() }
      const run = await closedLoop(sender, measured, CONCURRENCY)
      const after = { ...cpu(), load: process.cpuUsage(before.load) }
      const stored = await storedOrders(server.api, storeId)
      const sent = WARMUP + ORDERS
      const accepted = sent - warm.failures - run.failures
      const sorted = run.latencies.slice().sort()
      const figures: WebhookFigures = {
        throughput: ORDERS / run.seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        cpuPerOrder: ((after.server - before.server) / ORDERS) * 1e6,
        alongsidePerOrder: ((after.alongside - before.alongside) / ORDERS) * 1e6,
        loadGeneratorCores: (after.load.user + after.load.system) / 1e6 / run.seconds,
      }
      const report =
        `${Math.round(figures.throughput)} orders/s (${run.seconds.toFixed(2)} s); p50 ${ms(figures.p50)}, p90 ${ms(percentile(sorted, 90))}, p99 ${ms(figures.p99)}, max ${ms(sorted[sorted.length - 1]!)}; ` +
        `CPU ${figures.cpuPerOrder.toFixed(0)} µs per order${side === 'node' ? '' : ` (+ wrangler dev's proxy and Node ${figures.alongsidePerOrder.toFixed(0)} µs)`}, ` +
        `load generator ${(figures.loadGeneratorCores * 100).toFixed(0)}% of a core; stored ${stored} of ${sent} sent, ${accepted} accepted; non-200 answers ${warm.failures + run.failures}`
      // An order whose answer was lost on the way back may be stored all the same.
      return { figures, report, complete: !warm.failures && !run.failures && stored >= accepted && stored <= sent }
    } finally {
      sender.close()
    }
  })
  if (!complete) process.exitCode = 1
  return { ...figures, report }
}

/** Holds every socket it is given and never answers: where the simulated Twilio's own media streams wait. */
async function startParking() {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * `n` orders across as many stores as they need, each dialled by the service and answered; what
 * each call's media stream must present, from the TwiML the service gave Twilio.
 */
async function placeCalls(world: SimulatedWorld, api: AdminApi, origin: string, n: number): Promise<StreamCall[]> {
  const wsOrigin = origin.replace(/^http/, 'ws')
  for (let first = 0; first < n; first += CALLS_PER_STORE) {
    const shop = `bench-calls-${first}.myshopify.com`
    await shopifyStore(world, api, shop, { timezone: zoneWhereItIs(12), maxConcurrentCalls: CALLS_PER_STORE, retryDelaysMinutes: [] })
    const count = Math.min(CALLS_PER_STORE, n - first)
    // A phone number of its own per order: a number is called only so often a day.
    const phone = (i: number) => customer(first + i).customer
    const firstId = 7_000_000_000_000_000_000n + BigInt(first)
    for (let i = 0; i < count; i++) world.shopify.addOrder(shop, orderPayload(firstId, i, phone) as unknown as ShopOrder)
    const sender = webhookSender(origin, shop, 8)
    const statuses = await Promise.all(signedOrders(count, firstId, SECRET, phone).map((o) => sender.post(o)))
    sender.close()
    if (statuses.some((s) => s !== 200)) throw new Error(`orders refused: ${statuses.filter((s) => s !== 200).join(', ')}`)
  }
  const answered = () => world.twilio.calls.filter((c) => c.status === 'in-progress')
  await until(() => answered().length >= n, `${n} calls to be answered (${answered().length} so far)`, 60_000)
  return answered().map((call) => {
    const connect = parseTwiml(String(call.params.Twiml)).find((v) => v.verb === 'Connect')
    if (!connect) throw new Error(`call ${call.sid} has no <Connect><Stream> in its TwiML`)
    const { attemptId, token } = connect.stream.parameters
    // The stream's own URL (its call's key in the path), on the service rather than the door.
    return { attemptId: attemptId!, token: token!, callSid: call.sid, streamUrl: `${wsOrigin}${new URL(connect.stream.url).pathname}` }
  })
}

async function callRun(side: Side, n: number, model: Model): Promise<Result> {
  const door = await startFrontDoor()
  const parking = await startParking()
  try {
    const env = { OPENAI_REALTIME_URL: model.url, MAX_CONCURRENT_CALLS: String(n) }
    return await onDeployment(side, { env, publicUrl: door.url }, async ({ world, server }) => {
      // Twilio's callbacks reach the service through the door; its media streams are parked there.
      door.route((path) => (path.startsWith('/twilio/media-stream') ? parking.url : server.url))
      const calls = await placeCalls(world, server.api, server.url, n)
      // The Realtime sessions opened while the phones rang: a stream is in once the service says so.
      const target = { calls, pid: server.pid, alongside: server.alongside, admitted: server.streamsConnected }
      return measure(target, model, { seconds: SECONDS, warmupMs: WARMUP_MS })
    })
  } finally {
    await door.close()
    await parking.close()
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version

// One core for callconfirm, the other for the load (what is started from here inherits it).
pin(process.pid, 1, 'the load generator')
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, wrangler ${version('wrangler')}, workerd ${version('workerd')}; ` +
    `callconfirm on core 0; the load, and wrangler dev's proxy and Node, on core 1; load average ${load()}`,
)

const label = (side: Side) => SIDE_NAMES[side].padEnd(19)
/** Each side but Node against Node: what the ratios are of. */
const againstNode = SIDES.filter((side) => side !== 'node' && SIDES.includes('node'))

if (PARTS.includes('webhooks')) {
  console.log(`\nwebhooks: ${ORDERS} signed Shopify orders/create, ${CONCURRENCY} concurrent senders (closed loop), after ${WARMUP} warm-up`)
  const figures: Partial<Record<Side, WebhookFigures>> = {}
  for (const side of SIDES) {
    const { report, ...measured } = await webhookRun(side)
    figures[side] = measured
    console.log(`${label(side)}: ${report}`)
  }
  const node = figures.node!
  for (const side of againstNode) {
    const f = figures[side]!
    console.log(
      `${label(side)}: ${ratio(f.throughput, node.throughput)} Node's throughput, p50 ${ratio(f.p50, node.p50)}, p99 ${ratio(f.p99, node.p99)}, CPU per order ${ratio(f.cpuPerOrder, node.cpuPerOrder)}`,
    )
  }
}

if (PARTS.includes('calls')) {
  console.log(`\ncalls: ${ROUNDS} alternating round(s) per side, ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up; medians`)
  const model = await startModel()
  try {
    for (const n of CALL_COUNTS) {
      const rounds = Object.fromEntries(SIDES.map((side) => [side, [] as Result[]])) as Record<Side, Result[]>
      for (let round = 0; round < ROUNDS; round++) for (const side of SIDES) rounds[side].push(await callRun(side, n, model))
      const figures = Object.fromEntries(SIDES.map((side) => [side, summary(rounds[side])])) as Record<Side, ReturnType<typeof summary>>
      for (const side of SIDES) {
        const r = figures[side]
        console.log(
          `${String(n).padStart(3)} calls ${label(side)}: caller→model p50 ${ms(r.c2m.p50)} p99 ${ms(r.c2m.p99)}; model→caller p50 ${ms(r.m2c.p50)} p99 ${ms(r.m2c.p99)}; ` +
            `CPU ${r.cpu.toFixed(0)} µs per call-second${side === 'node' ? '' : ` (+ wrangler dev's proxy and Node ${r.alongsideCpu.toFixed(0)} µs)`}; ` +
            `${r.memory.toFixed(0)} KB per call; load generator ${(r.loadGeneratorCores * 100).toFixed(0)}% of a core; lost ${r.lost}, reordered ${r.reordered}`,
        )
        if (r.lost || r.reordered) process.exitCode = 1
      }
      for (const side of againstNode)
        console.log(
          `${String(n).padStart(3)} calls ${label(side)}: CPU ${ratio(figures[side].cpu, figures.node.cpu)} Node's, worst-direction p99 ${ratio(figures[side].worstP99, figures.node.worstP99)}`,
        )
    }
  } finally {
    await model.close()
  }
}
console.log(`\nload average ${load()}`)
