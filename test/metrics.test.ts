import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import type { TwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import {
  type CallingService,
  orderView,
  placeWooOrder,
  registerWooStore,
  startCallingService,
  startFastRealtime,
  startTestTwilio,
  type WooStore,
} from './support/calling.js'
import { ADMIN_TOKEN } from './support/service.js'
import { until } from './support/wait.js'

const OPENAI_KEY = 'sk-test-metrics'
let twilio: TwilioSimulator
let realtime: RealtimeSimulator
let woo: WooCommerceSimulator
let svc: CallingService
let store: WooStore
let call: { orderId: number; phone: string; callSid: string; attemptId: string }

/** One sample of the text exposition: `name{label="value",…} 12`. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return samples
}

/** The value of the one sample named so whose labels include `labels`; undefined if there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

async function scrape(token: string | null = ADMIN_TOKEN) {
  return fetch(`${svc.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
}

beforeAll(async () => {
  twilio = await startTestTwilio()
  realtime = await startFastRealtime(OPENAI_KEY)
  woo = await startWooCommerceSimulator()
  svc = await startCallingService(
    twilio,
    { OPENAI_API_KEY: OPENAI_KEY, OPENAI_REALTIME_URL: realtime.url },
    { voiceTiming: { silenceMs: 1_500, goodbyeGraceMs: 3_000 } },
  )
  store = await registerWooStore(svc, woo)

  // One order whose customer presses 1 as the greeting plays, and one forged delivery.
  const placed = await placeWooOrder(svc, { woo, twilio }, store, [{ kind: 'human', ringMs: 100, script: { dtmf: [{ atMs: 800, digit: '1' }] } }])
  const forged = await deliverWooWebhook({
    url: `${svc.url}/webhooks/woocommerce/${store.id}`,
    secret: 'not-the-store-secret',
    source: woo.siteUrl,
    payload: { id: 1 },
  })
  expect(forged.status).toBe(401)
  await until(() => twilio.calls.some((c) => c.to === placed.phone && c.endedAt !== null), 'the call to end', 10_000)
  await until(async () => (await orderView(svc, placed.orderId)).status === 'done', 'the call to be settled', 5_000)
  const order = await orderView(svc, placed.orderId)
  expect(order.outcome).toBe('confirmed')
  call = { orderId: placed.orderId, phone: placed.phone, callSid: order.attempts[0].callSid, attemptId: order.attempts[0].id }
})
afterAll(async () => {
  await svc?.close()
  await realtime?.close()
  await twilio?.close()
  await woo?.close()
})

describe('GET /metrics', () => {
  it('shows Prometheus the confirmed call, the webhooks by status, the bridge latency and no call left in flight', async () => {
    const res = await scrape()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const samples = parseExposition(await res.text())

    expect(value(samples, 'callconfirm_call_outcomes_total', { outcome: 'confirmed' })).toBe(1)
    expect(value(samples, 'callconfirm_call_outcomes_total', { outcome: 'cancelled' })).toBe(0)
    expect(value(samples, 'callconfirm_webhook_requests_total', { platform: 'woocommerce', status: '200' })).toBeGreaterThanOrEqual(1)
    // The forged delivery is a failure a dashboard can alert on.
    expect(value(samples, 'callconfirm_webhook_requests_total', { platform: 'woocommerce', status: '401' })).toBe(1)
    for (const direction of ['to_model', 'to_caller']) {
      expect(value(samples, 'callconfirm_bridge_frame_latency_seconds_count', { direction }), direction).toBeGreaterThan(0)
      expect(value(samples, 'callconfirm_bridge_frame_latency_seconds_bucket', { direction, le: '+Inf' })).toBe(
        value(samples, 'callconfirm_bridge_frame_latency_seconds_count', { direction }),
      )
    }
    expect(value(samples, 'callconfirm_calls_in_flight')).toBe(0)
    expect(value(samples, 'callconfirm_store_write_failures_total', { platform: 'woocommerce', final: 'true' })).toBe(0)
    // Process metrics, under our prefix.
    expect(value(samples, 'callconfirm_process_cpu_user_seconds_total')).toBeGreaterThan(0)
  })

  it('is refused without the admin token, with the same JSON error as the API', async () => {
    const none = await scrape(null)
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } })
    expect((await scrape('not-the-admin-token')).status).toBe(401)
  })

  it('scrapes that succeed are not logged, refused ones are', async () => {
    const requests = svc.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.path === '/metrics')
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.every((l) => l.status === 401)).toBe(true)
  })
})

describe('the logs', () => {
  const lines = () => svc.logs.map((l) => JSON.parse(l) as Record<string, unknown>)

  it('carry one callId, the order and the masked Call SID on every line about the call', () => {
    const about = lines().filter((l) => l.orderId === call.orderId && !/^order |^store write/.test(String(l.msg)))
    expect(about.map((l) => l.msg)).toEqual(expect.arrayContaining(['call placed', 'media stream connected', 'media stream ended']))
    for (const line of about) expect(line, String(line.msg)).toMatchObject({ callId: call.attemptId, callSid: `CA…${call.callSid.slice(-6)}` })
    const text = svc.logs.join('\n')
    expect(text).not.toContain(call.callSid)
    expect(text).not.toContain(call.phone)
  })

  it('tie what a webhook request logged to its request line by reqId', () => {
    const all = lines()
    const requests = all.filter((l) => l.msg === 'request')
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.every((l) => typeof l.reqId === 'string' && l.reqId.length > 0)).toBe(true)

    const accepted = all.find((l) => l.msg === 'order accepted' && l.orderId === call.orderId)!
    expect(requests.find((l) => l.reqId === accepted.reqId)).toMatchObject({ path: `/webhooks/woocommerce/${store.id}`, status: 200 })
    const rejected = all.find((l) => l.msg === 'woocommerce webhook rejected: bad or missing signature')!
    expect(requests.find((l) => l.reqId === rejected.reqId)).toMatchObject({ path: `/webhooks/woocommerce/${store.id}`, status: 401 })
  })
})
