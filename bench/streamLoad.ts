/**
 * Calls' audio as load: N media streams, each sending one 160-byte µ-law frame every 20 ms from
 * the caller (Twilio's media message) and receiving one from the model (OpenAI's
 * `response.output_audio.delta`), through a bridge. Every frame carries its call, sequence number
 * and send time, so each direction is timed end to end, from this side, and every frame is
 * accounted for. bench/bridge.ts (callconfirm against a pass-through floor) and bench/worker.ts
 * (the Worker against Node) drive it.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import WebSocket, { WebSocketServer } from 'ws'
import { MAX_UNVERIFIED_PER_ADDRESS } from '../src/voice/mediaStreamRoute.js'
import { cpuSeconds, usage } from './processes.js'

const FRAME_MS = 20
/** Callers opened at once: inside the cap on one address's streams still waiting for their start. */
const STREAMS_AT_ONCE = MAX_UNVERIFIED_PER_ADDRESS / 2

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

export type Model = Awaited<ReturnType<typeof startModel>>

/** The simulated OpenAI: the model streams a frame every 20 ms once asked to respond (or at once, for the floor). */
export async function startModel() {
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

/** What one call's `start` carries: its attempt, the attempt's one-time token, its Call SID. */
export interface StreamCall {
  attemptId: string
  token: string
  callSid: string
  /** Where this call's stream opens when it has a URL of its own (the path its TwiML names); else the target's. */
  streamUrl?: string
}

export interface StreamTarget {
  /** Where Twilio opens a call's media stream (ws://…/twilio/media-stream), for calls without a URL of their own. */
  streamUrl?: string
  calls: StreamCall[]
  /** The bridge's process: its CPU and resident memory are what the calls cost. */
  pid: number
  /** Processes that carry the streams too but are not the bridge (wrangler dev's proxy): their CPU is counted apart. */
  alongside?: number[]
  /**
   * How many streams the bridge has let in so far; by default, how many model sessions are open
   * (a bridge opens one when it lets a stream in). Audio sent before that is dropped, not late.
   */
  admitted?: (model: Model) => number
}

export interface Result {
  n: number
  callerToModel: { p50: number; p99: number }
  modelToCaller: { p50: number; p99: number }
  cpuMicrosPerCallSecond: number
  alongsideCpuMicrosPerCallSecond: number
  /** This process's CPU over the measured window, in cores. */
  loadGeneratorCores: number
  memoryPerCallKb: number
  lost: number
  reordered: number
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/**
 * Opens a caller for each of the target's calls (a few at a time, each let in, a model session
 * apiece, before the next), then for `warmupMs` and `seconds` more has every caller speak a frame
 * and every model session answered with one every 20 ms; measures the second part.
 */
export async function measure(target: StreamTarget, model: Model, timing: { seconds: number; warmupMs: number }): Promise<Result> {
  const n = target.calls.length
  const alongsideCpu = () => (target.alongside ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0)
  const idle = usage(target.pid)
  const up = direction(n)
  const down = direction(n)
  let measuring = false
  model.onAudio = (text) => arrived(up, text, measuring)
  const openCaller = (call: StreamCall, i: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(call.streamUrl ?? target.streamUrl!, { perMessageDeflate: false })
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
  for (let from = 0; from < n; from += STREAMS_AT_ONCE) {
    callers.push(...(await Promise.all(target.calls.slice(from, from + STREAMS_AT_ONCE).map((call, k) => openCaller(call, from + k)))))
    const deadline = Date.now() + 10_000
    const admitted = () => (target.admitted ?? ((m) => m.sessions.size))(model)
    while (admitted() < callers.length) {
      if (Date.now() > deadline) throw new Error(`the bridge let in ${admitted()} of ${callers.length} streams`)
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
  await new Promise((r) => setTimeout(r, timing.warmupMs))
  measuring = true
  const before = { ...usage(target.pid), alongside: alongsideCpu(), load: process.cpuUsage() }
  await new Promise((r) => setTimeout(r, timing.seconds * 1000))
  const after = { ...usage(target.pid), alongside: alongsideCpu(), load: process.cpuUsage(before.load) }
  measuring = false
  clearInterval(timer)
  await new Promise((r) => setTimeout(r, 500)) // let the last frames arrive
  const lost = [up, down].reduce((sum, d) => sum + d.sent.reduce((s, sent, i) => s + Math.max(0, sent - d.received[i]!), 0), 0)
  for (const ws of callers) ws.close()
  const perCallSecond = (cpu: number) => (cpu / (n * timing.seconds)) * 1e6
  return {
    n,
    callerToModel: { p50: percentile(up.latencies, 50), p99: percentile(up.latencies, 99) },
    modelToCaller: { p50: percentile(down.latencies, 50), p99: percentile(down.latencies, 99) },
    cpuMicrosPerCallSecond: perCallSecond(after.cpu - before.cpu),
    alongsideCpuMicrosPerCallSecond: perCallSecond(after.alongside - before.alongside),
    loadGeneratorCores: (after.load.user + after.load.system) / 1e6 / timing.seconds,
    memoryPerCallKb: (after.rss - idle.rss) / n / 1024,
    lost,
    reordered: up.reordered + down.reordered,
  }
}

const median = (values: number[]) => percentile(values, 50)

/** The median of each figure over rounds (the machine's noise hits both bridges alike this way). */
export function summary(rounds: Result[]) {
  const worstP99 = (r: Result) => Math.max(r.callerToModel.p99, r.modelToCaller.p99)
  const cpu = rounds.map((r) => r.cpuMicrosPerCallSecond)
  return {
    c2m: { p50: median(rounds.map((r) => r.callerToModel.p50)), p99: median(rounds.map((r) => r.callerToModel.p99)) },
    m2c: { p50: median(rounds.map((r) => r.modelToCaller.p50)), p99: median(rounds.map((r) => r.modelToCaller.p99)) },
    worstP99: median(rounds.map(worstP99)),
    cpu: median(cpu),
    cpuRange: [Math.min(...cpu), Math.max(...cpu)],
    alongsideCpu: median(rounds.map((r) => r.alongsideCpuMicrosPerCallSecond)),
    loadGeneratorCores: median(rounds.map((r) => r.loadGeneratorCores)),
    memory: median(rounds.map((r) => r.memoryPerCallKb)),
    lost: rounds.reduce((s, r) => s + r.lost, 0),
    reordered: rounds.reduce((s, r) => s + r.reordered, 0),
  }
}
