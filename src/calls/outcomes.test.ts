import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_PRICES } from '../config.js'
import type { Db } from '../db/index.js'
import { openDatabase } from '../db/node.js'
import { callAttempts, orders, stores } from '../db/schema.js'
import { createMetrics } from '../metrics.js'
import { createLogger } from '../utils/log.js'
import { closeStream } from '../voice/callRecord.js'
import { findAttempt, recordAttempt, updateAttempt } from './attempts.js'
import { type CallDeps, callEnded, settleAttempt } from './outcomes.js'

const NOW = Date.parse('2026-11-21T12:00:00Z')
let db: Db
let deps: CallDeps

beforeEach(() => {
  db = openDatabase(':memory:').db
  deps = {
    db,
    log: createLogger('error'),
    now: () => NOW,
    storeDefaults: { voice: 'marin' },
    prices: DEFAULT_PRICES,
    voicePrices: { perMinute: async () => DEFAULT_PRICES.telephonyPerMinute },
    metrics: createMetrics({ callsInFlight: async () => 0, diallingPaused: () => false }),
  }
  db.insert(stores).values({ id: 'st_a', platform: 'shopify', domain: 'a.myshopify.com', country: 'AL', updatedAt: NOW }).run()
  db.insert(orders)
    .values({
      id: 1,
      storeId: 'st_a',
      platformOrderId: '1001',
      name: '#1001',
      phone: '+355691234567',
      language: 'sq',
      items: [],
      total: '10.00',
      currency: 'EUR',
      paymentMethod: 'cod',
      status: 'calling',
      updatedAt: NOW,
    })
    .run()
})

/** A call on the line: placed, answered, its stream open, the customer's answer recorded. */
async function answeredCall() {
  const { attempt } = recordAttempt(db, 1, NOW)
  await updateAttempt(db, attempt.id, { callSid: 'CA0001', status: 'in-progress', streamState: 'open', updatedAt: NOW })
  db.update(orders).set({ outcome: 'confirmed', evidence: 'Confirmed on the call: “Po”.' }).where(eq(orders.id, 1)).run()
  return (await findAttempt(db, attempt.id))!
}

const order = () => db.select().from(orders).where(eq(orders.id, 1)).get()!
const summary = { endReason: 'agent_ended', usage: {}, modelCostUsd: 0, greetingMs: 900 }

describe("a call's two ends: Twilio's last callback and the stream closing", () => {
  it('settle the order when the callback, read while the stream was open, is written after the stream closed (two workers)', async () => {
    const seenByCallback = await answeredCall()
    // The bridge closes the stream and settles: Twilio has not said the call ended yet, so it waits.
    await closeStream(db, seenByCallback.id, summary, NOW)
    await settleAttempt(deps, seenByCallback.id)
    expect(order().status).toBe('calling')
    // The callback had read the attempt before the stream closed; its write comes after.
    await callEnded(deps, seenByCallback, { status: 'completed', answeredBy: null, endedAt: NOW, durationSeconds: 40 })
    expect(order()).toMatchObject({ status: 'done', outcome: 'confirmed' })
  })

  it('leave the order to the bridge while the stream is still open, and the bridge settles it as it closes', async () => {
    const attempt = await answeredCall()
    await callEnded(deps, attempt, { status: 'completed', answeredBy: null, endedAt: NOW, durationSeconds: 40 })
    expect(order().status).toBe('calling')
    expect(db.select().from(callAttempts).where(eq(callAttempts.id, attempt.id)).get()!.status).toBe('completed')
    await closeStream(db, attempt.id, summary, NOW)
    await settleAttempt(deps, attempt.id)
    expect(order()).toMatchObject({ status: 'done', outcome: 'confirmed' })
  })
})
