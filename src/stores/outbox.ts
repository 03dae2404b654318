import { and, asc, eq, inArray, lt, notInArray, sql } from 'drizzle-orm'
import { type Db, perDb } from '../db/index.js'
import { orders, storeWrites } from '../db/schema.js'
import type { WriteKind } from '../domain/writeBack.js'

/**
 * The outbox of writes to the stores' orders. A write is stored in the same transaction as the
 * decision it reports (the order's call job, its outcome), so a crash between deciding and telling
 * the store loses nothing; the store writer delivers it later, as often as it takes.
 */

export type StoreWrite = typeof storeWrites.$inferSelect

const statements = perDb((db) => ({
  insert: db
    .insert(storeWrites)
    .values({
      orderId: sql.placeholder('orderId'),
      storeId: sql.placeholder('storeId'),
      kind: sql.placeholder('kind'),
      status: 'queued',
      nextAttemptAt: sql.placeholder('now'),
      createdAt: sql.placeholder('now'),
      updatedAt: sql.placeholder('now'),
    } as unknown as typeof storeWrites.$inferInsert)
    .prepare(),
  storeOf: db
    .select({ storeId: orders.storeId })
    .from(orders)
    .where(eq(orders.id, sql.placeholder('orderId')))
    .prepare(),
}))

/**
 * Queues a write for an order. Called inside the transaction that makes the decision (both
 * drivers are synchronous: a statement on the handle runs inside the transaction open on it).
 */
export function queueStoreWrite(db: Db, write: { orderId: number; storeId: string; kind: StoreWrite['kind'] }, now: number): void {
  statements(db).insert.run({ ...write, now })
}

/** Queues a write for an order known only by its id. */
export function queueOrderWrite(db: Db, orderId: number, kind: WriteKind, now: number): void {
  const order = statements(db).storeOf.get({ orderId })
  if (order) queueStoreWrite(db, { orderId, storeId: order.storeId, kind }, now)
}

/**
 * Writes whose time has come, longest due first. An order's writes go out in the order they were
 * decided: one waits while an earlier one of its order is still queued or being sent (a late
 * `pending` must never land after the outcome that replaces it).
 */
export async function dueStoreWrites(db: Db, now: number, limit: number, skipStores: string[] = []): Promise<StoreWrite[]> {
  const earlierOpen = sql`exists (select 1 from store_writes as earlier where earlier.order_id = ${storeWrites.orderId}
    and earlier.id < ${storeWrites.id} and earlier.status in ('queued', 'sending'))`
  return (
    db
      .select()
      .from(storeWrites)
      .where(
        and(
          eq(storeWrites.status, 'queued'),
          sql`${storeWrites.nextAttemptAt} <= ${now}`,
          skipStores.length ? notInArray(storeWrites.storeId, skipStores) : undefined,
          sql`not ${earlierOpen}`,
        ),
      )
      // The (status, next_attempt_at) index yields them in this order: no sort, however long the queue.
      .orderBy(asc(storeWrites.nextAttemptAt), asc(storeWrites.id))
      .limit(limit)
      .all()
  )
}

/** Takes a due write for this worker; false if another worker was quicker. */
export async function claimStoreWrite(db: Db, id: number, owner: string, now: number, leaseMs: number): Promise<boolean> {
  const won = await db
    .update(storeWrites)
    .set({ status: 'sending', leaseOwner: owner, leaseExpiresAt: now + leaseMs, updatedAt: now })
    .where(and(eq(storeWrites.id, id), eq(storeWrites.status, 'queued')))
    .returning({ id: storeWrites.id })
    .all()
  return won.length === 1
}

export type WriteResult =
  | { status: 'done' }
  /** Try again at `at`; `countsAsTry` is false when the store only asked us to slow down. */
  | { status: 'retry'; at: number; countsAsTry: boolean; error: string }
  | { status: 'failed'; error: string }

/** Records how a delivery went. */
export async function finishStoreWrite(db: Db, write: StoreWrite, result: WriteResult, now: number): Promise<void> {
  const released = { leaseOwner: null, leaseExpiresAt: null, updatedAt: now }
  const change =
    result.status === 'done'
      ? { status: 'done' as const, doneAt: now, lastError: null }
      : result.status === 'failed'
        ? { status: 'failed' as const, lastError: result.error, tries: write.tries + 1 }
        : { status: 'queued' as const, nextAttemptAt: result.at, lastError: result.error, tries: write.tries + (result.countsAsTry ? 1 : 0) }
  await db
    .update(storeWrites)
    .set({ ...change, ...released })
    .where(and(eq(storeWrites.id, write.id), eq(storeWrites.status, 'sending')))
    .run()
}

/**
 * Puts writes whose worker went away back in the queue: lapsed leases always, and this
 * worker's own after a restart. The store may or may not have received them; delivering
 * again is safe, as every delivery first looks for what an earlier one left.
 */
export async function releaseStoreWrites(db: Db, owner: string, now: number, includeOwn: boolean): Promise<void> {
  const lapsed = lt(storeWrites.leaseExpiresAt, now)
  await db
    .update(storeWrites)
    .set({ status: 'queued', leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
    .where(and(eq(storeWrites.status, 'sending'), includeOwn ? sql`(${lapsed} or ${storeWrites.leaseOwner} = ${owner})` : lapsed))
    .run()
}

/** Keeps this worker's writes in flight leased (a slow store must not look like a dead worker). */
export async function renewStoreWriteLeases(db: Db, owner: string, until: number): Promise<void> {
  await db
    .update(storeWrites)
    .set({ leaseExpiresAt: until })
    .where(and(eq(storeWrites.status, 'sending'), eq(storeWrites.leaseOwner, owner)))
    .run()
}

/** An order's writes, in the order they were decided. */
export async function orderStoreWrites(db: Db, orderId: number): Promise<StoreWrite[]> {
  return db.select().from(storeWrites).where(eq(storeWrites.orderId, orderId)).orderBy(asc(storeWrites.id)).all()
}

/** Queues an order's failed writes again, from scratch (after the merchant fixed what was wrong). */
export async function retryFailedStoreWrites(db: Db, orderIds: number[], now: number): Promise<number> {
  if (!orderIds.length) return 0
  const result = await db
    .update(storeWrites)
    .set({ status: 'queued', tries: 0, nextAttemptAt: now, updatedAt: now })
    .where(and(inArray(storeWrites.orderId, orderIds), eq(storeWrites.status, 'failed')))
    .returning({ id: storeWrites.id })
    .all()
  return result.length
}
