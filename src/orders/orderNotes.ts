import { and, asc, count, desc, eq, isNull, lte, ne } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import type { Db } from '../db/index.js'
import { storeWrites, transcriptLines } from '../db/schema.js'
import { type Actor, type NoteWords, personsNote } from '../domain/evidence.js'
import { NOTE_PREFIX, type WriteBackPlan } from '../domain/writeBack.js'
import { queueStoreWrite, type StoreWrite } from '../stores/outbox.js'
import type { ActionRefusal } from './refusals.js'

export type { Actor } from '../domain/evidence.js'

/** The longest note a person may add: it lands in the store's order note, which the buyer's text shares. */
export const MAX_NOTE_CHARS = 500

/**
 * Notes a person adds to an order are kept with its transcript, as a line of its own (speaker
 * `system`, no call), so they are erased with the customer's other words (retention, redaction)
 * and shown in the order's history; each is written to the store's order by a `note` write, the
 * k-th `note` write of an order carrying its k-th note.
 */
const isNote = (orderId: number) =>
  and(eq(transcriptLines.orderId, orderId), eq(transcriptLines.speaker, 'system'), isNull(transcriptLines.attemptId))

export type AddedNote = { ok: true } | { ok: false; refusal: ActionRefusal }

/**
 * Adds a note to an order and queues writing it to the store's order, in one transaction. The
 * same note twice in a row (a form sent twice) is refused, as is a note on an order callconfirm
 * has never written to in its store. The note is kept as the store's order will show it, in
 * `words` (the store's language): its write is matched by that exact text when it is retried.
 */
export function addOrderNote(
  db: Db,
  order: { id: number; storeId: string },
  note: { text: string; by: Actor; words: NoteWords },
  now: number,
): AddedNote {
  const line = personsNote(note.text, note.by, note.words)
  return db.transaction((): AddedNote => {
    const last = db.select({ text: transcriptLines.text }).from(transcriptLines).where(isNote(order.id)).orderBy(desc(transcriptLines.id)).get()
    if (last?.text === line) return { ok: false, refusal: { kind: 'noteTwice' } }
    const written = db.select({ n: count() }).from(storeWrites).where(eq(storeWrites.orderId, order.id)).get()
    if (!written?.n) return { ok: false, refusal: { kind: 'noteNowhere' } }
    db.insert(transcriptLines).values({ orderId: order.id, attemptId: null, speaker: 'system', text: line, at: now }).run()
    queueStoreWrite(db, { orderId: order.id, storeId: order.storeId, kind: 'note' }, now)
    return { ok: true }
  })
}

/** The note a `note` write carries, or undefined when it was erased since (retention, redaction). */
export async function noteOfWrite(db: Db, write: Pick<StoreWrite, 'id' | 'orderId'>): Promise<string | undefined> {
  const rank = await db
    .select({ n: count() })
    .from(storeWrites)
    .where(and(eq(storeWrites.orderId, write.orderId), eq(storeWrites.kind, 'note'), lte(storeWrites.id, write.id)))
    .get()
  const notes = await db
    .select({ text: transcriptLines.text })
    .from(transcriptLines)
    .where(isNote(write.orderId))
    .orderBy(asc(transcriptLines.id))
    .all()
  return notes[(rank?.n ?? 0) - 1]?.text
}

/** The order's last write before `write` that was not a note: what the store's order shows of us. */
export async function writeBeforeNote(db: Db, write: Pick<StoreWrite, 'id' | 'orderId'>): Promise<StoreWrite | undefined> {
  return db
    .select()
    .from(storeWrites)
    .where(and(eq(storeWrites.orderId, write.orderId), ne(storeWrites.kind, 'note'), lte(storeWrites.id, write.id)))
    .orderBy(desc(storeWrites.id))
    .get()
}

/** `[callconfirm] 2026-12-01 14:05 Shënim nga tregtari: …`, in the store's time zone, as the outcome's note line is dated. */
export function noteLine(note: string, decidedAt: number, timeZone: string): string {
  const t = Temporal.Instant.fromEpochMilliseconds(decidedAt).toZonedDateTimeISO(timeZone)
  const day = t.toPlainDate().toString()
  const time = t.toPlainTime().toString({ smallestUnit: 'minute' })
  return `${NOTE_PREFIX} ${day} ${time} ${note}`.replace(/\s*\n\s*/g, ' ')
}

/**
 * What a note's write leaves on the store's order: the line, and otherwise the store's order as
 * our last write left it (`shown`: that write's plan, so tags and meta stay as they are), with no
 * action of its own (no status change, cancellation or hold).
 */
export function notePlan(shown: WriteBackPlan, line: string): WriteBackPlan {
  return { ...shown, noteLine: line, wooStatus: null, cancelOrder: false, fulfillmentHold: null }
}
