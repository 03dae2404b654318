import type { OrderView } from '../orders/views.js'
import { storeWritesSettled } from '../orders/views.js'
import { BEHAVIOURS, CUSTOMER_BEHAVIOURS, type CustomerBehaviour } from './customers.js'
import type { SandboxStores } from './sampleStores.js'

/** Every customer the sandbox can play, once each. */
const SCRIPT = CUSTOMER_BEHAVIOURS
const GIVE_UP_MS = 180_000

/** A time as the sample stores' customers tell it (they are in Albania). */
const localTime = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Tirane', hour: '2-digit', minute: '2-digit' }).format(new Date(iso))

/** Whether an order has ended as its behaviour should; undefined while it is still on its way. */
function verdict(order: OrderView, behaviour: CustomerBehaviour): boolean | undefined {
  const { expect: expected, ringsBack, writesBack } = BEHAVIOURS[behaviour]
  const written = storeWritesSettled(order)
  // A customer who rings back or writes back after missing the call: the missed call's outcome is
  // not the end. Our thanks for a written answer goes out once the answer has closed the order.
  const over =
    (!ringsBack || order.attempts.some((a) => a.direction === 'inbound')) && (!writesBack || order.messages.some((m) => m.purpose === 'thanks'))
  if (order.status === 'done') return written && over ? order.outcome === expected : undefined
  const calledBack = order.status === 'queued' && order.attempts.some((a) => a.endedAt) && order.evidence !== null
  if (calledBack) return written ? expected === 'callback' : undefined
  return undefined
}

/**
 * The demo's customers, each ordering once from the sample stores installed in a running
 * callconfirm (`url`: the Node service or the Worker, reached only through its API): progress
 * printed as it happens, then a table of what each order ended as and what landed on the store.
 * True when every order ended as its customer's behaviour should make it end.
 *
 * @example
 * const allRight = await runDemo({ url: service.url, adminToken, stores, model: 'an ideal model' })
 */
export async function runDemo(host: { url: string; adminToken: string; stores: SandboxStores; model: string }): Promise<boolean> {
  const { stores, model } = host
  const started = Date.now()
  const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`
  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${host.url}${path}`, { headers: { authorization: `Bearer ${host.adminToken}` } })
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`)
    return res.json() as Promise<T>
  }
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
      seen: { standing: '', lines: 0, messages: new Set<number>() },
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
      // A message of ours has its text once it is sent.
      for (const m of view.messages.filter((m) => m.body && !p.seen.messages.has(m.id))) {
        console.log(`${clock()}  ${tag}   ${m.direction === 'inbound' ? 'customer' : 'we'} on ${m.channel}: ${m.body}`)
        p.seen.messages.add(m.id)
      }
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
      [
        ...(side?.tags ?? []),
        ...Object.entries(side?.meta ?? {}).map(([key, value]) => `${key}: ${value}`),
        ...(side?.status ? [`status ${side.status}`] : []),
      ].join(', ') || '–',
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
  return good === placed.length
}
