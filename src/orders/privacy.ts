import { and, eq, inArray, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, privacyRequests, stores, transcriptLines } from '../db/schema.js'

/** Who a privacy request is about, as the platform identifies them. */
export interface CustomerRef {
  customerPlatformId: string | null
  platformOrderIds: string[]
  /** E.164, when the platform sent a number we could read. */
  phone: string | null
}

function customerOrders(storeId: string, who: CustomerRef): SQL | undefined {
  const match: SQL[] = []
  if (who.customerPlatformId) match.push(eq(orders.customerPlatformId, who.customerPlatformId))
  if (who.platformOrderIds.length) match.push(inArray(orders.platformOrderId, who.platformOrderIds))
  if (who.phone) match.push(eq(orders.phone, who.phone))
  return match.length ? and(eq(orders.storeId, storeId), or(...match)) : undefined
}

/** Everything we hold on one customer of a store: the answer to a data request. */
export async function customerDataReport(db: Db, storeId: string, who: CustomerRef) {
  const where = customerOrders(storeId, who)
  const rows = where ? await db.select().from(orders).where(where).all() : []
  const lines = rows.length
    ? await db
        .select()
        .from(transcriptLines)
        .where(inArray(transcriptLines.orderId, rows.map((r) => r.id)))
        .all()
    : []
  return {
    orders: rows.map((r) => ({
      platformOrderId: r.platformOrderId,
      name: r.name,
      customerName: r.customerName,
      phone: r.phone,
      city: r.city,
      items: r.items,
      total: r.total,
      currency: r.currency,
      outcome: r.outcome,
      evidence: r.evidence,
      transcript: lines.filter((l) => l.orderId === r.id).map((l) => ({ speaker: l.speaker, text: l.text, at: new Date(l.at).toISOString() })),
    })),
  }
}

/**
 * Erases a customer's personal data: name, phone, city, the customer's words kept as evidence,
 * and call transcripts. The order itself stays (number, items, outcome) so the merchant's
 * statistics survive; a call still waiting for it is withdrawn, as there is no one left to call.
 */
export async function redactOrders(db: Db, where: SQL | undefined, now: number) {
  if (!where) return { orders: 0, transcriptLines: 0 }
  const ids = (await db.select({ id: orders.id }).from(orders).where(where).all()).map((r) => r.id)
  if (!ids.length) return { orders: 0, transcriptLines: 0 }
  const deleted = await db.delete(transcriptLines).where(inArray(transcriptLines.orderId, ids)).run()
  await db
    .update(orders)
    .set({ customerName: null, customerPlatformId: null, phone: null, city: null, evidence: null, redactedAt: now, updatedAt: now })
    .where(inArray(orders.id, ids))
    .run()
  await db
    .update(orders)
    .set({ status: 'skipped', skipReason: 'data_redacted', nextCallAt: null })
    .where(and(inArray(orders.id, ids), eq(orders.status, 'queued')))
    .run()
  return { orders: ids.length, transcriptLines: deleted.changes }
}

export const redactCustomer = (db: Db, storeId: string, who: CustomerRef, now: number) =>
  redactOrders(db, customerOrders(storeId, who), now)

/** Erases all of a shop's customer data and its credentials (Shopify's `shop/redact`). */
export async function redactShop(db: Db, storeId: string, now: number) {
  const erased = await redactOrders(db, eq(orders.storeId, storeId), now)
  await db
    .update(stores)
    .set({ credentials: null, webhookSecret: null, enabled: false, disabledReason: 'shop_redacted', updatedAt: now })
    .where(eq(stores.id, storeId))
    .run()
  return erased
}

export async function recordPrivacyRequest(
  db: Db,
  request: { storeId: string | null; shopDomain: string; topic: string; report: Record<string, unknown>; receivedAt: number },
) {
  await db.insert(privacyRequests).values(request).run()
}
