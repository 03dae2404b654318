/**
 * How long the dashboard's numbers take on a store with a busy history: `callStats` (the
 * overview and `GET /api/stats`) and the calls list filtered by date and outcome, over a SQLite
 * file with ORDERS orders (90 days, two stores) and one to three calls each.
 *
 *   npm run bench:stats             # 100,000 orders
 *   ORDERS=300000 npm run bench:stats
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { callStats, statsPeriod } from '../src/dashboard/stats.js'
import { openDatabase } from '../src/db/node.js'
import { callAttempts, orders, stores } from '../src/db/schema.js'
import { OUTCOMES } from '../src/domain/order.js'
import { listOrders } from '../src/orders/views.js'

const ORDERS = Number(process.env.ORDERS ?? 100_000)
const DAY = 24 * 3600_000
const now = Date.now()
const directory = mkdtempSync(join(tmpdir(), 'callconfirm-bench-stats-'))
const { db, sqlite } = openDatabase(join(directory, 'bench.db'))

for (const id of ['st_a', 'st_b'])
  db.insert(stores)
    .values({ id, platform: 'woocommerce', domain: `https://${id}.al`, country: 'AL', updatedAt: now })
    .run()
const filling = performance.now()
sqlite.transaction(() => {
  for (let i = 1; i <= ORDERS; i++) {
    const at = now - Math.floor((i / ORDERS) * 90 * DAY)
    const outcome = OUTCOMES[i % 10 < 6 ? 0 : i % OUTCOMES.length]!
    db.insert(orders)
      .values({
        id: i,
        storeId: i % 2 ? 'st_a' : 'st_b',
        platformOrderId: String(i),
        name: `#${i}`,
        language: 'sq',
        items: [],
        total: '10.00',
        currency: 'ALL',
        paymentMethod: 'cod',
        status: 'done',
        outcome,
        createdAt: at,
        updatedAt: at,
      })
      .run()
    for (let n = 1; n <= 1 + (i % 3); n++)
      db.insert(callAttempts)
        .values({
          id: `att_${i}_${n}`,
          orderId: i,
          number: n,
          status: 'completed',
          answeredBy: n % 2 ? 'human' : null,
          startedAt: at + n * 60_000,
          answeredAt: n % 2 ? at + n * 60_000 + 5_000 : null,
          costUsd: 0.04,
          createdAt: at + n * 60_000,
        })
        .run()
  }
})()
console.log(`${ORDERS.toLocaleString('en')} orders filled in ${((performance.now() - filling) / 1000).toFixed(1)} s`)

async function time(label: string, run: () => Promise<unknown>, times = 9) {
  await run()
  const ms: number[] = []
  for (let i = 0; i < times; i++) {
    const t = performance.now()
    await run()
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  console.log(`${label.padEnd(52)} median ${ms[Math.floor(times / 2)]!.toFixed(1).padStart(7)} ms   max ${ms.at(-1)!.toFixed(1).padStart(7)} ms`)
}

await time('overview numbers, last 7 days, all stores', () => callStats(db, statsPeriod({}, now)))
await time('overview numbers, last 30 days, one store', () =>
  callStats(db, statsPeriod({ storeId: 'st_a', from: new Date(now - 30 * DAY).toISOString() }, now)),
)
await time('overview numbers, all 90 days, all stores', () => callStats(db, statsPeriod({ from: new Date(now - 91 * DAY).toISOString() }, now)))
await time('calls list, cancelled, last 30 days (50 rows)', () =>
  listOrders(db, { outcome: 'cancelled', from: new Date(now - 30 * DAY).toISOString(), limit: '50' }),
)
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`)
sqlite.close()
rmSync(directory, { recursive: true, force: true })
