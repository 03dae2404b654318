import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, webhookReceipts } from '../db/schema.js'
import { decideIntake } from '../domain/intake.js'
import type { IncomingOrder, OrderStatus, Outcome, SkipReason } from '../domain/order.js'
import { maskPhone } from '../domain/phone.js'
import type { DeliveryReceipt } from '../stores/receipts.js'
import type { Store } from '../stores/records.js'
import type { Logger } from '../utils/log.js'

export type NewOrderRow = typeof orders.$inferInsert

export interface SavedOrder {
  id: number
  /** False when the order was already there: a replayed or duplicated delivery. */
  created: boolean
  status: OrderStatus
  outcome: Outcome | null
  skipReason: SkipReason | null
}

export interface OrderWrite {
  row: NewOrderRow
  /** The delivery that brought the order, recorded in the same transaction. */
  receipt?: DeliveryReceipt
}

/** Persists one order (idempotently, by store and platform order id) and says what is stored. */
export type SaveOrder = (write: OrderWrite) => Promise<SavedOrder>

/**
 * Writes orders in one transaction — the Node adapter's batch for group commit. The unique key
 * (store, platform order id) turns a second delivery of the same order into a no-op that reports
 * the order already stored.
 */
export function saveOrdersInTransaction(db: Db, writes: OrderWrite[]): SavedOrder[] {
  return db.transaction((tx) =>
    writes.map(({ row, receipt }) => {
      if (receipt) tx.insert(webhookReceipts).values(receipt).onConflictDoNothing().run()
      const inserted = tx
        .insert(orders)
        .values(row)
        .onConflictDoNothing({ target: [orders.storeId, orders.platformOrderId] })
        .returning({ id: orders.id })
        .get()
      if (inserted) return { id: inserted.id, created: true, status: row.status, outcome: row.outcome ?? null, skipReason: row.skipReason ?? null }
      const existing = tx
        .select({ id: orders.id, status: orders.status, outcome: orders.outcome, skipReason: orders.skipReason })
        .from(orders)
        .where(and(eq(orders.storeId, row.storeId), eq(orders.platformOrderId, row.platformOrderId)))
        .get()
      if (!existing) throw new Error('order vanished between insert and read')
      return { ...existing, created: false }
    }),
  )
}

export interface IntakeDeps {
  saveOrder: SaveOrder
  log: Logger
  now: () => number
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
export async function acceptOrder(
  deps: IntakeDeps,
  store: Store,
  order: IncomingOrder,
  receipt?: DeliveryReceipt,
): Promise<IntakeResult> {
  const decision = decideIntake(order, store.settings, store.country)
  const now = deps.now()
  // A skipped order keeps what the merchant needs to see why; not the customer's contact details.
  const keepContact = decision.status !== 'skipped'
  const row: NewOrderRow = {
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
    evidence: decision.evidence,
    nextCallAt: decision.status === 'queued' ? now : null,
    createdAt: now,
    updatedAt: now,
  }
  const saved = await deps.saveOrder({ row, receipt })
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
