import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BEHAVIOURS, type CustomerBehaviour } from '../../src/sandbox/customers.js'
import { shopifyOrderPayload, wooOrderPayload } from '../../src/sandbox/sampleOrders.js'
import type { ShopOrder } from '../../src/sandbox/shopify-admin/simulator.js'
import { seededRandom } from '../../src/sandbox/speech.js'
import { startWooCommerceSimulator, type WooCommerceSimulator, type WooOrder } from '../../src/sandbox/woocommerce/simulator.js'
import { customer, nextOrderId, pasteWooWebhook, registerWooStore } from '../support/calling.js'
import { startFrontDoor } from '../support/frontDoor.js'
import {
  type Deployment,
  deployment,
  type ServiceProcess,
  type SimulatedWorld,
  startServiceProcess,
  startSimulatedWorld,
  stopServiceProcesses,
} from '../support/serviceProcess.js'
import { zoneWhereItIs } from '../support/wait.js'
import { checkInvariants, type PlacedOrder, settledCount, type Violations } from './invariants.js'

/**
 * The chaos soak: two callconfirm processes on one database file behind one front door, a stream
 * of orders across four stores (two Shopify, two WooCommerce), and faults drawn from a seed —
 * either process killed with kill -9 and started again, Twilio answering 5xx, losing its answer
 * to a call it placed or answering slowly, Shopify THROTTLED, WooCommerce 503 or a dropped answer,
 * Realtime sessions dropped, the front door answering 503 for a second. Then it waits for every order to settle and checks what must hold
 * whatever happened (invariants.ts). `npm run soak` runs a few minutes of it; test/soak.test.ts
 * a short one.
 */

export const FAULT_KINDS = [
  'kill_worker',
  'twilio_5xx',
  'twilio_answer_lost',
  'twilio_slow',
  'shopify_throttled',
  'woo_503',
  'woo_answer_lost',
  'realtime_drop',
  'front_door_503',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface SoakPlan {
  seed: number
  /** Orders placed, spread evenly (give or take) over `placingMs`. */
  orders: number
  placingMs: number
  /** Faults injected while orders are placed, their kinds and times drawn from the seed. */
  faults: number
  /** How long to wait after the last order for every order to settle. */
  settleMs: number
  /** The stores' retry ladder: a call lost to a fault is tried again after these minutes. */
  retryDelaysMinutes: number[]
  /** Where progress lines go. */
  log?: (line: string) => void
}

export interface SoakReport extends Violations {
  seed: number
  orders: number
  stores: number
  calls: number
  faults: Record<FaultKind, number>
  outcomes: Record<string, number>
  seconds: number
}

/** The customers a soak order may have: every sandbox customer who ends the order on the call (a callback request would wait for its hour). */
const CUSTOMERS = (Object.keys(BEHAVIOURS) as CustomerBehaviour[]).filter((b) => BEHAVIOURS[b].expect !== 'callback')
const APP = { apiKey: 'soak-app-key', apiSecret: 'shpss_soak_app_secret', redirectUrls: [] }
const WORKERS = ['a', 'b'] as const
/** A load balancer's health check notices a dead worker this long after it died. */
const HEALTH_CHECK_MS = 500

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface SoakStore {
  platform: 'shopify' | 'woocommerce'
  id: string
  place(order: { id: number; phone: string; local: ReturnType<typeof customer>['customer'] }): Promise<void>
  domain: string
  woo?: WooCommerceSimulator
}

export async function runSoak(plan: SoakPlan): Promise<SoakReport> {
  const started = Date.now()
  const log = (line: string) => plan.log?.(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`)
  const random = seededRandom(plan.seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const world = await startSimulatedWorld({ realtime: { msPerChar: 10, firstAudioMs: 0 }, shopify: { app: APP } })
  const secondWoo = await startWooCommerceSimulator()
  const door = await startFrontDoor()
  const work = mkdtempSync(join(tmpdir(), 'callconfirm-soak-'))
  const site: Deployment = deployment(world, { directory: work, publicUrl: door.url })
  const env = {
    SHOPIFY_API_KEY: APP.apiKey,
    SHOPIFY_API_SECRET: APP.apiSecret,
    // Short enough that what a fault leaves behind is found again within the soak.
    RECONCILE_SECONDS: '10',
    LEASE_SECONDS: '5',
    DRAIN_SECONDS: '20',
  }
  const workers = new Map<string, ServiceProcess>()
  const up = new Set<string>()
  // The door spreads each request and stream over the workers it believes are up.
  const routing = seededRandom(plan.seed + 1)
  let hiccup = false
  door.route(() => {
    const live = hiccup ? [] : [...up]
    return live.length ? workers.get(live[Math.floor(routing() * live.length)]!)!.url : undefined
  })
  const retired: ServiceProcess[] = []
  const start = async (id: string) => {
    const previous = workers.get(id)
    if (previous) retired.push(previous)
    workers.set(id, await startServiceProcess(site, { workerId: id, env }))
    up.add(id)
  }
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>
  const placed: PlacedOrder[] = []
  try {
    await Promise.all(WORKERS.map(start))
    const first = workers.get('a')!
    const stores = await openStores(first, world, secondWoo, site, plan.retryDelaysMinutes)
    log(`soak seed ${plan.seed}: ${plan.orders} orders across ${stores.length} stores, ${plan.faults} faults, two workers`)

    // Orders and faults on one timeline drawn from the seed.
    const timeline = [
      ...Array.from({ length: plan.orders }, (_, i) => ({ at: ((i + random()) / plan.orders) * plan.placingMs, kind: 'order' as const })),
      ...Array.from({ length: plan.faults }, () => ({ at: random() * plan.placingMs, kind: pick(FAULT_KINDS) })),
    ].sort((x, y) => x.at - y.at)
    const restarts: Promise<void>[] = []
    const shopifyStores = stores.filter((s) => s.platform === 'shopify')
    const wooStores = stores.filter((s) => s.platform === 'woocommerce')
    for (const event of timeline) {
      const wait = started + event.at - Date.now()
      if (wait > 0) await sleep(wait)
      if (event.kind === 'order') {
        const store = pick(stores)
        const behaviour = pick(CUSTOMERS)
        const id = nextOrderId()
        const { phone, customer: local } = customer(id)
        // The same person each time they are called (a call lost to a fault is tried again).
        world.twilio.script(phone, ...BEHAVIOURS[behaviour].calls, ...BEHAVIOURS[behaviour].calls)
        placed.push({
          platform: store.platform,
          storeId: store.id,
          domain: store.domain,
          platformOrderId: String(id),
          phone,
          behaviour,
          woo: store.woo,
        })
        await store.place({ id, phone, local }).catch((error) => log(`placing order ${id} failed: ${error}`))
        continue
      }
      faults[event.kind]++
      switch (event.kind) {
        case 'kill_worker': {
          const id = pick(WORKERS)
          const victim = workers.get(id)
          if (!up.has(id) || !victim) {
            faults.kill_worker-- // already down: nothing to kill
            break
          }
          victim.kill9()
          log(`kill -9 worker ${id}`)
          restarts.push(
            (async () => {
              await victim.exited
              await sleep(HEALTH_CHECK_MS)
              up.delete(id)
              await sleep(500 + random() * 2_000)
              await start(id)
              log(`worker ${id} started again`)
            })(),
          )
          break
        }
        case 'twilio_5xx':
          world.twilio.failNextCreate({ status: pick([500, 503] as const) })
          break
        case 'twilio_answer_lost':
          world.twilio.failNextCreate({ status: 500, placeAnyway: true })
          break
        case 'twilio_slow':
          world.twilio.slowNextCreate(1_000 + random() * 4_000)
          break
        case 'shopify_throttled':
          world.shopify.failNext(pick(shopifyStores).domain, 'throttle')
          break
        case 'woo_503':
          pick(wooStores).woo!.failNext({ status: 503 })
          break
        case 'woo_answer_lost':
          pick(wooStores).woo!.failNext('drop')
          break
        case 'front_door_503':
          // The load balancer answers 503 to everything for a second: webhooks and Twilio's callbacks meanwhile are lost.
          hiccup = true
          await sleep(1_000)
          hiccup = false
          break
        case 'realtime_drop': {
          world.realtime.dropSessionsAfter(500 + random() * 3_000)
          // Only the sessions opened in the next second and a half are dropped.
          await sleep(1_500)
          world.realtime.dropSessionsAfter(undefined)
          break
        }
      }
    }
    await Promise.all(restarts)
    log(`${placed.length} orders placed; waiting for them to settle`)
    const settled = await waitToSettle(site, placed, plan.settleMs)
    log(settled ? 'every order settled' : `not every order settled within ${plan.settleMs / 1000} s`)
    // Both workers drain and stop as a deploy would stop them.
    for (const w of workers.values()) w.signal('SIGTERM')
    await Promise.all([...workers.values()].map((w) => w.exited))
    const violations = checkInvariants(site.databasePath, placed, world)
    // What the workers said about each order left unsettled, for whoever reads the report.
    for (const lost of violations.found.lost) {
      const orderId = Number(lost.match(/#(\d+)/)?.[1])
      for (const w of [...retired, ...workers.values()])
        for (const line of w.logs.filter((l) => l.orderId === orderId)) log(`  ${w.workerId}: ${JSON.stringify(line)}`)
    }
    return {
      seed: plan.seed,
      orders: placed.length,
      stores: stores.length,
      calls: world.twilio.calls.filter((c) => placed.some((p) => p.phone === c.to)).length,
      faults,
      outcomes: violations.outcomes,
      seconds: Math.round((Date.now() - started) / 1000),
      ...violations.found,
    }
  } finally {
    await stopServiceProcesses()
    await door.close()
    await secondWoo.close()
    await world.close()
    rmSync(work, { recursive: true, force: true })
  }
}

/** Two WooCommerce sites with our webhook pasted in, and two Shopify shops on the public app, all calling at any hour. */
async function openStores(
  worker: ServiceProcess,
  world: SimulatedWorld,
  secondWoo: WooCommerceSimulator,
  site: Deployment,
  retryDelaysMinutes: number[],
): Promise<SoakStore[]> {
  const settings = { timezone: zoneWhereItIs(12), callingHours: { start: '00:00', end: '23:59' }, retryDelaysMinutes, maxConcurrentCalls: 10 }
  const stores: SoakStore[] = []
  for (const woo of [world.woo, secondWoo]) {
    const store = await registerWooStore(worker, woo, settings)
    await pasteWooWebhook(woo, `${site.publicUrl}/webhooks/woocommerce/${store.id}`, store.secret)
    stores.push({
      platform: 'woocommerce',
      id: store.id,
      domain: woo.siteUrl,
      woo,
      place: async ({ id, local }) => {
        // Created now, by the site's clock (the sample's own date is long past: reconciliation would rightly pass it by).
        const now = new Date().toISOString().slice(0, 19)
        await woo.placeOrder({ ...(wooOrderPayload({ id, customer: local }) as unknown as WooOrder), date_created_gmt: now })
      },
    })
  }
  for (const n of [1, 2]) {
    const domain = `soak-${n}-${randomBytes(3).toString('hex')}.myshopify.com`
    const accessToken = `shpat_${randomBytes(16).toString('hex')}`
    world.shopify.addShop(domain, accessToken, { maximumAvailable: 2000, restoreRate: 100 })
    const res = await worker.api('POST', '/api/stores', { platform: 'shopify', shopDomain: domain, accessToken, settings })
    if (res.status !== 201) throw new Error(`registering ${domain} failed: ${JSON.stringify(res.body)}`)
    stores.push({
      platform: 'shopify',
      id: res.body.store.id,
      domain,
      place: async ({ id, local }) => {
        await world.shopify.placeOrder(
          domain,
          shopifyOrderPayload({ id: BigInt(id), orderNumber: id, customer: local, createdAt: new Date().toISOString() }) as unknown as ShopOrder,
        )
      },
    })
  }
  return stores
}

/** Waits until every order placed is settled in the database and its store writes are delivered; false if `ms` passed first. */
async function waitToSettle(site: Deployment, placed: PlacedOrder[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (settledCount(site.databasePath, placed) === placed.length) return true
    await sleep(500)
  }
  return false
}

/** The report as `npm run soak` prints it: what was done, what came of it, and every violation. */
export function formatReport(r: SoakReport): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none'
  const lines = [
    `seed ${r.seed}: ${r.orders} orders across ${r.stores} stores, ${r.calls} calls, ${r.seconds} s`,
    `faults injected: ${list(r.faults)}`,
    `outcomes: ${list(r.outcomes)}`,
    `lost ${r.lost.length}, doubled ${r.doubled.length}, written twice ${r.writtenTwice.length}, not written ${r.notWritten.length}`,
    ...[...r.lost, ...r.doubled, ...r.writtenTwice, ...r.notWritten].map((v) => `  ${v}`),
  ]
  return lines.join('\n')
}

/** How many times an invariant broke. */
export function violationCount(r: Violations): number {
  return r.lost.length + r.doubled.length + r.writtenTwice.length + r.notWritten.length
}
