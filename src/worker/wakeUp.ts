import { eq, inArray, min, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, serviceHolds, storeWrites } from '../db/schema.js'

/** While calls are under way, passes run at least this often (leases, recovery, quiet calls). */
export const BUSY_WAKE_MS = 5_000
/** Work that is due but held back (calling hours, a store's limit): looked at again this often, not in a loop. */
export const HELD_WAKE_MS = 30_000

/**
 * When the Durable Object must next be woken by its alarm so nothing waits on an evicted object:
 * the first order due to be called, store write due, or probe of a paused Twilio account; soon
 * while calls are on. Undefined when nothing is waiting: a webhook wakes the object.
 *
 * @example
 * const at = nextWakeAt(db, Date.now()); if (at) await ctx.storage.setAlarm(at)
 */
export async function nextWakeAt(db: Db, now: number): Promise<number | undefined> {
  const [calling] = await db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.status, 'calling'))
  if (calling && calling.n > 0) return now + BUSY_WAKE_MS
  const [call] = await db
    .select({ at: min(sql<number>`coalesce(${orders.nextCallAt}, 0)`) })
    .from(orders)
    .where(eq(orders.status, 'queued'))
  const [write] = await db
    .select({ at: min(sql<number>`coalesce(${storeWrites.leaseExpiresAt}, ${storeWrites.nextAttemptAt})`) })
    .from(storeWrites)
    .where(inArray(storeWrites.status, ['queued', 'sending']))
  const [probe] = await db.select({ at: min(serviceHolds.nextProbeAt) }).from(serviceHolds)
  const due = [call?.at, write?.at, probe?.at].filter((at): at is number => at !== null && at !== undefined)
  if (!due.length) return undefined
  return Math.max(Math.min(...due), now + BUSY_WAKE_MS, due.some((at) => at <= now) ? now + HELD_WAKE_MS : 0)
}
