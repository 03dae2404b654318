import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../db/index.js'
import { openDatabase } from '../db/node.js'
import { orders, privacyRequests, stores, transcriptLines } from '../db/schema.js'
import type { OrderStatus } from '../domain/order.js'
import { pruneExpiredData } from './retention.js'

const DAY = 24 * 3600_000
const NOW = Date.parse('2026-11-21T12:00:00Z')
let db: Db
let next = 1

beforeEach(() => {
  db = openDatabase(':memory:').db
  db.insert(stores).values({ id: 'st_a', platform: 'shopify', domain: 'a.myshopify.com', country: 'AL', updatedAt: NOW }).run()
})

/** An order received `daysAgo`, its answer in the customer's words, and one transcript line a minute after it. */
function order(daysAgo: number, status: OrderStatus = 'done') {
  const at = NOW - daysAgo * DAY
  const id = next++
  db.insert(orders)
    .values({
      id,
      storeId: 'st_a',
      platformOrderId: String(id),
      name: `#${id}`,
      customerName: 'Arben Krasniqi',
      phone: '+38344123456',
      language: 'sq',
      items: [{ title: 'Xhaketë', quantity: 1 }],
      total: '10.00',
      currency: 'EUR',
      paymentMethod: 'cod',
      status,
      outcome: status === 'done' ? 'confirmed' : null,
      evidence: 'Confirmed on the call: “Po”.',
      createdAt: at,
      updatedAt: at,
    } as typeof orders.$inferInsert)
    .run()
  db.insert(transcriptLines)
    .values({ orderId: id, speaker: 'customer', text: 'Po', at: at + 60_000 })
    .run()
  return id
}

const row = (id: number) => db.select().from(orders).where(eq(orders.id, id)).get()!
const lines = (id: number) => db.select().from(transcriptLines).where(eq(transcriptLines.orderId, id)).all()

function dataRequest(daysAgo: number, orderId: number) {
  return db
    .insert(privacyRequests)
    .values({
      storeId: 'st_a',
      shopDomain: 'a.myshopify.com',
      topic: 'customers/data_request',
      receivedAt: NOW - daysAgo * DAY,
      report: { orders: [{ platformOrderId: String(orderId), customerName: 'Arben Krasniqi', phone: '+38344123456', city: 'Prishtinë' }] },
    })
    .returning()
    .get().id
}
const report = (id: number) => db.select().from(privacyRequests).where(eq(privacyRequests.id, id)).get()!.report

describe('erasing customer data past the retention period', () => {
  it('erases transcripts and evidence older than the period, keeping the order, its outcome and its items', async () => {
    const old = order(91)
    const recent = order(89)
    const erased = await pruneExpiredData(db, NOW, 90)
    expect(erased).toMatchObject({ transcriptLines: 1, evidence: 1 })
    expect(lines(old)).toEqual([])
    expect(row(old)).toMatchObject({ evidence: null, outcome: 'confirmed', name: `#${old}`, items: [{ title: 'Xhaketë', quantity: 1 }] })
    expect(lines(recent)).toHaveLength(1)
    expect(row(recent).evidence).toContain('Po')
  })

  it('leaves the evidence of an order still being called until its call ends', async () => {
    const calling = order(120, 'calling')
    await pruneExpiredData(db, NOW, 90)
    expect(row(calling).evidence).toContain('Po')
  })

  it('erases a data-request report past the period, keeping the record that it was answered', async () => {
    const old = dataRequest(91, order(91))
    const recent = dataRequest(10, order(10))
    expect(await pruneExpiredData(db, NOW, 90)).toMatchObject({ dataReports: 1 })
    expect(report(old)).toEqual({ ordersReported: 1, erasedAt: new Date(NOW).toISOString(), erasedBecause: 'retention' })
    expect(JSON.stringify(report(old))).not.toContain('Arben')
    expect(report(recent)).toMatchObject({ orders: [{ customerName: 'Arben Krasniqi' }] })
    // Erased once: the next run leaves the record as it is.
    expect(await pruneExpiredData(db, NOW + DAY, 90)).toMatchObject({ dataReports: 0 })
  })

  it('works through a backlog larger than one batch', async () => {
    const id = order(200)
    const backlog = Array.from({ length: 4_500 }, (_, i) => ({ orderId: id, speaker: 'agent' as const, text: `line ${i}`, at: NOW - 200 * DAY + i }))
    for (let i = 0; i < backlog.length; i += 500)
      db.insert(transcriptLines)
        .values(backlog.slice(i, i + 500))
        .run()
    expect(await pruneExpiredData(db, NOW, 90)).toMatchObject({ transcriptLines: 4_501 })
    expect(lines(id)).toEqual([])
  })
})
