import { formatReport, runSoak, violationCount } from './soak.js'

/**
 * `npm run soak`: the chaos soak for a few minutes (SOAK_ORDERS orders over SOAK_MINUTES, with
 * SOAK_FAULTS faults), its seed printed first so a failing run can be run again exactly
 * (SOAK_SEED), waiting SOAK_SETTLE_SECONDS for the orders to settle. Exits 1 when an invariant broke.
 */
const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback)
const seed = number('SOAK_SEED', Date.now() % 100_000)
const orders = number('SOAK_ORDERS', 150)
const minutes = number('SOAK_MINUTES', 3)

const report = await runSoak({
  seed,
  orders,
  placingMs: minutes * 60_000,
  faults: number('SOAK_FAULTS', Math.round(orders / 3)),
  settleMs: number('SOAK_SETTLE_SECONDS', 240) * 1000,
  // A call lost to a fault is tried again a minute later, as a store would have it.
  retryDelaysMinutes: [1],
  log: (line) => console.log(line),
})
console.log(formatReport(report))
process.exit(violationCount(report) ? 1 : 0)
