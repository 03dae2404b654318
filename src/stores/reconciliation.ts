import { and, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders, stores } from '../db/schema.js'
import type { IncomingOrder } from '../domain/order.js'
import { RECONCILE_OVERLAP_MS, reconcileSince } from '../domain/reconcileWindow.js'
import { acceptOrder, type IntakeDeps } from '../orders/intake.js'
import type { Logger } from '../utils/log.js'
import { createPassLoop, type PassLoop } from '../utils/passLoop.js'
import type { SecretBox } from '../utils/secretBox.js'
import type { StoreAccess } from './access.js'
import type { PlatformClients, StoreContext } from './platform.js'
import { platformOf } from './platforms.js'
import { type Store, type StoreDefaults, type StoreRow, storeWebhookSecret, toStore, webhookUrl } from './records.js'
import { firstLine } from './writeBackError.js'

export interface ReconcilerDeps extends IntakeDeps, PlatformClients {
  db: Db
  box: SecretBox
  access: StoreAccess
  storeDefaults: StoreDefaults
  /** Where stores' webhooks should reach us (PUBLIC_URL). */
  publicUrl: string
  /** How often each store is asked (RECONCILE_SECONDS). */
  everyMs: number
  /** How far back a store is ever asked (RECONCILE_LOOKBACK_HOURS). */
  lookbackMs: number
}

export type Reconciler = Pick<PassLoop, 'start' | 'tick' | 'stop'>

/** Stores asked at once: a slow store holds up only its own turn. */
const STORES_AT_ONCE = 4
/** Pages read from one store in a pass (2,500 Shopify orders, 10,000 WooCommerce); the rest waits for the next pass. */
const MAX_PAGES = 100

/** The stores worth asking: enabled, approved, with credentials (an uninstalled store has none, and is disabled). */
const reconcilableStores = (db: Db) =>
  db
    .select()
    .from(stores)
    .where(and(eq(stores.enabled, true), isNotNull(stores.approvedAt), isNotNull(stores.credentials)))
    .orderBy(stores.createdAt)
    .all()

/**
 * When the newest order the store sent us within the lookback was placed (orders reach us after
 * they are placed, so one received before the lookback was placed before it too). Placing times
 * are kept as the store wrote them, with their offsets: SQLite reads those.
 */
async function newestPlacedAt(db: Db, storeId: string, receivedSince: number): Promise<number | null> {
  const row = await db
    .select({ newest: sql<number | null>`max(unixepoch(${orders.placedAt}))` })
    .from(orders)
    .where(and(eq(orders.storeId, storeId), gte(orders.createdAt, receivedSince)))
    .get()
  return row?.newest == null ? null : row.newest * 1000
}

/** The orders of a page we do not hold yet. */
async function notHeld(db: Db, storeId: string, page: IncomingOrder[]): Promise<IncomingOrder[]> {
  if (!page.length) return []
  const ids = page.map((o) => o.platformOrderId)
  const held = await db
    .select({ id: orders.platformOrderId })
    .from(orders)
    .where(and(eq(orders.storeId, storeId), inArray(orders.platformOrderId, ids)))
    .all()
  const known = new Set(held.map((h) => h.id))
  return page.filter((o) => !known.has(o.platformOrderId))
}

/**
 * Reconciliation: on start and every RECONCILE_SECONDS, each store is asked for the orders created
 * since it was last asked (or, the first time, since the newest order it sent us), within the
 * lookback and never from before its install, and those we do not hold go through the same intake
 * as a webhook's. So an order is called whether its webhook came, came late, or never came: the
 * app was down, WooCommerce switched the webhook off, Shopify gave up retrying. On the same pass
 * the store's webhooks are checked and put right (platform.ts `repairWebhooks`), and what was done
 * is kept on the store for the dashboard.
 *
 * A store that fails (throttled, down, credentials revoked) is logged and asked again next pass;
 * the others go on. Two workers on one database may both run the pass: intake's unique key
 * (store, platform order id) makes the second acceptance of an order a no-op, so nothing is called
 * twice, and `reconciled_at` only moves forward.
 *
 * @example
 * const reconciler = createReconciler({ ...deps, access, publicUrl, everyMs: 300_000, lookbackMs: 72 * 3_600_000 })
 * reconciler.start()
 */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  /** Takes in the orders created since `since` that we lack; says how many, and where it stopped if it could not read them all. */
  async function takeMissedOrders(store: Store, ctx: StoreContext, since: number, log: Logger): Promise<{ taken: number; stoppedAt?: number }> {
    let taken = 0
    let pages = 0
    for await (const page of platformOf(store).ordersCreatedSince(ctx, since)) {
      for (const problem of page.unreadable) log.warn('an order the store listed could not be read; it is left out', { problem })
      for (const order of await notHeld(deps.db, store.id, page.orders)) {
        await acceptOrder({ ...deps, log }, store, order)
        taken++
      }
      if (++pages < MAX_PAGES && !loop.stopped) continue
      // Oldest first: the next pass goes on from the last order read.
      const last = Date.parse(page.orders.at(-1)?.placedAt ?? '')
      return { taken, stoppedAt: Number.isNaN(last) ? since : last }
    }
    return { taken }
  }

  async function reconcileStore(row: StoreRow): Promise<void> {
    const store = toStore(row, deps.storeDefaults)
    const log = deps.log.child({ storeId: store.id, platform: store.platform })
    const askedAt = deps.now()
    try {
      const credentials = await deps.access(store)
      if (!credentials) return
      const ctx: StoreContext = { clients: deps, store, credentials }
      const since = reconcileSince(
        {
          now: askedAt,
          installedAt: row.createdAt,
          reconciledAt: row.reconciledAt,
          newestPlacedAt: row.reconciledAt === null ? await newestPlacedAt(deps.db, store.id, askedAt - deps.lookbackMs) : null,
        },
        { lookbackMs: deps.lookbackMs, overlapMs: RECONCILE_OVERLAP_MS },
      )
      const { taken, stoppedAt } = await takeMissedOrders(store, ctx, since, log)
      if (taken) log.warn('orders found that no webhook brought', { orders: taken, since: new Date(since).toISOString() })
      if (stoppedAt !== undefined && !loop.stopped)
        log.warn('the store has more orders than one pass reads; the rest come next pass', { pages: MAX_PAGES })
      const target = { url: webhookUrl(deps.publicUrl, store), secret: await storeWebhookSecret(store, deps.box) }
      const repair = await platformOf(store)
        .repairWebhooks(ctx, target)
        .catch((error: unknown) => void log.warn('the store’s webhooks could not be checked', { error: firstLine(error) }))
      if (repair) log.warn('store webhooks repaired', { repair })
      await deps.db
        .update(stores)
        .set({
          // Another worker may have got further meanwhile: never back.
          reconciledAt: sql`max(coalesce(${stores.reconciledAt}, 0), ${stoppedAt ?? askedAt})`,
          ...(repair && { webhooksRepairedAt: deps.now(), webhooksRepair: repair }),
        })
        .where(eq(stores.id, store.id))
        .run()
    } catch (error) {
      log.warn('reconciling the store failed; it is asked again next pass', { error: firstLine(error) })
    }
  }

  async function pass(): Promise<void> {
    const due = await reconcilableStores(deps.db)
    let next = 0
    const worker = async () => {
      while (next < due.length && !loop.stopped) await reconcileStore(due[next++]!)
    }
    await Promise.all(Array.from({ length: Math.min(STORES_AT_ONCE, due.length) }, worker))
  }

  const loop = createPassLoop({ name: 'reconciliation', pollMs: deps.everyMs, log: deps.log, pass })
  return loop
}
