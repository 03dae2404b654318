import { and, eq, inArray, isNotNull, isNull, lt, ne, notInArray } from 'drizzle-orm'
import { markRecordingsForDeletion } from '../calls/recordings.js'
import type { Db } from '../db/index.js'
import { callRecordings, messages, orders, privacyRequests, transcriptLines } from '../db/schema.js'
import { eraseReplies } from '../messages/messageLog.js'
import { eraseDataReports } from './privacy.js'

const DAY = 24 * 3600_000
/** Rows erased per statement: a first run over years of calls must not hold the database (or the event loop) for long. */
const BATCH = 2_000

/** Runs `erase` (one batch) until a batch comes back short, letting other work in between; returns the rows erased. */
async function inBatches(erase: () => number): Promise<number> {
  let total = 0
  for (;;) {
    const n = erase()
    total += n
    if (n < BATCH) return total
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

/**
 * Erases what callconfirm keeps only for `retentionDays` (RETENTION_DAYS): call transcripts (by
 * the time of each line), the customer's words kept as an order's evidence (by the order's age),
 * the reports that answered customers' data requests (by when they were answered; that a
 * request was answered stays on record), what customers wrote in messages (by when), and call recordings (by when the call was placed: they
 * stop playing now and are deleted at Twilio by deleteMarkedRecordings). Orders keep their
 * number, items, outcome and cost, so the statistics do not change. An order still being called
 * keeps its evidence until it ends.
 *
 * @example
 * await pruneExpiredData(db, Date.now(), config.retentionDays) // { transcriptLines: 120, evidence: 4, dataReports: 0, recordings: 1 }
 */
export async function pruneExpiredData(db: Db, now: number, retentionDays: number) {
  const before = now - retentionDays * DAY
  const oldLines = db.select({ id: transcriptLines.id }).from(transcriptLines).where(lt(transcriptLines.at, before)).limit(BATCH)
  const transcriptLinesErased = await inBatches(
    () => db.delete(transcriptLines).where(inArray(transcriptLines.id, oldLines)).returning({ id: transcriptLines.id }).all().length,
  )
  const oldEvidence = db
    .select({ id: orders.id })
    .from(orders)
    .where(and(lt(orders.createdAt, before), isNotNull(orders.evidence), notInArray(orders.status, ['queued', 'calling'])))
    .limit(BATCH)
  const evidence = await inBatches(
    () => db.update(orders).set({ evidence: null }).where(inArray(orders.id, oldEvidence)).returning({ id: orders.id }).all().length,
  )
  const dataReports = eraseDataReports(db, lt(privacyRequests.receivedAt, before), 'retention', now)
  const oldRecordings = db
    .select({ attemptId: callRecordings.attemptId })
    .from(callRecordings)
    .where(and(lt(callRecordings.createdAt, before), isNull(callRecordings.deleteAt)))
    .limit(BATCH)
  const recordings = await inBatches(() => markRecordingsForDeletion(db, inArray(callRecordings.attemptId, oldRecordings), now))
  // What customers wrote in their replies (src/messages/), as their words on calls.
  const oldReplies = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(lt(messages.createdAt, before), eq(messages.direction, 'inbound'), ne(messages.body, '')))
    .limit(BATCH)
  const replies = await inBatches(() => eraseReplies(db, inArray(messages.id, oldReplies)))
  return { transcriptLines: transcriptLinesErased, evidence, dataReports, recordings, replies }
}
