import { and, eq, lt, sql } from 'drizzle-orm'
import { type Db, perDb } from '../db/index.js'
import { webhookReceipts } from '../db/schema.js'

export type DeliveryReceipt = typeof webhookReceipts.$inferInsert

/** True when this delivery (e.g. an `X-Shopify-Webhook-Id`) was handled before. */
const findReceipt = perDb((db) =>
  db
    .select({ id: webhookReceipts.deliveryId })
    .from(webhookReceipts)
    .where(and(eq(webhookReceipts.platform, sql.placeholder('platform')), eq(webhookReceipts.deliveryId, sql.placeholder('deliveryId'))))
    .prepare(),
)

export async function alreadyDelivered(db: Db, platform: string, deliveryId: string): Promise<boolean> {
  return (await findReceipt(db).get({ platform, deliveryId })) !== undefined
}

export async function recordDelivery(db: Db, receipt: DeliveryReceipt): Promise<void> {
  await db.insert(webhookReceipts).values(receipt).onConflictDoNothing().run()
}

/** Shopify retries for 4 hours; a week of receipts is plenty and keeps the table small. */
export const RECEIPT_RETENTION_MS = 7 * 24 * 3600 * 1000

export async function pruneDeliveries(db: Db, now: number): Promise<number> {
  const result = await db
    .delete(webhookReceipts)
    .where(lt(webhookReceipts.receivedAt, now - RECEIPT_RETENTION_MS))
    .returning({ deliveryId: webhookReceipts.deliveryId })
    .all()
  return result.length
}
