import { eq } from 'drizzle-orm'
import { isRecorded } from '../calls/recordings.js'
import type { Db } from '../db/index.js'
import { callAttempts, orders } from '../db/schema.js'
import type { CallFacts } from '../domain/agentPrompt.js'
import type { StoreSettings } from '../domain/settings.js'
import { findStore, type StoreDefaults } from '../stores/records.js'

export interface CallContext {
  attemptId: string
  orderId: number
  callSid: string | null
  /** The media stream has started (or ended): a session opened for the call now would never be used. */
  streamBegun: boolean
  facts: CallFacts
  settings: StoreSettings
}

/**
 * Everything a call's agent needs, from its attempt: the order, the store's name and settings.
 * Nothing for an order whose customer's data was erased: a call that slipped out while the
 * redaction arrived gets no agent (its stream is refused, which ends the call).
 */
export async function loadCallContext(deps: { db: Db; storeDefaults: StoreDefaults }, attemptId: string): Promise<CallContext | undefined> {
  const row = await deps.db
    .select({ attempt: callAttempts, order: orders })
    .from(callAttempts)
    .innerJoin(orders, eq(orders.id, callAttempts.orderId))
    .where(eq(callAttempts.id, attemptId))
    .get()
  if (!row || row.order.redactedAt !== null) return undefined
  const store = await findStore(deps.db, row.order.storeId, deps.storeDefaults)
  if (!store) return undefined
  return {
    attemptId,
    orderId: row.order.id,
    callSid: row.attempt.callSid,
    streamBegun: row.attempt.streamState !== null,
    settings: store.settings,
    facts: {
      shop: store.settings.companyName,
      orderName: row.order.name,
      items: row.order.items,
      total: row.order.total,
      currency: row.order.currency,
      city: row.order.city,
      customerName: row.order.customerName,
      language: row.order.language,
      recorded: await isRecorded(deps.db, attemptId),
      calledBack: row.attempt.direction === 'inbound',
    },
  }
}
