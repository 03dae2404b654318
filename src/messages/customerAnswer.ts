import { and, eq, inArray, isNull, like, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import { storedEvidence, type Written, type WrittenChannel } from '../domain/evidence.js'
import { queueStoreWrite } from '../stores/outbox.js'
import type { Logger } from '../utils/log.js'

export interface CustomerAnswerDeps {
  db: Db
  log: Logger
  now: () => number
  wakeStoreWriter: () => void
}

/** A customer's answer in writing, as the message flow or the answer page read it. */
export interface WrittenAnswer {
  orderId: number
  answer: 'confirm' | 'cancel'
  channel: WrittenChannel
  /** The reply as written (a button's text, "1", "po"), kept as the evidence. */
  said: string
}

export type WrittenAnswerResult = { ok: true; outcome: 'confirmed' | 'cancelled' } | { ok: false; reason: 'not_found' | 'closed' }

/** The longest reply kept as evidence: the note on the store's order shortens it further. */
const MAX_SAID_CHARS = 500

/**
 * The orders a written answer may still close: queued or being called (the messages went out
 * after the first call, and the ladder goes on), closed because nobody answered the calls, or in
 * review because the customer's last reply was unclear, or no longer called because they wrote
 * STOP (which stops our calls and messages, not their order). An order the customer (or a person)
 * already confirmed or cancelled, or one that ended any other way, is not reopened by a message.
 */
const awaitsWrittenAnswer: SQL = and(
  isNull(orders.redactedAt),
  or(
    inArray(orders.status, ['queued', 'calling']),
    and(eq(orders.status, 'skipped'), eq(orders.skipReason, 'do_not_contact')),
    and(eq(orders.status, 'done'), inArray(orders.outcome, ['no_answer', 'voicemail'])),
    // storedEvidence writes `kind` first: an unclear written reply is the only evidence that starts so.
    and(eq(orders.status, 'done'), eq(orders.outcome, 'needs_review'), like(orders.evidence, '{"kind":"written"%')),
  ),
)!

/** Whether the order still waits for the customer's answer (a message about it is still worth sending). */
export async function awaitsAnswer(db: Db, orderId: number): Promise<boolean> {
  return (
    (await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.id, orderId), awaitsWrittenAnswer))
      .get()) !== undefined
  )
}

/**
 * Closes the order with a customer's written answer, and queues telling the store, in one
 * transaction guarded by the order's state in the same UPDATE (a reply delivered twice, or the
 * answer page sent twice, closes it once). The outcome, the store's tag, note and status mapping
 * are those of the same answer given on a call; the evidence is the reply as written.
 */
function closeWithWritten(
  deps: CustomerAnswerDeps,
  orderId: number,
  outcome: 'confirmed' | 'cancelled' | 'needs_review',
  evidence: Written,
): boolean {
  const now = deps.now()
  const closed = deps.db.transaction(() => {
    const done = deps.db
      .update(orders)
      .set({
        status: 'done',
        outcome,
        evidence: storedEvidence(evidence),
        nextCallAt: null,
        waitReason: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      })
      .where(and(eq(orders.id, orderId), awaitsWrittenAnswer))
      .returning({ id: orders.id, storeId: orders.storeId })
      .all()
    for (const order of done) queueStoreWrite(deps.db, { orderId, storeId: order.storeId, kind: 'outcome' }, now)
    return done.length > 0
  })
  if (closed) deps.wakeStoreWriter()
  return closed
}

const writtenEvidence = (answer: Written['answer'], channel: WrittenChannel, said: string): Written => ({
  kind: 'written',
  answer,
  channel,
  words: said.trim().slice(0, MAX_SAID_CHARS),
})

/**
 * A customer confirms or cancels their order in writing: a WhatsApp button or reply, an SMS
 * ("1", "po"), or the answer page an SMS links to. An order still waiting for an answer closes
 * as it would on a call; one already answered (or ended otherwise) changes nothing: `closed`.
 *
 * @example
 * await answerFromCustomer(deps, { orderId: 42, answer: 'confirm', channel: 'whatsapp', said: 'Konfirmo' })
 * // → { ok: true, outcome: 'confirmed' }
 */
export async function answerFromCustomer(deps: CustomerAnswerDeps, answer: WrittenAnswer): Promise<WrittenAnswerResult> {
  const outcome = answer.answer === 'confirm' ? 'confirmed' : 'cancelled'
  if (closeWithWritten(deps, answer.orderId, outcome, writtenEvidence(answer.answer, answer.channel, answer.said))) {
    deps.log.info('customer answered in writing', { orderId: answer.orderId, channel: answer.channel, outcome })
    return { ok: true, outcome }
  }
  const order = await deps.db.select({ redactedAt: orders.redactedAt }).from(orders).where(eq(orders.id, answer.orderId)).get()
  return !order || order.redactedAt !== null ? { ok: false, reason: 'not_found' } : { ok: false, reason: 'closed' }
}

/**
 * A reply still neither yes nor no after the customer was given the choices: the order goes to
 * review, with the reply as its evidence. False when the order no longer waits for an answer.
 */
export function reviewUnclearReply(deps: CustomerAnswerDeps, reply: { orderId: number; channel: WrittenChannel; said: string }): boolean {
  const reviewed = closeWithWritten(deps, reply.orderId, 'needs_review', writtenEvidence('unclear', reply.channel, reply.said))
  if (reviewed) deps.log.info('customer reply unclear; the order goes to review', { orderId: reply.orderId, channel: reply.channel })
  return reviewed
}
