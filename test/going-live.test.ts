import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { startWooCommerceSimulator, type WooCommerceSimulator } from '../src/sandbox/woocommerce/simulator.js'
import { customer, nextOrderId, registerWooStore, type WooStore } from './support/calling.js'
import { ADMIN_TOKEN } from './support/service.js'
import { type ServiceProcess, startServiceProcess, stopServiceProcesses } from './support/serviceProcess.js'
import { ROOT } from './support/spawnServer.js'

/**
 * What an operator runs in production: `npm run build`, then the compiled JavaScript as
 * `npm run start:prod` runs it (Node alone, no tsx), and `npm run backup` beside it while it serves.
 */

const run = promisify(execFile)
/** `npm run start:prod`'s command line without npm in between, so the signal reaches the service itself. */
const startProd = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'] as string).split(' ')

let work: string
let databasePath: string
let woo: WooCommerceSimulator
let service: ServiceProcess
beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: ROOT })
  work = mkdtempSync(join(tmpdir(), 'callconfirm-going-live-'))
  databasePath = join(work, 'data', 'callconfirm.db')
  woo = await startWooCommerceSimulator()
  expect(startProd[0]).toBe('node')
  service = await startServiceProcess(
    { databasePath, publicUrl: '', env: { SANDBOX: '1', DATABASE_PATH: databasePath, ADMIN_TOKEN, DRAIN_SECONDS: '1' } },
    { workerId: 'prod', entry: startProd.slice(1) },
  )
}, 120_000)
afterAll(async () => {
  await stopServiceProcesses()
  await woo?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** `npm run backup -- <destination>` of this test's database, as a cron job runs it. */
const backup = (destination: string) =>
  run('npm', ['run', '--silent', 'backup', '--', destination], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_PATH: databasePath },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  )

/** A new order in the simulated store, delivered by its webhook: what the service stores before answering. */
async function placeOrder(store: WooStore) {
  const id = nextOrderId()
  const payload = wooOrderPayload({ id, customer: customer(id).customer })
  woo.addOrder(payload as never)
  const answer = await deliverWooWebhook({
    url: `${service.url}/webhooks/woocommerce/${store.id}`,
    secret: store.secret,
    source: woo.siteUrl,
    payload,
  })
  return { status: answer.status, platformOrderId: String(id) }
}

describe('going live: the built service', () => {
  it('starts from dist/ with Node alone, migrates its new database, and answers /healthz', async () => {
    const health = await fetch(`${service.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', sandbox: true })
    const stores = await service.api('GET', '/api/stores')
    expect(stores.status).toBe(200)
  })

  it('backs up its database while it takes orders: the copy opens, is whole, and holds every order stored before it began', async () => {
    const store = await registerWooStore(service, woo)
    const before = await Promise.all([1, 2, 3].map(() => placeOrder(store)))
    expect(before.map((o) => o.status)).toEqual([200, 200, 200])

    const destination = join(work, 'backups')
    await run('mkdir', [destination])
    // Orders keep arriving while the copy is taken: the service is never stopped for it.
    const [copied, ...during] = await Promise.all([backup(destination), placeOrder(store), placeOrder(store)])
    expect(copied).toMatchObject({ code: 0, stderr: '' })
    expect(during.map((o) => o.status)).toEqual([200, 200])

    const file = /copied to (\S+)/.exec(copied.stdout)?.[1]
    expect(file).toMatch(/backups\/callconfirm-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.db$/)
    // It holds customers' names and phones, as the database does: for the service's user alone.
    expect(statSync(file!).mode & 0o777).toBe(0o600)
    const copy = new Database(file!, { readonly: true, fileMustExist: true })
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
      const orders = (
        copy.prepare('select platform_order_id from orders where store_id = ?').all(store.id) as Array<{ platform_order_id: string }>
      ).map((o) => o.platform_order_id)
      expect(orders).toEqual(expect.arrayContaining(before.map((o) => o.platformOrderId)))
      expect(orders.length).toBeLessThanOrEqual(5)
    } finally {
      copy.close()
    }
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200)
  })

  it('refuses a backup it cannot make, saying why', async () => {
    const missingDirectory = await backup(join(work, 'no-such-directory', 'copy.db'))
    expect(missingDirectory.code).toBe(1)
    expect(missingDirectory.stderr).toContain(`the destination's directory ${join(work, 'no-such-directory')} does not exist`)
    const noDestination = await backup('')
    expect(noDestination.code).toBe(1)
    expect(noDestination.stderr).toContain('say where the copy goes')
  })

  it('drains (its calls cut at DRAIN_SECONDS) and exits 0 on SIGTERM, as a deploy stops it', async () => {
    service.signal('SIGTERM')
    expect((await service.exited).code).toBe(0)
  })
})
