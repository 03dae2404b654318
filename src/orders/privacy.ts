import { and, eq, inArray, isNotNull, notInArray, or, type SQL, sql } from 'drizzle-orm'
import { markRecordingsForDeletion, orderRecordings, recordingsOfOrders } from '../calls/recordings.js'
import { endCall, maskCallSid, TERMINAL_CALL_STATUSES, type TwilioClient } from '../calls/twilio.js'
import type { Db } from '../db/index.js'
import { callAttempts, messages, orders, privacyRequests, stores, transcriptLines } from '../db/schema.js'
import { readEvidence } from '../domain/evidence.js'
import { eraseReplies } from '../messages/messageLog.js'
import type { Logger } from '../utils/log.js'

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
        .where(
          inArray(
            transcriptLines.orderId,
            rows.map((r) => r.id),
          ),
        )
        .all()
    : []
  const recordings = await orderRecordings(
    db,
    rows.map((r) => r.id),
  )
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
      // The facts as callconfirm keeps them (domain/evidence.ts), or the sentence written before they were kept so.
      evidence: readEvidence(r.evidence),
      transcript: lines.filter((l) => l.orderId === r.id).map((l) => ({ speaker: l.speaker, text: l.text, at: new Date(l.at).toISOString() })),
      recordings: recordings.get(r.id) ?? [],
    })),
  }
}

/** The topic whose stored answers (reports) hold a customer's personal data. */
const DATA_REQUEST = 'customers/data_request'

/** What a redaction did: counts for the privacy request's record, and the calls it must still end. */
export interface Redaction {
  erased: { orders: number; transcriptLines: number; dataReports: number; recordings: number }
  /** Call SIDs of the calls that were on for these orders. */
  liveCalls: string[]
}

const orderIdsInReport = (report: Record<string, unknown>): string[] =>
  Array.isArray(report.orders) ? report.orders.map((o: { platformOrderId?: unknown }) => String(o?.platformOrderId)) : []

/**
 * Replaces stored data-request reports with the bare fact that they were answered and later
 * erased (when, and why), keeping none of the customer's data. `concerns` picks, among the rows
 * `where` matches, the reports about the customer being erased.
 */
export function eraseDataReports(
  db: Db,
  where: SQL,
  because: string,
  now: number,
  concerns: (report: Record<string, unknown>) => boolean = () => true,
): number {
  const reports = db
    .select({ id: privacyRequests.id, report: privacyRequests.report })
    .from(privacyRequests)
    .where(and(eq(privacyRequests.topic, DATA_REQUEST), sql`json_extract(${privacyRequests.report}, '$.erasedAt') is null`, where))
    .all()
    .filter((r) => concerns(r.report))
  for (const { id, report } of reports) {
    const erased = { ordersReported: orderIdsInReport(report).length, erasedAt: new Date(now).toISOString(), erasedBecause: because }
    db.update(privacyRequests).set({ report: erased }).where(eq(privacyRequests.id, id)).run()
  }
  return reports.length
}

/** What erasing some orders found and did, before their data-request reports are dealt with. */
interface ErasedOrders {
  orders: number
  transcriptLines: number
  /** Call recordings marked for deletion (deleted at Twilio by recordings.ts's next pass). */
  recordings: number
  liveCalls: string[]
  platformOrderIds: Set<string>
}

const redaction = (erased: ErasedOrders, dataReports: number): Redaction => ({
  erased: { orders: erased.orders, transcriptLines: erased.transcriptLines, dataReports, recordings: erased.recordings },
  liveCalls: erased.liveCalls,
})

/**
 * Erases the personal data on some orders: name, phone, city, the customer's words kept as
 * evidence, call transcripts, what they wrote in messages, and call recordings (no longer played from this moment, deleted at
 * Twilio by the next pass of deleteMarkedRecordings). The orders themselves stay (number, items, outcome) so the
 * merchant's statistics survive. Calling stops: a call waiting is withdrawn and a call on the
 * line is closed, both as skipped `data_redacted` (the caller hangs up `liveCalls`). From the
 * moment this commits, the writes about an order (its transcript, answer, outcome, store
 * writes) refuse it. Runs inside the caller's transaction.
 */
function redactOrders(db: Db, where: SQL | undefined, now: number): ErasedOrders {
  const rows = where
    ? db.select({ id: orders.id, platformOrderId: orders.platformOrderId, status: orders.status }).from(orders).where(where).all()
    : []
  const platformOrderIds = new Set(rows.map((r) => r.platformOrderId))
  if (!rows.length) return { orders: 0, transcriptLines: 0, recordings: 0, liveCalls: [], platformOrderIds }
  const ids = rows.map((r) => r.id)
  const calling = rows.filter((r) => r.status === 'calling').map((r) => r.id)
  const liveCalls = calling.length
    ? db
        .select({ callSid: callAttempts.callSid })
        .from(callAttempts)
        .where(
          and(inArray(callAttempts.orderId, calling), isNotNull(callAttempts.callSid), notInArray(callAttempts.status, [...TERMINAL_CALL_STATUSES])),
        )
        .all()
        .map((a) => a.callSid!)
    : []
  db.update(orders)
    .set({ customerName: null, customerPlatformId: null, phone: null, city: null, evidence: null, redactedAt: now, updatedAt: now })
    .where(inArray(orders.id, ids))
    .run()
  db.update(orders)
    .set({ status: 'skipped', skipReason: 'data_redacted', nextCallAt: null, leaseOwner: null, leaseExpiresAt: null })
    .where(and(inArray(orders.id, ids), inArray(orders.status, ['queued', 'calling'])))
    .run()
  const lines = db.delete(transcriptLines).where(inArray(transcriptLines.orderId, ids)).returning({ id: transcriptLines.id }).all()
  // What they wrote to us goes with what they said (the do-not-contact list keeps their STOP: honouring it is what they asked).
  eraseReplies(db, inArray(messages.orderId, ids))
  const recordings = markRecordingsForDeletion(db, recordingsOfOrders(ids), now)
  return { orders: ids.length, transcriptLines: lines.length, recordings, liveCalls, platformOrderIds }
}

/**
 * Erases one customer's data (Shopify's `customers/redact`), in one transaction: their orders'
 * personal data (see redactOrders) and the data-request reports that told them what we held.
 */
export async function redactCustomer(db: Db, storeId: string, who: CustomerRef, now: number): Promise<Redaction> {
  return db.transaction(() => {
    const erased = redactOrders(db, customerOrders(storeId, who), now)
    const aboutThem = (report: Record<string, unknown>) => orderIdsInReport(report).some((id) => erased.platformOrderIds.has(id))
    return redaction(erased, eraseDataReports(db, eq(privacyRequests.storeId, storeId), 'customers/redact', now, aboutThem))
  })
}

/** Erases all of a shop's customer data, its data-request reports and its credentials (Shopify's `shop/redact`), in one transaction. */
export async function redactShop(db: Db, storeId: string, now: number): Promise<Redaction> {
  return db.transaction(() => {
    const erased = redactOrders(db, eq(orders.storeId, storeId), now)
    const dataReports = eraseDataReports(db, eq(privacyRequests.storeId, storeId), 'shop/redact', now)
    db.update(stores)
      .set({ credentials: null, webhookSecret: null, enabled: false, disabledReason: 'shop_redacted', updatedAt: now })
      .where(eq(stores.id, storeId))
      .run()
    return redaction(erased, dataReports)
  })
}

/**
 * Hangs up the calls a redaction found on the line, so the agent stops talking to (and about)
 * the customer. A call Twilio cannot end now is logged and left: nothing it says is kept.
 * Returns how many were ended.
 */
export async function endRedactedCalls(twilio: TwilioClient, callSids: string[], log: Logger): Promise<number> {
  let ended = 0
  for (const sid of callSids) {
    try {
      await endCall(twilio, sid)
      ended++
    } catch (error) {
      log.error('could not hang up the call of a redacted customer', { callSid: maskCallSid(sid), error })
    }
  }
  return ended
}

export async function recordPrivacyRequest(
  db: Db,
  request: { storeId: string | null; shopDomain: string; topic: string; report: Record<string, unknown>; receivedAt: number },
) {
  await db.insert(privacyRequests).values(request).run()
}
