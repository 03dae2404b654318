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
import { type ChildProcess, execSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import WebSocket, { WebSocketServer } from 'ws'
import { recordAttempt } from '../src/calls/attempts.js'
import { openDatabase } from '../src/db/node.js'
import { callAttempts, orders, stores } from '../src/db/schema.js'
import { MAX_UNVERIFIED_PER_ADDRESS } from '../src/voice/mediaStreamRoute.js'
import { freePort } from '../test/support/wait.js'

const CALL_COUNTS = (process.env.CALLS ?? '50,100,200').split(',').map(Number)
const SECONDS = Number(process.env.SECONDS ?? 10)
const WARMUP_MS = 2_000
const STREAMS_AT_ONCE = MAX_UNVERIFIED_PER_ADDRESS / 2
const FRAME_MS = 20
const root = join(import.meta.dirname, '..')

// One core for the bridge under test, the other for the load.
try {
  execSync(`taskset -cp 1 ${process.pid}`, { stdio: 'ignore' })
} catch {
  console.warn('taskset is not available: the bridge and the load share cores')
}

/** A frame's 160 bytes: call number, sequence number and send time, then µ-law silence. */
function frame(call: number, seq: number): string {
  const bytes = Buffer.alloc(160, 0xff)
  bytes.writeUInt32BE(call, 0)
  bytes.writeUInt32BE(seq, 4)
  bytes.writeDoubleBE(performance.now(), 8)
  return bytes.toString('base64')
}

/** Reads a frame back out of whichever message carries it (Twilio media, OpenAI append or delta). */
function readFrame(text: string): { call: number; seq: number; sentAt: number } | undefined {
  const key = ['"payload":"', '"audio":"', '"delta":"'].map((k) => [k, text.indexOf(k)] as const).find(([, i]) => i >= 0)
  if (!key) return undefined
  const start = key[1] + key[0].length
  const bytes = Buffer.from(text.slice(start, text.indexOf('"', start)), 'base64')
  if (bytes.length !== 160) return undefined
  return { call: bytes.readUInt32BE(0), seq: bytes.readUInt32BE(4), sentAt: bytes.readDoubleBE(8) }
}

interface Direction {
  sent: number[]
  lastSeq: number[]
  received: number[]
  reordered: number
  latencies: number[]
}
const direction = (n: number): Direction => ({
  sent: Array(n).fill(0),
  lastSeq: Array(n).fill(-1),
  received: Array(n).fill(0),
  reordered: 0,
  latencies: [],
})

function arrived(d: Direction, text: string, measuring: boolean) {
  const f = readFrame(text)
  if (!f || f.call >= d.received.length) return
  d.received[f.call]!++
  if (f.seq <= d.lastSeq[f.call]!) d.reordered++
  d.lastSeq[f.call] = f.seq
  if (measuring) d.latencies.push(performance.now() - f.sentAt)
}

/** The simulated OpenAI: the model streams a frame every 20 ms once asked to respond (or at once, for the floor). */
async function startModel() {
  const sessions = new Set<{ ws: WebSocket; call: number | undefined; speaking: boolean; seq: number; itemId: string }>()
  let onAudio: (text: string) => void = () => undefined
  let speakAtOnce = false
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  wss.on('connection', (ws: WebSocket, _req: IncomingMessage) => {
    const session = { ws, call: undefined as number | undefined, speaking: speakAtOnce, seq: 0, itemId: `item_${randomBytes(6).toString('hex')}` }
    sessions.add(session)
    ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session: { type: 'realtime' } }))
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.includes('"payload":"') || text.includes('input_audio_buffer.append')) {
        const f = readFrame(text)
        if (f) session.call = f.call
        return onAudio(text)
      }
      const event = JSON.parse(text) as { type?: string; event?: string; session?: Record<string, unknown> }
      if (event.type === 'session.update')
        ws.send(
          JSON.stringify({
            type: 'session.updated',
            event_id: 'event_1',
            session: { ...event.session, audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } },
          }),
        )
      if (event.type === 'response.create') {
        session.speaking = true
        ws.send(JSON.stringify({ type: 'response.created', event_id: 'event_2', response: { id: 'resp_1', status: 'in_progress' } }))
      }
    })
    ws.on('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(http.address() as { port: number }).port}/v1/realtime`,
    sessions,
    set onAudio(handler: (text: string) => void) {
      onAudio = handler
    },
    set speakAtOnce(on: boolean) {
      speakAtOnce = on
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.ws.terminate()
        wss.close(() => http.close(() => resolve()))
      }),
  }
}

interface Bridge {
  port: number
  child: ChildProcess
  /** What each call's `start` carries. */
  calls: Array<{ attemptId: string; token: string; callSid: string }>
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

/** The process's CPU seconds and resident memory (Linux /proc). */
function usage(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const rss = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)![1]) * 1024
  return { cpu: (Number(stat[11]) + Number(stat[12])) / 100, rss }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

interface Result {
  n: number
  callerToModel: { p50: number; p99: number }
  modelToCaller: { p50: number; p99: number }
  cpuMicrosPerCallSecond: number
  memoryPerCallKb: number
  lost: number
  reordered: number
}

async function run(kind: 'floor' | 'callconfirm', n: number, model: Awaited<ReturnType<typeof startModel>>, dir: string): Promise<Result> {
  model.speakAtOnce = kind === 'floor'
  const bridge = kind === 'floor' ? await startFloor(n, model.url) : await startCallconfirm(n, model.url, dir)
  // taskset execs the program in place: the child is the bridge's own process.
  const pid = bridge.child.pid!
  try {
    return await measure(bridge, pid, n, model)
  } finally {
    await bridge.stop()
  }
}

async function measure(bridge: Bridge, pid: number, n: number, model: Awaited<ReturnType<typeof startModel>>): Promise<Result> {
  const idle = usage(pid)
  const up = direction(n)
  const down = direction(n)
  let measuring = false
  model.onAudio = (text) => arrived(up, text, measuring)
  const openCaller = (call: Bridge['calls'][number], i: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/twilio/media-stream`, { perMessageDeflate: false })
      ws.on('message', (data) => {
        const text = data.toString()
        if (text.startsWith('{"event":"mark"')) return ws.send(text) // played at once
        arrived(down, text, measuring)
      })
      ws.once('open', () => {
        ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }))
        ws.send(
          JSON.stringify({
            event: 'start',
            sequenceNumber: '1',
            start: {
              accountSid: `AC${'5'.repeat(32)}`,
              streamSid: `MZ${String(i).padStart(32, '0')}`,
              callSid: call.callSid,
              tracks: ['inbound'],
              mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
              customParameters: { attemptId: call.attemptId, token: call.token },
            },
            streamSid: `MZ${String(i).padStart(32, '0')}`,
          }),
        )
        resolve(ws)
      })
      ws.once('error', reject)
    })
  // callconfirm turns away streams beyond MAX_UNVERIFIED_PER_ADDRESS (from one address) still waiting for their start:
  // open the callers in batches, each let in (a model session apiece) before the next.
  const callers: WebSocket[] = []
  for (let from = 0; from < bridge.calls.length; from += STREAMS_AT_ONCE) {
    callers.push(...(await Promise.all(bridge.calls.slice(from, from + STREAMS_AT_ONCE).map((call, k) => openCaller(call, from + k)))))
    const deadline = Date.now() + 10_000
    while (model.sessions.size < callers.length) {
      if (Date.now() > deadline) throw new Error(`the bridge let in ${model.sessions.size} of ${callers.length} streams`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  // Every 20 ms each caller speaks a frame and each model session answers with one.
  let tick = 0
  const timer = setInterval(() => {
    tick++
    callers.forEach((ws, i) => {
      const seq = up.sent[i]!++
      ws.send(
        `{"event":"media","sequenceNumber":"${seq + 2}","media":{"track":"inbound","chunk":"${seq + 1}","timestamp":"${tick * FRAME_MS}","payload":"${frame(i, seq)}"},"streamSid":"MZ${String(i).padStart(32, '0')}"}`,
      )
    })
    for (const s of model.sessions) {
      if (!s.speaking || s.call === undefined) continue
      const seq = down.sent[s.call]!++
      s.ws.send(
        `{"type":"response.output_audio.delta","event_id":"event_${seq}","response_id":"resp_1","item_id":"${s.itemId}","output_index":0,"content_index":0,"delta":"${frame(s.call, seq)}"}`,
      )
    }
  }, FRAME_MS)
  await new Promise((r) => setTimeout(r, WARMUP_MS))
  measuring = true
  const before = usage(pid)
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  const after = usage(pid)
  measuring = false
  clearInterval(timer)
  await new Promise((r) => setTimeout(r, 500)) // let the last frames arrive
  const lost = [up, down].reduce((sum, d) => sum + d.sent.reduce((s, sent, i) => s + Math.max(0, sent - d.received[i]!), 0), 0)
  for (const ws of callers) ws.close()
  return {
    n,
    callerToModel: { p50: percentile(up.latencies, 50), p99: percentile(up.latencies, 99) },
    modelToCaller: { p50: percentile(down.latencies, 50), p99: percentile(down.latencies, 99) },
    cpuMicrosPerCallSecond: ((after.cpu - before.cpu) / (n * SECONDS)) * 1e6,
    memoryPerCallKb: (after.rss - idle.rss) / n / 1024,
    lost,
    reordered: up.reordered + down.reordered,
  }
}

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const median = (values: number[]) => percentile(values, 50)
const ms = (v: number) => `${v.toFixed(2)} ms`

/** The median of each figure over rounds (the machine's noise hits both bridges alike this way). */
function summary(rounds: Result[]) {
  const worstP99 = (r: Result) => Math.max(r.callerToModel.p99, r.modelToCaller.p99)
  return {
    c2m: { p50: median(rounds.map((r) => r.callerToModel.p50)), p99: median(rounds.map((r) => r.callerToModel.p99)) },
    m2c: { p50: median(rounds.map((r) => r.modelToCaller.p50)), p99: median(rounds.map((r) => r.modelToCaller.p99)) },
    worstP99: median(rounds.map(worstP99)),
    cpu: median(rounds.map((r) => r.cpuMicrosPerCallSecond)),
    cpuRange: [Math.min(...rounds.map((r) => r.cpuMicrosPerCallSecond)), Math.max(...rounds.map((r) => r.cpuMicrosPerCallSecond))],
    memory: median(rounds.map((r) => r.memoryPerCallKb)),
    lost: rounds.reduce((s, r) => s + r.lost, 0),
    reordered: rounds.reduce((s, r) => s + r.reordered, 0),
  }
}

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
