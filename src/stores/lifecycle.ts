import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, stores } from '../db/schema.js'

/**
 * The merchant removed the app: stop calling for this store. Its queued calls are withdrawn
 * (skipped, reason `store_uninstalled`); a call already on the line finishes.
 */
export async function uninstallStore(db: Db, storeId: string, now: number) {
  await db.update(stores).set({ enabled: false, disabledReason: 'app_uninstalled', updatedAt: now }).where(eq(stores.id, storeId)).run()
  const withdrawn = await db
    .update(orders)
    .set({ status: 'skipped', skipReason: 'store_uninstalled', nextCallAt: null, updatedAt: now })
    .where(and(eq(orders.storeId, storeId), eq(orders.status, 'queued')))
    .returning({ id: orders.id })
    .all()
  return { withdrawnCalls: withdrawn.length }
}
