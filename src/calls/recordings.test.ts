import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../db/index.js'
import { openDatabase } from '../db/node.js'
import { callAttempts, callRecordings, orders, stores } from '../db/schema.js'
import { attemptRecordings, isRecorded, recordingReport, recordingReported, recordingRequested } from './recordings.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const SID = `RE${'a'.repeat(32)}`
let db: Db

beforeEach(() => {
  db = openDatabase(':memory:').db
  db.insert(stores).values({ id: 'st_a', platform: 'shopify', domain: 'a.myshopify.com', country: 'AL', updatedAt: NOW }).run()
  db.insert(orders)
    .values({
      id: 1,
      storeId: 'st_a',
      platformOrderId: '1',
      name: '#1',
      language: 'sq',
      items: [],
      total: '10.00',
      currency: 'EUR',
      paymentMethod: 'cod',
      status: 'calling',
      updatedAt: NOW,
    })
    .run()
  db.insert(callAttempts).values({ id: 'att_1', orderId: 1, number: 1, status: 'in-progress', createdAt: NOW, updatedAt: NOW }).run()
})

const report = (params: Record<string, string>) => recordingReport({ RecordingSid: SID, RecordingChannels: '2', ...params })!
const row = () => db.select().from(callRecordings).where(eq(callRecordings.attemptId, 'att_1')).get()

describe('what the recording callbacks say, kept per call', () => {
  it('keeps a completed recording completed when a late in-progress or a repeat arrives', async () => {
    recordingRequested(db, 'att_1', NOW)
    expect(await isRecorded(db, 'att_1')).toBe(true)
    recordingReported(db, 'att_1', report({ RecordingStatus: 'completed', RecordingDuration: '42' }), NOW + 1)
    recordingReported(db, 'att_1', report({ RecordingStatus: 'completed', RecordingDuration: '42' }), NOW + 2)
    recordingReported(db, 'att_1', report({ RecordingStatus: 'in-progress' }), NOW + 3)
    expect(row()).toMatchObject({ recordingSid: SID, status: 'completed', durationSeconds: 42, channels: 2, deleteAt: null })
    expect((await attemptRecordings(db, ['att_1'])).get('att_1')).toEqual({ status: 'completed', durationSeconds: 42, channels: 2 })
  })

  it('takes a callback for a call it had no word of, and marks it for deletion when the customer was erased meanwhile', async () => {
    db.update(orders).set({ redactedAt: NOW }).where(eq(orders.id, 1)).run()
    recordingReported(db, 'att_1', report({ RecordingStatus: 'completed', RecordingDuration: '7' }), NOW + 5)
    expect(row()).toMatchObject({ status: 'completed', deleteAt: NOW + 5 })
    expect(await attemptRecordings(db, ['att_1'])).toEqual(new Map())
  })

  it('reads only the statuses and SIDs Twilio sends', () => {
    expect(recordingReport({ RecordingSid: SID, RecordingStatus: 'requested' })).toBeUndefined()
    expect(recordingReport({ RecordingSid: 'RE../../Calls', RecordingStatus: 'completed' })).toBeUndefined()
    expect(recordingReport({ RecordingSid: SID, RecordingStatus: 'absent', RecordingDuration: '-1' })).toEqual({
      sid: SID,
      status: 'absent',
      durationSeconds: null,
      channels: null,
    })
  })
})
