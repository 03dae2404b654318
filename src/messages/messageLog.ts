import { and, asc, desc, eq, lte, ne, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { doNotContact, type MESSAGE_PURPOSES, messages, orders } from '../db/schema.js'
import type { MessageChannel } from '../domain/followUp.js'

/**
 * The messages table (db/schema.ts `messages`) and the do-not-contact list: what the message
 * flow writes before it asks Twilio, what Twilio's callbacks and the customers' replies change.
 */
export type MessageRow = typeof messages.$inferSelect
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number]

/** Queues a message of ours to send (now, unless `sendAt`); for `ask`, once per order and channel. Its id, or undefined if that question was queued before. */
export function queueMessage(
  db: Db,
  message: { orderId: number; channel: MessageChannel; purpose: Exclude<MessagePurpose, 'reply'> },
  now: number,
  sendAt = now,
): number | undefined {
  const row = db
    .insert(messages)
    .values({ ...message, direction: 'outbound', status: 'due', body: '', sendAt, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ id: messages.id })
    .get()
  return row?.id
}

/** Our messages whose time to send has come, oldest first. */
export async function dueMessages(db: Db, now: number, limit: number): Promise<MessageRow[]> {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.status, 'due'), lte(messages.sendAt, now)))
    .orderBy(asc(messages.sendAt), asc(messages.id))
    .limit(limit)
    .all()
}

/** Takes a due message for sending; false if another pass (or worker) has it. */
export function claimMessage(db: Db, id: number, now: number): boolean {
  return (
    db
      .update(messages)
      .set({ status: 'sending', updatedAt: now })
      .where(and(eq(messages.id, id), eq(messages.status, 'due')))
      .returning({ id: messages.id })
      .all().length === 1
  )
}

export function updateMessage(db: Db, id: number, change: Partial<Omit<MessageRow, 'id' | 'orderId'>>, now: number): void {
  db.update(messages)
    .set({ ...change, updatedAt: now })
    .where(eq(messages.id, id))
    .run()
}

export async function findMessage(db: Db, id: number): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(eq(messages.id, id)).get()
}

/**
 * Records a customer's message, once: false when Twilio delivered this MessageSid before (a
 * webhook retried), which changes nothing.
 */
export function recordReply(db: Db, reply: { orderId: number; channel: MessageChannel; sid: string; body: string }, now: number): boolean {
  const row = db
    .insert(messages)
    .values({ ...reply, direction: 'inbound', purpose: 'reply', status: 'received', createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ id: messages.id })
    .get()
  return row !== undefined
}

/**
 * The order a customer's message is about: the one whose message of ours they answered (a
 * button tap names it), else the newest one we wrote to their number about.
 */
export async function orderWrittenTo(db: Db, phone: string, repliedToSid: string | undefined): Promise<number | undefined> {
  if (repliedToSid) {
    const answered = await db.select({ orderId: messages.orderId }).from(messages).where(eq(messages.sid, repliedToSid)).get()
    if (answered) return answered.orderId
  }
  const latest = await db
    .select({ orderId: messages.orderId })
    .from(messages)
    .innerJoin(orders, eq(orders.id, messages.orderId))
    .where(and(eq(orders.phone, phone), eq(messages.direction, 'outbound')))
    .orderBy(desc(messages.id))
    .get()
  return latest?.orderId
}

/** Whether we have already sent this order's customer the choices after an unclear reply. */
export async function choicesSent(db: Db, orderId: number): Promise<boolean> {
  const row = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.orderId, orderId), eq(messages.purpose, 'choices')))
    .get()
  return row !== undefined
}

/** An order's messages, in the order they were written. */
export async function orderMessages(db: Db, orderId: number): Promise<MessageRow[]> {
  return db.select().from(messages).where(eq(messages.orderId, orderId)).orderBy(asc(messages.id)).all()
}

/** What an order's messages cost, US dollars; null before any cost anything. */
export const messagesCost = (rows: readonly Pick<MessageRow, 'costUsd'>[]): number | null =>
  rows.some((m) => m.costUsd !== null) ? rows.reduce((sum, m) => sum + (m.costUsd ?? 0), 0) : null

/**
 * Erases what customers wrote in the messages chosen (a redaction's orders, or replies older than
 * the retention period): their words are personal data; that they replied, and when, stays.
 */
export function eraseReplies(db: Db, where: SQL): number {
  return db
    .update(messages)
    .set({ body: '' })
    .where(and(eq(messages.direction, 'inbound'), ne(messages.body, ''), where))
    .returning({ id: messages.id })
    .all().length
}

/** The number's owner asked not to be contacted: no call and no message goes to it again. */
export function addDoNotContact(db: Db, entry: { phone: string; word: string; channel: MessageChannel }, now: number): void {
  db.insert(doNotContact)
    .values({ ...entry, createdAt: now })
    .onConflictDoNothing()
    .run()
}

/** They wrote START (Twilio's opt-in word) after a STOP: they may be contacted again. */
export function removeDoNotContact(db: Db, phone: string): void {
  db.delete(doNotContact).where(eq(doNotContact.phone, phone)).run()
}

/** Whether the number asked not to be contacted. */
export async function isDoNotContact(db: Db, phone: string): Promise<boolean> {
  return (await db.select({ n: sql<number>`1` }).from(doNotContact).where(eq(doNotContact.phone, phone)).get()) !== undefined
}
