import { expect, it } from 'vitest'
import { formatReport, runSoak } from './soak/soak.js'

/**
 * The chaos soak, short: two workers on one database, 30 orders over 25 seconds across four
 * stores, 12 faults from a fixed seed (CHAOS_SEED to try another). `npm run soak` is the long one.
 */
it('loses no order, calls no one twice and writes every outcome once, through kill -9 and the vendors’ bad days', { timeout: 240_000 }, async () => {
  const report = await runSoak({
    seed: Number(process.env.CHAOS_SEED ?? 15),
    orders: 30,
    placingMs: 25_000,
    faults: 12,
    settleMs: 120_000,
    retryDelaysMinutes: [],
  })
  console.log(formatReport(report))
  expect(report.orders).toBe(30)
  expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  expect({ lost: report.lost, doubled: report.doubled, writtenTwice: report.writtenTwice, notWritten: report.notWritten }).toEqual({
    lost: [],
    doubled: [],
    writtenTwice: [],
    notWritten: [],
  })
})
