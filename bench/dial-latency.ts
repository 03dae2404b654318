/**
 * Two waits a customer notices, measured end to end with Twilio, OpenAI and the store simulated:
 * - from an order's webhook to Twilio's `calls.create` (checkout to ringing, less the network and
 *   Twilio): intake and its durable write, the scheduler's wake-up and claim, policy checks,
 *   reading the order back from the store, recording the attempt, the REST request;
 * - from pickup (the media stream's `start`) to the greeting's first audio reaching the phone,
 *   with a simulated model that answers at once: our part of the "hears the shop's name within
 *   1 s" promise (the Realtime session is opened while the phone rings).
 *
 *   npm run bench:dial            # 30 orders, one at a time
 *   ORDERS=100 npm run bench:dial
 *
 * callconfirm runs as in production (scheduler on, Twilio's default of one call per second).
 * Orders are sent 1.1 s apart so the per-second pacing never holds one back.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { configuredServices } from '../src/configuredServices.js'
import { startRealtimeSimulator } from '../src/sandbox/realtime/simulator.js'
import { SAMPLE_CUSTOMERS, wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { completeSandboxSecrets } from '../src/sandbox/secrets.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { startTwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import { startService } from '../src/service.js'
import { createLogger } from '../src/utils/log.js'
import { freePort, zoneWhereItIs } from '../test/support/wait.js'

const ORDERS = Number(process.env.ORDERS ?? 30)
const ACCOUNT = `AC${'4'.repeat(32)}`
const TOKEN = 'bench-token'
const FROM = '+35542000222'
const dir = mkdtempSync(join(tmpdir(), 'callconfirm-dial-'))

// The customer picks up after a second's ringing and hangs up two seconds into the greeting.
const twilio = await startTwilioSimulator({
  accountSid: ACCOUNT,
  authToken: TOKEN,
  fromNumbers: [FROM],
  defaultBehaviour: { kind: 'human', ringMs: 1000, hangUpAfterMs: 2000 },
})
const realtime = await startRealtimeSimulator({ apiKey: 'sk-bench', firstAudioMs: 0 })
const woo = await startWooCommerceSimulator()
const port = await freePort()
const config = loadConfig({
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  DATABASE_PATH: join(dir, 'callconfirm.db'),
  ADMIN_TOKEN: 'bench-admin-token-0123456789',
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  TWILIO_ACCOUNT_SID: ACCOUNT,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_FROM_NUMBER: FROM,
  TWILIO_API_ORIGIN: twilio.origin,
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_REALTIME_URL: realtime.url,
  SANDBOX: '1',
})
// The greeting at pickup, as if the callee had said "Alo?" at once: our part of the wait, not the
// wait for a callee who says nothing (bench/pickup.ts measures that).
const service = await startService(completeSandboxSecrets(config).config, createLogger('warn'), configuredServices(config), {
  voiceTiming: { helloWaitMs: 0 },
})

try {
  const reg = await fetch(`${service.url}/api/stores`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench-admin-token-0123456789', 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: 'woocommerce',
      siteUrl: woo.siteUrl,
      consumerKey: woo.consumerKey,
      consumerSecret: woo.consumerSecret,
      settings: { timezone: zoneWhereItIs(12), maxCallsPerNumberPerDay: 10, maxConcurrentCalls: 20 },
    }),
  })
  const store = (await reg.json()) as { store: { id: string }; webhook: { secret: string } }

  const latencies: number[] = []
  for (let i = 0; i < ORDERS; i++) {
    const local = `069${String(10_000_000 + i).slice(1)}`
    const payload = wooOrderPayload({ id: 100 + i, customer: { ...SAMPLE_CUSTOMERS[1]!, phone: local } }) as unknown as WooOrder
    woo.addOrder(payload)
    const sentAt = Date.now()
    await deliverWooWebhook({
      url: `${service.url}/webhooks/woocommerce/${store.store.id}`,
      secret: store.webhook.secret,
      source: woo.siteUrl,
      payload,
    })
    const to = `+355${local.slice(1)}`
    const deadline = Date.now() + 10_000
    while (!twilio.calls.some((c) => c.to === to) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
    const call = twilio.calls.find((c) => c.to === to)
    if (!call) throw new Error(`order ${i} was not dialled within 10 s`)
    latencies.push(call.createdAt - sentAt)
    await new Promise((r) => setTimeout(r, Math.max(0, sentAt + 1100 - Date.now())))
  }
  await new Promise((r) => setTimeout(r, 4000)) // the last calls' greetings
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
    return `p50 ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`
  }
  const greetings = twilio.calls.flatMap((c) => (c.stream?.firstAudioAt === undefined ? [] : [c.stream.firstAudioAt]))
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`)
  console.log(`orders: ${ORDERS}, one at a time, inside the calling hours`)
  console.log(`webhook → calls.create: ${stats(latencies)}`)
  console.log(`pickup → greeting's first audio at the phone (model latency 0): ${stats(greetings)} (${greetings.length} calls)`)
} finally {
  await service.close()
  await twilio.close()
  await realtime.close()
  await woo.close()
  rmSync(dir, { recursive: true, force: true })
}
