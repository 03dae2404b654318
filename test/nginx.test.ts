import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, fetch as fetchFrom } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { speak } from '../src/sandbox/speech.js'
import type { PhoneBehaviour } from '../src/sandbox/twilio/simulator.js'
import { heardOn, orderView, placeWooOrder, registerWooStore } from './support/calling.js'
import { haveNginx, type Nginx, startNginx } from './support/nginx.js'
import { adminApi } from './support/service.js'
import {
  deployment,
  type ServiceProcess,
  type SimulatedWorld,
  startServiceProcess,
  startSimulatedWorld,
  stopServiceProcesses,
} from './support/serviceProcess.js'
import { freePort, until } from './support/wait.js'

/**
 * A live callconfirm (SANDBOX=0) behind Debian's nginx, configured from deploy/nginx.conf.example
 * with TLS on loopback, as the README's "Going live" sets it up: the store's webhook, the
 * operator's API, Twilio's signed callbacks and its media stream all come in through nginx.
 */

const nginxHere = haveNginx('the nginx test')

let world: SimulatedWorld
let work: string
let service: ServiceProcess
let nginx: Nginx
beforeAll(async () => {
  if (!nginxHere) return
  // The model speaks six times as fast as a real one: a conversation takes seconds, not half a minute.
  world = await startSimulatedWorld({ realtime: { msPerChar: 10, firstAudioMs: 0 } })
  work = mkdtempSync(join(tmpdir(), 'callconfirm-nginx-'))
  const httpsPort = await freePort()
  let httpPort = await freePort()
  while (httpPort === httpsPort) httpPort = await freePort()
  // The service first, told the address nginx will have; then nginx, pointed at the service's port.
  const site = deployment(world, { directory: work, publicUrl: `https://127.0.0.1:${httpsPort}` })
  service = await startServiceProcess(site, { workerId: 'a', env: { TRUST_PROXY: 'true' } })
  nginx = await startNginx({ directory: join(work, 'nginx'), httpsPort, httpPort, upstream: service.url })
}, 60_000)
afterAll(async () => {
  await nginx?.close()
  await stopServiceProcesses()
  await world?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

const says = (text: string) => ({ say: speak(text, 30) })
const confirms: PhoneBehaviour = { kind: 'human', ringMs: 100, script: { turns: [says('Po, e konfirmoj porosinë.')] } }

/** nginx's access log: one `<status> <method> <path>` per request it passed on. */
const accessLog = () =>
  readFileSync(join(work, 'nginx', 'access.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, method, path, status] = /"(\w+) (\S+) [^"]*" (\d+)/.exec(line) ?? []
      return `${status} ${method} ${path}`
    })

describe.skipIf(!nginxHere)('callconfirm behind nginx (deploy/nginx.conf.example)', () => {
  it('confirms a WooCommerce order on a call whose callbacks and media stream pass through nginx, and writes the outcome to the store', async () => {
    const api = adminApi(nginx.url)
    const store = await registerWooStore({ api }, world.woo)
    const placed = await placeWooOrder({ url: nginx.url }, world, store, [confirms])
    expect(placed.orderId).toBeGreaterThan(0)

    await until(
      async () => {
        const order = await orderView({ api }, placed.orderId)
        return order.status === 'done' && order.storeWrites.length > 0 && order.storeWrites.every((w: { status: string }) => w.status === 'done')
      },
      'the outcome to be written to the store',
      60_000,
    )
    expect(await orderView({ api }, placed.orderId)).toMatchObject({ outcome: 'confirmed' })
    expect(world.woo.order(placed.platformOrderId)!.meta_data).toContainEqual(
      expect.objectContaining({ key: '_callconfirm_outcome', value: 'confirmed' }),
    )

    await until(() => world.twilio.calls.some((c) => c.to === placed.phone && c.endedAt !== null), 'the call to end', 20_000)
    const call = world.twilio.calls.find((c) => c.to === placed.phone)!
    expect(heardOn(call)).toMatch(/Dyqani Lule.*porosinë/)
    // Every callback Twilio sent went to nginx's https address and was taken: its signature,
    // made over that URL, held once nginx had passed it on.
    await until(() => call.callbacks.every((c) => c.status !== 'unreachable'), "the call's last callback to be answered", 5_000)
    expect(call.callbacks.length).toBeGreaterThan(0)
    for (const callback of call.callbacks) {
      expect(callback.url.startsWith(`${nginx.url}/twilio/`)).toBe(true)
      expect(callback.status).toBeGreaterThanOrEqual(200)
      expect(callback.status).toBeLessThan(300)
    }
    // nginx logs an upgraded request once its socket closes.
    await until(() => accessLog().some((l) => /^101 GET \/twilio\/media-stream\/att_/.test(l)), 'nginx to log the media stream', 10_000)
    const passed = accessLog()
    expect(passed).toContainEqual(expect.stringMatching(/^20\d POST \/twilio\/status\/att_/))
    expect(passed).toContainEqual(expect.stringMatching(new RegExp(`^200 POST /webhooks/woocommerce/${store.id}$`)))
    expect(service.logs.filter((l) => l.msg.startsWith('twilio callback rejected'))).toEqual([])
  }, 90_000)

  it('lets a store webhook larger than nginx’s default 1 MiB reach callconfirm, which judges it', async () => {
    const store = await registerWooStore({ api: adminApi(nginx.url) }, world.woo)
    const res = await fetch(`${nginx.url}/webhooks/woocommerce/${store.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-wc-webhook-signature': 'forged' },
      body: JSON.stringify({ id: 1, padding: 'x'.repeat(3 * 1024 * 1024) }),
    })
    // callconfirm's answer (a bad signature), not nginx's 413.
    expect(res.status).toBe(401)
  })

  it('counts each client by the address nginx saw (TRUST_PROXY), so one who exhausts the connect limit locks out nobody else, and a forged X-Forwarded-For frees no one', async () => {
    // Two clients on loopback addresses of their own: without TRUST_PROXY both would be nginx's 127.0.0.1.
    const from = (localAddress: string) => new Agent({ localAddress, connect: { rejectUnauthorized: false } })
    const [first, second] = [from('127.0.0.2'), from('127.0.0.3')]
    const connect = (dispatcher: Agent, forwardedFor?: string) =>
      fetchFrom(`${nginx.url}/woocommerce/connect?store_url=https://dyqani.al`, {
        dispatcher,
        redirect: 'manual',
        headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      }).then(async (r) => {
        await r.arrayBuffer()
        return r.status
      })
    try {
      const answers = []
      for (let i = 0; i < 10; i++) answers.push(await connect(first, `198.51.100.${i}`))
      expect(answers).not.toContain(429)
      expect(await connect(first, '198.51.100.99')).toBe(429)
      expect(await connect(second)).not.toBe(429)
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })

  it('sends plain http to https, and keeps /metrics off the internet', async () => {
    const plain = await fetch(`${nginx.httpUrl}/dashboard?x=1`, { redirect: 'manual' })
    expect(plain.status).toBe(301)
    expect(plain.headers.get('location')).toBe('https://127.0.0.1/dashboard?x=1')
    const metrics = await fetch(`${nginx.url}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(16)}` } })
    expect(metrics.status).toBe(403)
    expect(nginx.errors()).not.toMatch(/\[(emerg|alert|crit)\]/)
  })
})
