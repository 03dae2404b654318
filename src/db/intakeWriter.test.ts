import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IntakeRow } from '../orders/intake.js'
import { createLogger } from '../utils/log.js'
import { startIntakeWriter, type IntakeWriter } from './intakeWriter.js'
import { openDatabase } from './node.js'
import { orders, stores } from './schema.js'

const dir = mkdtempSync(join(tmpdir(), 'callconfirm-writer-'))
const path = join(dir, 'callconfirm.db')
const { db, sqlite } = openDatabase(path)
const threads: Worker[] = []
const logs: string[] = []
let writer: IntakeWriter

const row = (platformOrderId: string): IntakeRow => ({
  storeId: 'st_w',
  platformOrderId,
  name: `#${platformOrderId}`,
  customerPlatformId: null,
  customerName: 'Arben Krasniqi',
  phone: '+38344123456',
  phoneCountry: 'XK',
  language: 'sq',
  city: 'Prishtinë',
  items: [{ title: 'Atlete', quantity: 1 }],
  total: '4500.00',
  currency: 'ALL',
  paymentMethod: 'cod',
  placedAt: null,
  status: 'queued',
  skipReason: null,
  outcome: null,
  evidence: null,
  nextCallAt: 1,
  createdAt: 1,
  updatedAt: 1,
})

beforeAll(async () => {
  db.insert(stores).values({ id: 'st_w', platform: 'woocommerce', domain: 'https://w.example', country: 'AL', updatedAt: 1 }).run()
  writer = await startIntakeWriter(path, createLogger('debug', (l) => logs.push(l)), { onThreadStart: (t) => threads.push(t) })
})
afterAll(async () => {
  await writer.close()
  sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the intake writer thread', () => {
  it('stores orders durably, where the main connection reads them at once', async () => {
    const [saved] = await writer.saveOrders([{ row: row('1') }])
    expect(saved).toMatchObject({ created: true, status: 'queued' })
    expect(db.select().from(orders).all().map((o) => o.platformOrderId)).toContain('1')
  })

  it('reports a second write of the same order as already stored', async () => {
    const results = await writer.saveOrders([{ row: row('2') }, { row: row('2') }])
    expect(results.map((r) => r.created)).toEqual([true, false])
    expect(results[0]!.id).toBe(results[1]!.id)
  })

  it('fails a write the database refuses, and only that one', async () => {
    const bad = writer.saveOrders([{ row: { ...row('3'), storeId: 'st_missing' } }])
    const good = writer.saveOrders([{ row: row('4') }])
    await expect(bad).rejects.toThrow(/FOREIGN KEY/)
    await expect(good).resolves.toHaveLength(1)
  })

  it('starts a new thread for the next write after its thread died', async () => {
    await threads[0]!.terminate()
    const [saved] = await writer.saveOrders([{ row: row('5') }])
    expect(saved!.created).toBe(true)
    expect(threads).toHaveLength(2)
    expect(logs.join('\n')).toContain('intake writer thread exited')
  })
})
