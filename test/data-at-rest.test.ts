import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/node.js'
import { orders, stores, transcriptLines } from '../src/db/schema.js'
import { shopifyOrderPayload } from '../src/sandbox/sampleOrders.js'
import { completeSandboxSecrets } from '../src/sandbox/secrets.js'
import { deliverShopifyWebhook } from '../src/sandbox/storeWebhooks.js'
import { registerShopify, SHOPIFY_SECRET, SHOPIFY_SHOP, startTestService, type TestService } from './support/service.js'
import { until } from './support/wait.js'

const DAY = 24 * 3600_000
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

let workdir: string
let svc: TestService | undefined
const fresh = () => (workdir = mkdtempSync(join(tmpdir(), 'callconfirm-at-rest-')))
afterEach(async () => {
  await svc?.close()
  svc = undefined
  rmSync(workdir, { recursive: true, force: true })
})

describe('the database on disk', () => {
  it('is readable by the service’s own user only: the file, its WAL and shared memory, and the data directory', async () => {
    const path = join(fresh(), 'data', 'callconfirm.db')
    svc = await startTestService({ DATABASE_PATH: path })
    await registerShopify(svc)
    expect({ db: mode(path), wal: mode(`${path}-wal`), shm: mode(`${path}-shm`), directory: mode(join(workdir, 'data')) }).toEqual({
      db: '600',
      wal: '600',
      shm: '600',
      directory: '700',
    })
  })

  it('is made private when an earlier version left it readable by everyone', async () => {
    const path = join(fresh(), 'callconfirm.db')
    writeFileSync(path, '')
    chmodSync(path, 0o644)
    svc = await startTestService({ DATABASE_PATH: path })
    await registerShopify(svc)
    expect([mode(path), mode(`${path}-wal`)]).toEqual(['600', '600'])
  })

  it('keeps no trace of an erased customer’s words or name in the database file', async () => {
    const path = join(fresh(), 'callconfirm.db')
    svc = await startTestService({ DATABASE_PATH: path })
    await registerShopify(svc)
    const deliver = (topic: string, payload: unknown) =>
      deliverShopifyWebhook({ url: `${svc!.url}/webhooks/shopify`, secret: SHOPIFY_SECRET, shop: SHOPIFY_SHOP, topic, payload })
    const customer = {
      firstName: 'Drenushe',
      lastName: 'Zymberaj',
      phone: '+38344765432',
      address: 'Rr. Agim Ramadani 12',
      city: 'Gjakovë',
      country: 'XK' as const,
    }
    await deliver('orders/create', shopifyOrderPayload({ id: 7301n, customerId: 8301n, customer }))
    const order = svc.deps.db.select().from(orders).where(eq(orders.platformOrderId, '7301')).get()!
    svc.deps.db
      .insert(transcriptLines)
      .values({ orderId: order.id, speaker: 'customer', text: 'Po, e pres të enjten te dera e pasme', at: Date.now() })
      .run()

    await deliver('customers/redact', { shop_domain: SHOPIFY_SHOP, customer: { id: 8301 }, orders_to_redact: [7301] })
    // Once the WAL is folded into the file, the file is all that is left of the data.
    const reader = new Database(path)
    reader.pragma('wal_checkpoint(TRUNCATE)')
    reader.close()
    const file = readFileSync(path)
    for (const words of ['te dera e pasme', 'Zymberaj', 'Gjakovë', '+38344765432']) expect(file.includes(words), words).toBe(false)
  })
})

describe('the sandbox’s generated secrets', () => {
  it('are kept in a file, and a data directory, that only the service’s user can read', () => {
    const path = join(fresh(), 'data', 'callconfirm.db')
    completeSandboxSecrets(loadConfig({ DATABASE_PATH: path, SANDBOX: '1', LOG_LEVEL: 'silent' }))
    expect([mode(join(workdir, 'data', 'sandbox-secrets.json')), mode(join(workdir, 'data'))]).toEqual(['600', '700'])
  })
})

describe('retention', () => {
  it('erases transcripts and evidence older than RETENTION_DAYS as soon as the service starts', async () => {
    const path = join(fresh(), 'callconfirm.db')
    const old = Date.now() - 31 * DAY
    const { db, sqlite } = openDatabase(path)
    db.insert(stores).values({ id: 'st_old', platform: 'woocommerce', domain: 'https://old.al', country: 'AL', updatedAt: old }).run()
    const order = db
      .insert(orders)
      .values({
        storeId: 'st_old',
        platformOrderId: '1',
        name: '1',
        language: 'sq',
        items: [],
        total: '1.00',
        currency: 'ALL',
        paymentMethod: 'cod',
        status: 'done',
        outcome: 'confirmed',
        evidence: 'Confirmed on the call: “Po”.',
        createdAt: old,
        updatedAt: old,
      })
      .returning()
      .get()
    db.insert(transcriptLines).values({ orderId: order.id, speaker: 'customer', text: 'Po', at: old }).run()
    sqlite.close()

    svc = await startTestService({ DATABASE_PATH: path, RETENTION_DAYS: '30' })
    await until(() => svc!.deps.db.select().from(transcriptLines).all().length === 0, 'the old transcript to be erased')
    expect(svc.deps.db.select().from(orders).where(eq(orders.id, order.id)).get()).toMatchObject({ evidence: null, outcome: 'confirmed' })
  })
})
