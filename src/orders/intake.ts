import { and, eq, sql } from 'drizzle-orm'
import { type Db, perDb } from '../db/index.js'
import { orders, webhookReceipts } from '../db/schema.js'
import { storedEvidence } from '../domain/evidence.js'
import { decideIntake } from '../domain/intake.js'
import type { IncomingOrder, OrderStatus, Outcome, SkipReason } from '../domain/order.js'
import { maskPhone } from '../domain/phone.js'
import { queueStoreWrite } from '../stores/outbox.js'
import type { DeliveryReceipt } from '../stores/receipts.js'
import type { Store } from '../stores/records.js'
import type { Logger } from '../utils/log.js'

export type NewOrderRow = typeof orders.$inferInsert

/** The columns intake writes. All are bound on every insert: a value left out is an error, not a NULL. */
const INTAKE_COLUMNS = [
  'storeId',
  'platformOrderId',
  'name',
  'customerPlatformId',
  'customerName',
  'phone',
  'phoneCountry',
  'language',
  'city',
  'items',
  'total',
  'currency',
  'paymentMethod',
  'placedAt',
  'status',
  'skipReason',
  'outcome',
  'evidence',
  'nextCallAt',
  'createdAt',
  'updatedAt',
] as const
export type IntakeRow = { [K in (typeof INTAKE_COLUMNS)[number]]-?: Exclude<NewOrderRow[K], undefined> }

export interface SavedOrder {
  id: number
  /** False when the order was already there: a replayed or duplicated delivery. */
  created: boolean
  status: OrderStatus
  outcome: Outcome | null
  skipReason: SkipReason | null
}

export interface OrderWrite {
  row: IntakeRow
  /** The delivery that brought the order, recorded in the same transaction. */
  receipt?: DeliveryReceipt | undefined
}

/** Persists one order (idempotently, by store and platform order id) and says what is stored. */
export type SaveOrder = (write: OrderWrite) => Promise<SavedOrder>

const placeholders = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)]))

const statements = perDb((db) => ({
  insertOrder: db
    .insert(orders)
    .values(placeholders(INTAKE_COLUMNS) as unknown as NewOrderRow)
    .onConflictDoNothing({ target: [orders.storeId, orders.platformOrderId] })
    .returning({ id: orders.id })
    .prepare(),
  storedOrder: db
    .select({ id: orders.id, status: orders.status, outcome: orders.outcome, skipReason: orders.skipReason })
    .from(orders)
    .where(and(eq(orders.storeId, sql.placeholder('storeId')), eq(orders.platformOrderId, sql.placeholder('platformOrderId'))))
    .prepare(),
  insertReceipt: db
    .insert(webhookReceipts)
    .values(placeholders(['platform', 'deliveryId', 'topic', 'receivedAt']) as unknown as DeliveryReceipt)
    .onConflictDoNothing()
    .prepare(),
}))

/**
 * Writes orders in one transaction — the Node adapter's batch for group commit. The unique key
 * (store, platform order id) turns a second delivery of the same order into a no-op that reports
 * the order already stored.
 */
export function saveOrdersInTransaction(db: Db, writes: OrderWrite[]): SavedOrder[] {
  const s = statements(db)
  return db.transaction(() =>
    writes.map(({ row, receipt }) => {
      if (receipt) s.insertReceipt.run(receipt)
      const inserted = s.insertOrder.get(row)
      if (inserted) {
        // The store hears of it: `call-pending` on a new call job, the outcome of one decided already.
        const kind = row.status === 'queued' ? 'pending' : row.status === 'done' ? 'outcome' : undefined
        if (kind) queueStoreWrite(db, { orderId: inserted.id, storeId: row.storeId, kind }, row.createdAt)
        return { id: inserted.id, created: true, status: row.status, outcome: row.outcome, skipReason: row.skipReason }
      }
      const stored = s.storedOrder.get(row)
      if (!stored) throw new Error('order vanished between insert and read')
      return { ...stored, created: false }
    }),
  )
}

export interface IntakeDeps {
  saveOrder: SaveOrder
  log: Logger
  now: () => number
  wakeScheduler: () => void
}

export interface IntakeResult {
  orderId: number
  duplicate: boolean
  status: OrderStatus
  outcome: Outcome | null
  skipReason: SkipReason | null
}

/**
 * Accepts a new order from a store: decides whether to call it, and stores it with its call job
 * (queued), as skipped, or closed as `invalid_phone` — before the webhook is answered.
 */
export async function acceptOrder(deps: IntakeDeps, store: Store, order: IncomingOrder, receipt?: DeliveryReceipt): Promise<IntakeResult> {
  const decision = decideIntake(order, store.settings, store.country)
  const now = deps.now()
  // A skipped order keeps what the merchant needs to see why; not the customer's contact details.
  const keepContact = decision.status !== 'skipped'
  const row: IntakeRow = {
    storeId: store.id,
    platformOrderId: order.platformOrderId,
    name: order.name,
    customerPlatformId: order.customerPlatformId,
    customerName: keepContact ? order.customerName : null,
    phone: decision.phone,
    phoneCountry: decision.phoneCountry,
    language: decision.language,
    city: keepContact ? order.city : null,
    items: order.items,
    total: order.total,
    currency: order.currency,
    paymentMethod: order.paymentMethods.join(', '),
    placedAt: order.placedAt,
    status: decision.status,
    skipReason: decision.skipReason,
    outcome: decision.outcome,
    evidence: storedEvidence(decision.evidence),
    nextCallAt: decision.status === 'queued' ? now : null,
    createdAt: now,
    updatedAt: now,
  }
  const saved = await deps.saveOrder({ row, receipt })
  // Within the calling hours a new order is dialled at once, not at the next poll.
  if (saved.created && saved.status === 'queued') deps.wakeScheduler()
  deps.log.info(saved.created ? 'order accepted' : 'order already accepted', {
    storeId: store.id,
    orderId: saved.id,
    order: order.name,
    status: saved.status,
    outcome: saved.outcome ?? undefined,
    skipReason: saved.skipReason ?? undefined,
    phone: maskPhone(decision.phone),
  })
  return {
    orderId: saved.id,
    duplicate: !saved.created,
    status: saved.status,
    outcome: saved.outcome,
    skipReason: saved.skipReason,
  }
}

/** The webhook's answer: what happened to the order (`duplicate` for a delivery seen before). */
export function intakeResponse(result: IntakeResult) {
  return { ...result, status: result.duplicate ? 'duplicate' : result.status }
}
