/**
 * The voice bridge under load: N concurrent calls, each sending one 160-byte µ-law frame every
 * 20 ms from the caller (Twilio) and receiving one from the model (OpenAI), through callconfirm's
 * bridge, and, under the same load in the same run, through a raw pass-through bridge kept as the
 * floor (bench/passthroughBridge.ts: forwarding, no parsing).
 *
 *   npm run bench:bridge                     # 50, 100 and 200 calls, 10 s each
 *   CALLS=200 SECONDS=20 npm run bench:bridge
 *
 * The bridge runs pinned to core 0, this load generator (simulated Twilio callers and a
 * simulated OpenAI) to core 1. Each frame carries its sequence number and send time, so both
 * directions are timed end to end, and frames lost or reordered are counted. Reported per
 * bridge: latency p50/p99 each way, CPU time per call-second and resident memory per call.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { recordAttempt } from '../src/calls/attempts.js'
import { openDatabase } from '../src/db/node.js'
import { callAttempts, orders, stores } from '../src/db/schema.js'
import { freePort } from '../test/support/wait.js'
import { pin } from './processes.js'
import { type Model, measure, type Result, type StreamCall, startModel, summary } from './streamLoad.js'

const CALL_COUNTS = (process.env.CALLS ?? '50,100,200').split(',').map(Number)
const SECONDS = Number(process.env.SECONDS ?? 10)
const WARMUP_MS = 2_000
const root = join(import.meta.dirname, '..')

// One core for the bridge under test, the other for the load.
pin(process.pid, 1, 'the load generator')

interface Bridge {
  port: number
  child: ChildProcess
  /** What each call's `start` carries. */
  calls: StreamCall[]
  stop(): Promise<void>
}

/** callconfirm, with one order and attempt (and its one-time token) per call, pinned to core 0. */
async function startCallconfirm(n: number, modelUrl: string, dir: string): Promise<Bridge> {
  const dbPath = join(dir, `bridge-${n}-${randomBytes(4).toString('hex')}.db`)
  const { db, sqlite } = openDatabase(dbPath)
  db.insert(stores).values({ id: 'st_bench', platform: 'woocommerce', domain: 'https://bench.example', country: 'AL', updatedAt: Date.now() }).run()
  const calls: Bridge['calls'] = []
  for (let i = 0; i < n; i++) {
    // Done orders: the scheduler leaves them alone; the bridge only needs the attempt and its order.
    const order = db
      .insert(orders)
      .values({
        storeId: 'st_bench',
        platformOrderId: String(i),
        name: `#${i}`,
        language: 'sq',
        items: [{ title: 'Atlete', quantity: 1 }],
        total: '4500.00',
        currency: 'ALL',
        paymentMethod: 'cod',
        status: 'done',
        outcome: 'confirmed',
        createdAt: 0,
        updatedAt: 0,
      })
      .returning()
      .get()
    const { attempt, streamToken } = await recordAttempt(db, order.id, Date.now())
    const callSid = `CA${randomBytes(16).toString('hex')}`
    db.update(callAttempts).set({ callSid, status: 'in-progress' }).where(eq(callAttempts.id, attempt.id)).run()
    calls.push({ attemptId: attempt.id, token: streamToken, callSid })
  }
  sqlite.close()
  const port = await freePort()
  // BRIDGE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles callconfirm's bridge under the load.
  const flags = (process.env.BRIDGE_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn('taskset', ['-c', '0', process.execPath, ...flags, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: dbPath,
      ADMIN_TOKEN: 'bench-admin-token-0123456789',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SANDBOX: '1',
      TWILIO_ACCOUNT_SID: `AC${'5'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'bench',
      TWILIO_FROM_NUMBER: '+35542000333',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_REALTIME_URL: modelUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitFor(`http://127.0.0.1:${port}/healthz`)
  return { port, child, calls, stop: () => stop(child) }
}

async function startFloor(n: number, modelUrl: string): Promise<Bridge> {
  const port = await freePort()
  const flags = (process.env.FLOOR_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn('taskset', ['-c', '0', process.execPath, ...flags, '--import', 'tsx', 'bench/passthroughBridge.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), UPSTREAM: modelUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
  const calls = Array.from({ length: n }, (_, i) => ({ attemptId: `floor_${i}`, token: 'floor', callSid: `CA${String(i).padStart(32, '0')}` }))
  return { port, child, calls, stop: () => stop(child) }
}

async function waitFor(url: string) {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${url} did not come up`)
}

function stop(child: ChildProcess) {
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function run(kind: 'floor' | 'callconfirm', n: number, model: Model, dir: string): Promise<Result> {
  model.speakAtOnce = kind === 'floor'
  const bridge = kind === 'floor' ? await startFloor(n, model.url) : await startCallconfirm(n, model.url, dir)
  try {
    // taskset execs the program in place: the child is the bridge's own process.
    const target = { streamUrl: `ws://127.0.0.1:${bridge.port}/twilio/media-stream`, calls: bridge.calls, pid: bridge.child.pid! }
    return await measure(target, model, { seconds: SECONDS, warmupMs: WARMUP_MS })
  } finally {
    await bridge.stop()
  }
}

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const ms = (v: number) => `${v.toFixed(2)} ms`

const dir = mkdtempSync(join(tmpdir(), 'callconfirm-bridge-'))
const model = await startModel()
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; bridge on core 0, load on core 1; ` +
    `${ROUNDS} alternating rounds per bridge, ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up; medians`,
)
try {
  for (const n of CALL_COUNTS) {
    const floorRounds: Result[] = []
    const ourRounds: Result[] = []
    for (let round = 0; round < ROUNDS; round++) {
      floorRounds.push(await run('floor', n, model, dir))
      ourRounds.push(await run('callconfirm', n, model, dir))
    }
    const floor = summary(floorRounds)
    const ours = summary(ourRounds)
    for (const [name, r] of [
      ['floor      ', floor],
      ['callconfirm', ours],
    ] as const)
      console.log(
        `${String(n).padStart(3)} calls ${name}: caller→model p50 ${ms(r.c2m.p50)} p99 ${ms(r.c2m.p99)}; model→caller p50 ${ms(r.m2c.p50)} p99 ${ms(r.m2c.p99)}; ` +
          `CPU ${r.cpu.toFixed(0)} µs per call-second (${r.cpuRange.map((v) => v.toFixed(0)).join('–')}); ${r.memory.toFixed(0)} KB per call; lost ${r.lost}, reordered ${r.reordered}`,
      )
    console.log(
      `${String(n).padStart(3)} calls ratio      : CPU ×${(ours.cpu / floor.cpu).toFixed(2)}, worst-direction p99 ×${(ours.worstP99 / floor.worstP99).toFixed(2)}`,
    )
  }
} finally {
  await model.close()
  rmSync(dir, { recursive: true, force: true })
}
