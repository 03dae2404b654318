/**
 * When to greet a callee who picks up. People here answer "Alo?" — at once, after a breath, or
 * not at all — and a greeting already playing when they do is a barge-in that cuts it off. For
 * each way of answering, and for each `helloWaitMs` (0: greet at pickup; otherwise wait for the
 * callee's first words, greeting at that fallback when there are none), this measures how often
 * the greeting is cut short (Twilio told to clear it), how often the callee ends up hearing a
 * whole greeting, and how long they wait for its first audio (median), with Twilio and a model
 * that takes 700 ms to first audio simulated.
 *
 *   npm run bench:pickup              # 8 calls per cell
 *   CALLS=20 npm run bench:pickup
 *
 * The other way the issue names (greet at pickup, but let nobody interrupt its first hundreds of
 * milliseconds) is not measured here because it cannot be built on OpenAI's turn detection: the
 * server cancels the response itself on speech (`interrupt_response`), and turning that off
 * makes `create_response` unreliable while a response is active (OpenAI's reference says so), so
 * a callee's real first words during the guard would go unanswered. See the README.
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
import { hear, speak } from '../src/sandbox/speech.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import type { CustomerScript } from '../src/sandbox/twilio/mediaStream.js'
import { startTwilioSimulator } from '../src/sandbox/twilio/simulator.js'
import { startWooCommerceSimulator, type WooOrder } from '../src/sandbox/woocommerce/simulator.js'
import { startService } from '../src/service.js'
import { createLogger } from '../src/utils/log.js'
import { freePort, zoneWhereItIs } from '../test/support/wait.js'

const CALLS = Number(process.env.CALLS ?? 8)
const WAITS = [0, 800, 1_200, 1_600]
const CALLEES: Array<{ name: string; script: CustomerScript }> = [
  { name: 'says nothing', script: {} },
  { name: '"Alo?" at 0.3 s', script: { speech: [{ atMs: 300, audio: speak('Alo?') }] } },
  { name: '"Alo?" at 0.8 s', script: { speech: [{ atMs: 800, audio: speak('Alo?') }] } },
  { name: '"Alo, po?" at 1.5 s', script: { speech: [{ atMs: 1_500, audio: speak('Alo, po?') }] } },
]
const GREETING_END = 'Shtypni 1 për ta konfirmuar ose 2 për ta anuluar.'
const ACCOUNT = `AC${'5'.repeat(32)}`
const TOKEN = 'bench-token'
const FROM = '+35542000333'
const ADMIN = 'bench-admin-token-0123456789'

const twilio = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [FROM] })
const realtime = await startRealtimeSimulator({ apiKey: 'sk-bench', firstAudioMs: 700, msPerChar: 30 })
const woo = await startWooCommerceSimulator()
let orderId = 1000

async function measure(helloWaitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'callconfirm-pickup-'))
  const port = await freePort()
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: join(dir, 'callconfirm.db'),
    ADMIN_TOKEN: ADMIN,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM_NUMBER: FROM,
    TWILIO_API_ORIGIN: twilio.origin,
    TWILIO_CALLS_PER_SECOND: '50',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_REALTIME_URL: realtime.url,
    SANDBOX: '1',
  })
  const service = await startService(completeSandboxSecrets(config).config, createLogger('warn'), configuredServices(config), {
    voiceTiming: { helloWaitMs },
  })
  try {
    const reg = await fetch(`${service.url}/api/stores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        platform: 'woocommerce',
        siteUrl: woo.siteUrl,
        consumerKey: woo.consumerKey,
        consumerSecret: woo.consumerSecret,
        settings: { timezone: zoneWhereItIs(12), maxConcurrentCalls: 50, retryDelaysMinutes: [] },
      }),
    })
    const store = (await reg.json()) as { store: { id: string }; webhook: { secret: string } }
    const placed: Array<{ callee: string; to: string }> = []
    for (const callee of CALLEES)
      for (let i = 0; i < CALLS; i++) {
        const id = orderId++
        const local = `069${String(10_000_000 + id).slice(1)}`
        const to = `+355${local.slice(1)}`
        // Long enough to hear the whole greeting whenever it starts; nobody answers it.
        twilio.script(to, { kind: 'human', ringMs: 500, script: callee.script, hangUpAfterMs: 14_000 })
        const payload = wooOrderPayload({ id, customer: { ...SAMPLE_CUSTOMERS[1]!, phone: local } }) as unknown as WooOrder
        woo.addOrder(payload)
        await deliverWooWebhook({
          url: `${service.url}/webhooks/woocommerce/${store.store.id}`,
          secret: store.webhook.secret,
          source: woo.siteUrl,
          payload,
        })
        placed.push({ callee: callee.name, to })
      }
    const deadline = Date.now() + 60_000
    const ended = () => placed.every((p) => twilio.calls.some((c) => c.to === p.to && c.endedAt !== null))
    while (!ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    return CALLEES.map((callee) => {
      const calls = placed.filter((p) => p.callee === callee.name).map((p) => twilio.calls.find((c) => c.to === p.to)?.stream)
      const cut = calls.filter((s) => s && s.clears > 0).length
      const whole = calls.filter((s) => s && hear(s.heardAudio()).some((t) => t.endsWith(GREETING_END))).length
      const starts = calls.flatMap((s) => (s?.firstAudioAt === undefined ? [] : [s.firstAudioAt])).sort((a, b) => a - b)
      const median = starts[Math.floor(starts.length / 2)]
      const n = calls.length
      const firstAudio = median === undefined ? '–' : `${(median / 1000).toFixed(2)} s`
      return `cut ${cut}/${n}, heard whole ${whole}/${n}, first audio ${firstAudio}`
    })
  } finally {
    await service.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`)
  console.log(`${CALLS} calls per cell; the model's first audio 700 ms after it is asked\n`)
  const head = ['helloWaitMs', ...CALLEES.map((c) => c.name)]
  const rows = [head, head.map(() => '---')]
  for (const wait of WAITS) {
    const cells = await measure(wait)
    rows.push([wait === 0 ? '0 (greet at pickup)' : String(wait), ...cells])
  }
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
} finally {
  await twilio.close()
  await realtime.close()
  await woo.close()
}
