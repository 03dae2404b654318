import Database from 'better-sqlite3'
import type { Outcome } from '../../src/domain/order.js'
import { DEFAULT_TAGS } from '../../src/domain/settings.js'
import { NOTE_PREFIX, OUTCOME_TAG } from '../../src/domain/writeBack.js'
import type { SimulatedCall } from '../../src/sandbox/twilio/simulator.js'
import type { WooCommerceSimulator } from '../../src/sandbox/woocommerce/simulator.js'
import type { SimulatedWorld } from '../support/serviceProcess.js'

/** An order the soak placed in a store, and the customer it is for. */
export interface PlacedOrder {
  platform: 'shopify' | 'woocommerce'
  storeId: string
  /** The shop domain, or the WooCommerce site. */
  domain: string
  platformOrderId: string
  phone: string
  behaviour: string
  woo: WooCommerceSimulator | undefined
}

/** What must never happen, each found case in words (empty when all held). */
export interface Violations {
  /** Orders placed that did not reach exactly one final outcome in callconfirm. */
  lost: string[]
  /** A customer called twice at once, or one attempt dialled twice. */
  doubled: string[]
  /** An outcome written to the store more than once. */
  writtenTwice: string[]
  /** An outcome never written to the store. */
  notWritten: string[]
}

type Row = {
  id: number
  storeId: string
  platformOrderId: string
  status: string
  outcome: Outcome | null
  leaseOwner: string | null
  attempts: string | null
}
const FINAL = new Set(['done', 'skipped'])

function readOrders(databasePath: string) {
  const db = new Database(databasePath, { readonly: true })
  try {
    const orders = db
      .prepare(`select id, store_id as storeId, platform_order_id as platformOrderId, status, outcome, lease_owner as leaseOwner,
          (select group_concat(a.status || coalesce(' stream ' || a.stream_state, '') || coalesce(' ' || a.end_reason, ''), '; ')
             from call_attempts a where a.order_id = orders.id) as attempts
         from orders`)
      .all() as Row[]
    const writes = db.prepare('select order_id as orderId, kind, status from store_writes').all() as Array<{
      orderId: number
      kind: string
      status: string
    }>
    const pendingWrites = new Set(writes.filter((w) => w.status === 'queued' || w.status === 'sending').map((w) => w.orderId))
    const outcomeWrites = groupBy(
      writes.filter((w) => w.kind === 'outcome'),
      (w) => String(w.orderId),
    )
    return { orders, pendingWrites, outcomeWrites }
  } finally {
    db.close()
  }
}

/** `list` by `keyOf` (Map.groupBy comes with Node 21). */
function groupBy<T>(list: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of list) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item])
  return groups
}

const key = (storeId: string, platformOrderId: string) => `${storeId}/${platformOrderId}`

/** How many of the orders placed are settled: final in callconfirm, and nothing still to tell their store. */
export function settledCount(databasePath: string, placed: PlacedOrder[]): number {
  const { orders, pendingWrites } = readOrders(databasePath)
  const byKey = new Map(orders.map((o) => [key(o.storeId, o.platformOrderId), o]))
  return placed.filter((p) => {
    const row = byKey.get(key(p.storeId, p.platformOrderId))
    return row && FINAL.has(row.status) && !pendingWrites.has(row.id)
  }).length
}

/** The attempt a Twilio call was placed for: its status callback names it. */
const attemptOf = (call: SimulatedCall) => String(call.params.StatusCallback ?? '').split('/status/')[1] ?? '?'

/** The `[callconfirm]` lines the store shows on the order: WooCommerce private notes, or lines of the Shopify order's note. */
function outcomeLines(order: PlacedOrder, world: SimulatedWorld): string[] {
  if (order.platform === 'woocommerce')
    return order.woo!.notes(Number(order.platformOrderId)).flatMap((n) => (n.note.startsWith(NOTE_PREFIX) ? [n.note] : []))
  const note = world.shopify.order(order.domain, order.platformOrderId)?.note
  return String(note ?? '')
    .split('\n')
    .filter((line) => line.startsWith(NOTE_PREFIX))
}

/** Whether the store's order carries the outcome's mark: the Shopify tag, or the WooCommerce meta. */
function storeShows(order: PlacedOrder, outcome: Outcome, world: SimulatedWorld): boolean {
  if (order.platform === 'woocommerce') {
    const meta = order.woo!.order(Number(order.platformOrderId))?.meta_data ?? []
    return meta.some((m) => m.key === '_callconfirm_outcome' && m.value === outcome)
  }
  const tags = world.shopify.tags(order.domain, order.platformOrderId)
  return tags.includes(DEFAULT_TAGS[OUTCOME_TAG[outcome]]) && !tags.includes(DEFAULT_TAGS.pending)
}

/**
 * The soak's invariants, read from the database (no worker running), Twilio's record of calls and
 * the stores' orders: every order placed reaches exactly one final outcome; no customer is called
 * twice at once and no attempt is dialled twice; every outcome is on its store's order exactly once.
 */
export function checkInvariants(
  databasePath: string,
  placed: PlacedOrder[],
  world: SimulatedWorld,
): { found: Violations; outcomes: Record<string, number> } {
  const { orders, outcomeWrites } = readOrders(databasePath)
  const found: Violations = { lost: [], doubled: [], writtenTwice: [], notWritten: [] }
  const outcomes: Record<string, number> = {}
  for (const order of placed) {
    const name = `${order.platform} order ${order.platformOrderId} (${order.behaviour})`
    const rows = orders.filter((o) => o.storeId === order.storeId && o.platformOrderId === order.platformOrderId)
    if (rows.length > 1) found.doubled.push(`${name}: ${rows.length} call jobs`)
    const row = rows[0]
    if (!row) {
      found.lost.push(`${name}: never taken in`)
      continue
    }
    if (!FINAL.has(row.status) || (row.status === 'done' && !row.outcome)) {
      found.lost.push(`${name} #${row.id}: left ${row.status} (lease ${row.leaseOwner ?? 'none'}; attempts: ${row.attempts ?? 'none'})`)
      continue
    }
    const result = row.outcome ?? `skipped`
    outcomes[result] = (outcomes[result] ?? 0) + 1
    if (!row.outcome) continue
    const writes = (outcomeWrites.get(String(row.id)) ?? []).map((w) => w.status)
    const lines = outcomeLines(order, world)
    if (writes.length !== 1 || writes[0] !== 'done') found.notWritten.push(`${name}: outcome writes ${JSON.stringify(writes)}`)
    else if (lines.length === 0 || !storeShows(order, row.outcome, world)) found.notWritten.push(`${name}: the store does not show ${row.outcome}`)
    if (lines.length > 1) found.writtenTwice.push(`${name}: ${lines.length} outcome notes`)
  }

  const phones = new Set(placed.map((p) => p.phone))
  const calls = world.twilio.calls.filter((c) => phones.has(c.to))
  const byPhone = groupBy(calls, (c) => c.to)
  for (const [phone, theirs] of byPhone) {
    const inOrder = [...theirs].sort((x, y) => x.createdAt - y.createdAt)
    for (let i = 1; i < inOrder.length; i++) {
      const before = inOrder[i - 1]!
      if (inOrder[i]!.createdAt < (before.endedAt ?? Number.POSITIVE_INFINITY))
        found.doubled.push(`…${phone.slice(-4)}: a second call began while ${before.sid.slice(-6)} was ${before.endedAt ? 'on' : 'still unfinished'}`)
    }
  }
  for (const [attempt, theirs] of groupBy(calls, attemptOf))
    if (theirs.length > 1) found.doubled.push(`attempt ${attempt}: dialled ${theirs.length} times`)
  return { found, outcomes }
}
