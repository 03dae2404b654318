import { createHash } from 'node:crypto'
import { and, desc, eq, gte, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, orders } from '../db/schema.js'
import { toBase64Url } from '../utils/base64.js'
import { newId } from '../utils/ids.js'

export type Attempt = typeof callAttempts.$inferSelect

/** Attempt statuses that are not calls: recorded but never placed with Twilio, or not yet. */
const NOT_CALLS = ['dialing', 'not-placed']

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Records an attempt before Twilio hears of it, with the hash of the one-time token its media
 * stream will present. If the process dies between this and storing the Call SID, recovery
 * finds the attempt and asks Twilio what became of it.
 */
export async function recordAttempt(db: Db, orderId: number, now: number): Promise<{ attempt: Attempt; streamToken: string }> {
  const streamToken = toBase64Url(crypto.getRandomValues(new Uint8Array(24)))
  const last = await db
    .select({ number: sql<number>`coalesce(max(${callAttempts.number}), 0)` })
    .from(callAttempts)
    .where(eq(callAttempts.orderId, orderId))
    .get()
  const attempt = await db
    .insert(callAttempts)
    .values({
      id: newId('att'),
      orderId,
      number: (last?.number ?? 0) + 1,
      status: 'dialing',
      streamTokenHash: sha256Hex(streamToken),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get()
  return { attempt, streamToken }
}

export async function findAttempt(db: Db, id: string): Promise<Attempt | undefined> {
  return db.select().from(callAttempts).where(eq(callAttempts.id, id)).get()
}

export async function latestAttempt(db: Db, orderId: number): Promise<Attempt | undefined> {
  return db.select().from(callAttempts).where(eq(callAttempts.orderId, orderId)).orderBy(desc(callAttempts.number)).limit(1).get()
}

export async function updateAttempt(db: Db, id: string, change: Partial<typeof callAttempts.$inferInsert>): Promise<void> {
  await db.update(callAttempts).set(change).where(eq(callAttempts.id, id)).run()
}

/**
 * Stores the Call SID Twilio gave an attempt. Twilio may call back before `calls.create`
 * returns, so a status the callbacks already set is kept; `dialing` becomes Twilio's.
 */
export async function storeCallSid(db: Db, attemptId: string, call: { sid: string; status: string }, now: number): Promise<void> {
  await db
    .update(callAttempts)
    .set({
      callSid: call.sid,
      status: sql`case when ${callAttempts.status} = 'dialing' then ${call.status} else ${callAttempts.status} end`,
      startedAt: sql`coalesce(${callAttempts.startedAt}, ${now})`,
      updatedAt: now,
    })
    .where(eq(callAttempts.id, attemptId))
    .run()
}

/** The calls an order has had so far (attempts Twilio placed), oldest first. */
export async function placedAttempts(db: Db, orderId: number): Promise<Attempt[]> {
  return db
    .select()
    .from(callAttempts)
    .where(and(eq(callAttempts.orderId, orderId), notInArray(callAttempts.status, NOT_CALLS)))
    .orderBy(callAttempts.number)
    .all()
}

/** Calls placed to a number since `since`, across every order and store. */
export async function callsToNumberSince(db: Db, phone: string, since: number): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(callAttempts)
    .innerJoin(orders, eq(orders.id, callAttempts.orderId))
    .where(and(eq(orders.phone, phone), gte(callAttempts.createdAt, since), notInArray(callAttempts.status, NOT_CALLS)))
    .get()
  return row?.n ?? 0
}
