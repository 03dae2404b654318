import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { speak } from '../src/sandbox/speech.js'
import type { PhoneBehaviour } from '../src/sandbox/twilio/simulator.js'
import { heardOn, orderView, placeWooOrder, registerWooStore } from './support/calling.js'
import { type FrontDoor, startFrontDoor } from './support/frontDoor.js'
import {
  type Deployment,
  deployment,
  type SimulatedWorld,
  startServiceProcess,
  startSimulatedWorld,
  stopServiceProcesses,
} from './support/serviceProcess.js'
import { until } from './support/wait.js'

/**
 * Stopping a worker with calls on the line, and a second worker on the same database: real
 * callconfirm processes, live (SANDBOX=0), behind a TLS front door that chooses which worker each
 * of Twilio's callbacks and media streams reaches.
 */

let world: SimulatedWorld
let door: FrontDoor
let work: string
let site: Deployment
beforeAll(async () => {
  // The model speaks six times as fast as a real one: a conversation takes seconds, not half a minute.
  world = await startSimulatedWorld({ realtime: { msPerChar: 10, firstAudioMs: 0 } })
  door = await startFrontDoor()
})
afterAll(async () => {
  await door.close()
  await world.close()
})
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'callconfirm-drain-'))
  site = deployment(world, { directory: work, publicUrl: door.url })
})
afterEach(async () => {
  await stopServiceProcesses()
  rmSync(work, { recursive: true, force: true })
})

const says = (text: string) => ({ say: speak(text, 30) })
/** A customer who hears the order out and confirms it: a few seconds of conversation. */
const confirms: PhoneBehaviour = { kind: 'human', ringMs: 100, script: { turns: [says('Po, e konfirmoj porosinë.')] } }
/** One who is not sure at first who is calling, is asked again, and confirms: twice as long. */
const asksThenConfirms: PhoneBehaviour = {
  kind: 'human',
  ringMs: 100,
  script: { turns: [says('Më falni, kush është?'), says('Po, e konfirmoj porosinë.')] },
}

/** The order as the database holds it, read once no worker is left to ask. */
function storedOrder(orderId: number) {
  const db = new Database(site.databasePath, { readonly: true })
  try {
    const order = db.prepare('select status, outcome from orders where id = ?').get(orderId) as { status: string; outcome: string | null }
    const attempts = db.prepare('select count(*) as n from call_attempts where order_id = ?').get(orderId) as { n: number }
    return { ...order, attempts: attempts.n }
  } finally {
    db.close()
  }
}

const streamConnected = (orderId: number) => (l: { msg: string; orderId?: unknown }) => l.msg === 'media stream connected' && l.orderId === orderId
const drainBegan = (l: { msg: string }) => l.msg.startsWith('draining')
/** One who says nothing: the agent asks whether they are there, and waits again — far past any bound here. */
const silent: PhoneBehaviour = { kind: 'human', ringMs: 100 }

/** Worker `a`, alone behind the door, with a store and a call on the line to a customer who behaves as `customer` does. */
async function callOnTheLine(customer: PhoneBehaviour, env: Record<string, string> = {}) {
  const a = await startServiceProcess(site, { workerId: 'a', env })
  door.route(() => a.url)
  const store = await registerWooStore(a, world.woo)
  const order = await placeWooOrder(a, world, store, [customer])
  await a.logged(streamConnected(order.orderId), 'the call to be on the line')
  return { a, store, order }
}
const outcomeNotes = (platformOrderId: number) => world.woo.notes(platformOrderId).filter((n) => n.note.startsWith('[callconfirm]'))

describe('stopping a worker (SIGTERM)', () => {
  it('with a call on the line, it keeps serving until the customer has confirmed, sends the outcome to the store, dials nothing new, then exits 0', async () => {
    const { a, store, order: first } = await callOnTheLine(confirms)
    a.signal('SIGTERM')
    await a.logged(drainBegan, 'the drain to begin')
    const health = await fetch(`${a.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'draining' })
    // An order due at once arrives while it drains: it is taken in, and left for another worker to call.
    const second = await placeWooOrder(a, world, store, [confirms])
    expect(second.orderId).toBeGreaterThan(0)

    expect(await a.exited).toEqual({ code: 0, signal: null })
    const call = world.twilio.calls.find((c) => c.to === first.phone)!
    expect(call.endedAt).not.toBeNull()
    expect(heardOn(call)).toContain('Mirupafshim')
    expect(storedOrder(first.orderId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(outcomeNotes(first.platformOrderId)).toHaveLength(1)
    expect(storedOrder(second.orderId)).toMatchObject({ status: 'queued', attempts: 0 })
    expect(world.twilio.calls.filter((c) => c.to === second.phone)).toEqual([])
    expect(a.logs.find((l) => l.msg === 'drained')).toMatchObject({ calls: 1, finished: 1, leftBehind: 0 })
  })

  it('stops at once on a second signal during the drain, leaving the call to recovery', async () => {
    const { a, order } = await callOnTheLine(silent)
    a.signal('SIGTERM')
    await a.logged(drainBegan, 'the drain to begin')
    a.signal('SIGINT')
    expect(await a.exited).toEqual({ code: 1, signal: null })
    expect(a.logs.some((l) => l.msg.startsWith('stopping at once'))).toBe(true)
    expect(a.logs.some((l) => l.msg.startsWith('drained'))).toBe(false)
    expect(storedOrder(order.orderId)).toMatchObject({ status: 'calling' })
  })

  it('lets a call on the line run no longer than DRAIN_SECONDS: the agent ends it, the process exits, and the next worker settles the order', async () => {
    const { a, order } = await callOnTheLine(silent, { DRAIN_SECONDS: '1' })
    a.signal('SIGTERM')
    await a.logged(drainBegan, 'the drain to begin')
    // The load balancer takes the draining worker out, and there is no other: Twilio's callbacks find nobody.
    door.route(() => undefined)
    expect(await a.exited).toEqual({ code: 0, signal: null })
    expect(a.logs.find((l) => l.msg.startsWith('drained'))).toMatchObject({ calls: 1, finished: 0, cut: 1, leftBehind: 1 })
    await until(() => world.twilio.calls.some((c) => c.to === order.phone && c.endedAt !== null), 'the call to end')

    const b = await startServiceProcess(site, { workerId: 'b' })
    door.route(() => b.url)
    await b.logged((l) => l.msg === 'recovered interrupted calls', 'B to take the call over')
    const settled = await orderView(b, order.orderId)
    expect(settled.status).not.toBe('calling')
    expect(settled.attempts).toHaveLength(1)
    expect(settled.attempts[0]).toMatchObject({ status: 'completed', endReason: 'agent_failed' })
  })
})

describe('two workers on one database', () => {
  it('the stream reaches B, A dies mid-call, and B lets the customer finish: one call, one outcome', async () => {
    const worker = (workerId: string) => startServiceProcess(site, { workerId, env: { LEASE_SECONDS: '3' } })
    const [a, b] = await Promise.all([worker('a'), worker('b')])
    // The load balancer sends the media stream to B, everything else to A.
    door.route((path) => (path.startsWith('/twilio/media-stream') ? b.url : a.url))
    b.signal('SIGSTOP')
    const store = await registerWooStore(a, world.woo)
    const order = await placeWooOrder(a, world, store, [asksThenConfirms])
    await a.logged((l) => l.msg === 'call placed' && l.orderId === order.orderId, 'A to dial')
    b.signal('SIGCONT')
    await b.logged(streamConnected(order.orderId), 'the call to be on the line at B')

    a.kill9()
    door.route(() => b.url)
    await until(() => world.twilio.calls.some((c) => c.to === order.phone && c.endedAt !== null), 'the call to end', 30_000)
    await until(async () => (await orderView(b, order.orderId)).status !== 'calling', 'the order to be settled', 10_000)
    const call = world.twilio.calls.find((c) => c.to === order.phone)!
    expect(heardOn(call)).toContain('Mirupafshim')
    expect(await orderView(b, order.orderId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
    expect(world.twilio.calls.filter((c) => c.to === order.phone)).toHaveLength(1)
    await until(() => outcomeNotes(order.platformOrderId).length > 0, 'the outcome to reach the store')
    expect(outcomeNotes(order.platformOrderId)).toHaveLength(1)
    expect(b.logs.filter((l) => l.msg === 'recovered interrupted calls')).toEqual([])
  })
})
