/**
 * `npm run demo`: callconfirm in sandbox mode, from the terminal. Customers who behave in
 * different ways order from the two sample stores; each order goes through the real intake,
 * scheduler, voice bridge and write-back; progress is printed as it happens, and a table at the
 * end. Exits 0 only if every order ended as its customer's behaviour should make it end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config.js'
import { type OrderView, storeWritesSettled } from '../orders/views.js'
import { createLogger } from '../utils/log.js'
import { BEHAVIOURS, CUSTOMER_BEHAVIOURS, type CustomerBehaviour } from './customers.js'
import { completeSandboxSecrets } from './secrets.js'
import { startWithSandbox } from './start.js'

/** Every customer the sandbox can play, once each. */
const SCRIPT = CUSTOMER_BEHAVIOURS
const GIVE_UP_MS = 180_000

const directory = mkdtempSync(join(tmpdir(), 'callconfirm-demo-'))
// Everything simulated whatever the environment says: the demo never calls anyone or touches a real store.
const config = loadConfig({ SANDBOX: '1', PORT: '0', DATABASE_PATH: join(directory, 'demo.db'), LOG_LEVEL: 'warn' })
const ready = completeSandboxSecrets(config).config
const log = createLogger(ready.logLevel, (line) => process.stderr.write(`${line}\n`))
// DEMO_MODEL=real: the simulated model behaves as gpt-realtime is reported to (DEMO_SEED picks which of its bad days).
const realModel = process.env.DEMO_MODEL === 'real' ? { seed: Number(process.env.DEMO_SEED ?? 14) } : undefined
const { service, stores } = await startWithSandbox(ready, log, {}, { realModel })
const started = Date.now()
const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${ready.adminToken}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`)
  return res.json() as Promise<T>
}

/** A time as the sample stores' customers tell it (they are in Albania). */
const localTime = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Tirane', hour: '2-digit', minute: '2-digit' }).format(new Date(iso))

/** Whether an order has ended as its behaviour should; undefined while it is still on its way. */
function verdict(order: OrderView, behaviour: CustomerBehaviour): boolean | undefined {
  const expected = BEHAVIOURS[behaviour].expect
  const written = storeWritesSettled(order)
  if (order.status === 'done') return written ? order.outcome === expected : undefined
  const calledBack = order.status === 'queued' && order.attempts.some((a) => a.endedAt) && order.evidence !== null
  if (calledBack) return written ? expected === 'callback' : undefined
  return undefined
}

let code = 1
try {
  if (!stores) throw new Error('the sample stores did not start')
  const model = realModel ? `a model that behaves like the real one (DEMO_SEED=${realModel.seed})` : 'an ideal model'
  console.log(
    `callconfirm demo: ${SCRIPT.length} orders in ${stores.stores.map((s) => s.name).join(' and ')}, ${model} (simulated: nobody is called)\n`,
  )
  const placed = []
  for (const [i, behaviour] of SCRIPT.entries()) {
    const store = stores.stores[i % stores.stores.length]!
    const order = await stores.placeTestOrder(store.id, behaviour)
    placed.push({
      ...order,
      store,
      seen: { standing: '', lines: 0 },
      result: undefined as boolean | undefined,
      view: undefined as OrderView | undefined,
    })
  }

  while (placed.some((p) => p.result === undefined) && Date.now() - started < GIVE_UP_MS) {
    await new Promise((r) => setTimeout(r, 500))
    for (const p of placed.filter((x) => x.result === undefined)) {
      const view = await api<OrderView>(`/api/orders/${p.orderId}`)
      p.view = view
      const tag = `${view.name.padEnd(6)} ${p.store.name.padEnd(12)}`
      const standing =
        view.status === 'done'
          ? `→ ${view.outcome}`
          : view.status === 'calling'
            ? `calling (${view.attempts.at(-1)?.status ?? 'dialing'})`
            : view.status
      if (standing !== p.seen.standing) console.log(`${clock()}  ${tag} ${standing}`)
      p.seen.standing = standing
      for (const line of view.transcript.slice(p.seen.lines))
        if (line.speaker !== 'system') console.log(`${clock()}  ${tag}   ${line.speaker === 'agent' ? 'agent:   ' : 'customer:'} ${line.text}`)
      p.seen.lines = view.transcript.length
      p.result = verdict(view, p.behaviour)
    }
  }

  const rows = placed.map((p) => {
    const v = p.view!
    const side = stores.storeSide(p.storeId, p.platformOrderId)
    const seconds = v.attempts.reduce((n, a) => n + (a.durationSeconds ?? 0), 0)
    return [
      v.name,
      p.store.name,
      p.behaviour,
      BEHAVIOURS[p.behaviour].expect,
      v.outcome ?? (v.status === 'queued' && v.nextCallAt ? `callback at ${localTime(v.nextCallAt)}` : v.status),
      [...(side?.tags ?? []), ...(side?.status ? [`status ${side.status}`] : [])].join(', ') || '–',
      `${seconds} s`,
      v.costUsd === null ? '–' : `$${v.costUsd.toFixed(3)}`,
      p.result === true ? 'ok' : p.result === false ? 'WRONG' : 'unfinished',
    ]
  })
  const head = ['order', 'store', 'customer', 'expected', 'outcome', 'written to the store', 'call', 'cost', 'check']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  console.log(`\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}`)
  const good = placed.filter((p) => p.result === true).length
  const cost = placed.reduce((n, p) => n + (p.view?.costUsd ?? 0), 0)
  console.log(
    `\n${good} of ${placed.length} orders ended as expected in ${((Date.now() - started) / 1000).toFixed(0)} s; estimated cost $${cost.toFixed(2)}.`,
  )
  code = good === placed.length ? 0 : 1
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await service.close()
  rmSync(directory, { recursive: true, force: true })
}
process.exit(code)
