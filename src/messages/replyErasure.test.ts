import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/node.js'
import { orders, stores } from '../db/schema.js'
import { redactShop } from '../orders/privacy.js'
import { pruneExpiredData } from '../orders/retention.js'
import { orderMessages, queueMessage, recordReply } from './messageLog.js'

const DAY = 24 * 3600_000
const NOW = Date.parse('2026-11-21T12:00:00Z')

/** A store with one order whose customer got our question and answered it `daysAgo`. */
function world(daysAgo: number) {
  const { db } = openDatabase(':memory:')
  const at = NOW - daysAgo * DAY
  db.insert(stores).values({ id: 'st_a', platform: 'shopify', domain: 'a.myshopify.com', country: 'AL', updatedAt: at }).run()
  db.insert(orders)
    .values({
      id: 1,
      storeId: 'st_a',
      platformOrderId: '1',
      name: '#1',
      phone: '+355691234567',
      language: 'sq',
      items: [],
      total: '10.00',
      currency: 'EUR',
      paymentMethod: 'cod',
      status: 'done',
      outcome: 'needs_review',
      createdAt: at,
      updatedAt: at,
    })
    .run()
  queueMessage(db, { orderId: 1, channel: 'whatsapp', purpose: 'ask' }, at)
  recordReply(db, { orderId: 1, channel: 'whatsapp', sid: 'SM1', body: 'Adresa ime e re: Rruga e Kavajës 12' }, at)
  const bodies = async () => (await orderMessages(db, 1)).map((m) => [m.direction, m.body])
  return { db, bodies }
}

describe('what customers wrote in messages', () => {
  it('is erased once older than the retention period, and kept before', async () => {
    const recent = world(10)
    await pruneExpiredData(recent.db, NOW, 90)
    expect(await recent.bodies()).toEqual([
      ['outbound', ''],
      ['inbound', 'Adresa ime e re: Rruga e Kavajës 12'],
    ])
    const old = world(100)
    expect(await pruneExpiredData(old.db, NOW, 90)).toMatchObject({ replies: 1 })
    expect(await old.bodies()).toEqual([
      ['outbound', ''],
      ['inbound', ''],
    ])
  })

  it('is erased with the rest of the customer’s data when the shop is redacted', async () => {
    const { db, bodies } = world(1)
    await redactShop(db, 'st_a', NOW)
    expect((await bodies()).find(([direction]) => direction === 'inbound')).toEqual(['inbound', ''])
  })
})
