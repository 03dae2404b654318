import { beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../db/index.js'
import { openDatabase } from '../db/node.js'
import { orders, serviceHolds, stores, storeWrites } from '../db/schema.js'
import { queueStoreWrite } from '../stores/outbox.js'
import { BUSY_WAKE_MS, HELD_WAKE_MS, nextWakeAt } from './wakeUp.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const MINUTE = 60_000
let db: Db

beforeEach(() => {
  db = openDatabase(':memory:').db
  db.insert(stores).values({ id: 'st_a', platform: 'shopify', domain: 'a.myshopify.com', country: 'AL', updatedAt: NOW }).run()
})

/** An order of the store in `status`, due to be called at `nextCallAt`. */
function order(id: number, status: 'queued' | 'calling' | 'done', nextCallAt: number | null) {
  db.insert(orders)
    .values({
      id,
      storeId: 'st_a',
      platformOrderId: String(id),
      name: `#${id}`,
      phone: '+355691234567',
      language: 'sq',
      items: [],
      total: '10.00',
      currency: 'ALL',
      paymentMethod: 'cod',
      status,
      nextCallAt,
      updatedAt: NOW,
    })
    .run()
}

describe("the Durable Object's alarm", () => {
  it('is not set when nothing waits: a webhook wakes the object', async () => {
    order(1, 'done', null)
    expect(await nextWakeAt(db, NOW)).toBeUndefined()
  })

  it('rings when the first queued call is due, not before', async () => {
    order(1, 'queued', NOW + 30 * MINUTE)
    order(2, 'queued', NOW + 10 * MINUTE)
    expect(await nextWakeAt(db, NOW)).toBe(NOW + 10 * MINUTE)
  })

  it('rings soon and often while a call is on, and every half minute, not in a loop, for work due but held back', async () => {
    order(1, 'queued', NOW - MINUTE) // due, but outside calling hours or over a limit
    expect(await nextWakeAt(db, NOW)).toBe(NOW + HELD_WAKE_MS)
    order(2, 'calling', null)
    expect(await nextWakeAt(db, NOW)).toBe(NOW + BUSY_WAKE_MS)
  })

  it('rings for a store write waiting for its retry', async () => {
    order(1, 'done', null)
    queueStoreWrite(db, { orderId: 1, storeId: 'st_a', kind: 'outcome' }, NOW)
    db.update(storeWrites)
      .set({ nextAttemptAt: NOW + 2 * MINUTE })
      .run()
    expect(await nextWakeAt(db, NOW)).toBe(NOW + 2 * MINUTE)
  })

  it('rings for the next probe of a paused Twilio account', async () => {
    db.insert(serviceHolds)
      .values({ kind: 'twilio_account', code: 20003, problem: 'credentials', since: NOW, nextProbeAt: NOW + 4 * MINUTE, probes: 1, updatedAt: NOW })
      .run()
    expect(await nextWakeAt(db, NOW)).toBe(NOW + 4 * MINUTE)
  })
})
