import { and, count, desc, eq, gte, ne, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, orders } from '../db/schema.js'
import { toBase64Url } from '../utils/base64.js'
import { sha256Hex } from '../utils/digest.js'
import { newId } from '../utils/ids.js'

export type Attempt = typeof callAttempts.$inferSelect

/** Attempt statuses that are not calls: recorded but never placed with Twilio, or not yet. */
const NOT_CALLS = ['dialing', 'not-placed']

/**
 * Records an attempt before Twilio hears of it, with the hash of the one-time token its media
 * stream will present. If the process dies between this and storing the Call SID, recovery
 * finds the attempt and asks Twilio what became of it. Synchronous, so the dialer can record it
 * in the transaction that checked the day's limits. `inbound`: the customer is ringing us
 * (incomingCalls.ts); their call exists already, with its Call SID, and we are answering it.
 */
export function recordAttempt(db: Db, orderId: number, now: number, inbound?: { callSid: string }): { attempt: Attempt; streamToken: string } {
  const streamToken = toBase64Url(crypto.getRandomValues(new Uint8Array(24)))
  const last = db
    .select({ number: sql<number>`coalesce(max(${callAttempts.number}), 0)` })
    .from(callAttempts)
    .where(eq(callAttempts.orderId, orderId))
    .get()
  const attempt = db
    .insert(callAttempts)
    .values({
      id: newId('att'),
      orderId,
      number: (last?.number ?? 0) + 1,
      streamTokenHash: sha256Hex(streamToken),
      createdAt: now,
      updatedAt: now,
      ...(inbound
        ? { direction: 'inbound' as const, status: 'in-progress', callSid: inbound.callSid, startedAt: now, answeredAt: now }
        : { status: 'dialing' }),
    })
    .returning()
    .get()
  return { attempt, streamToken }
}

export async function findAttempt(db: Db, id: string): Promise<Attempt | undefined> {
  return db.select().from(callAttempts).where(eq(callAttempts.id, id)).get()
}

/** The attempt Twilio's call `callSid` belongs to, if it is one of ours. */
export async function attemptOfCall(db: Db, callSid: string): Promise<Attempt | undefined> {
  return db.select().from(callAttempts).where(eq(callAttempts.callSid, callSid)).get()
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

export interface CallsSoFar {
  /** Since the store's local midnight: to this number (any store), and by this store. */
  callsToNumberToday: number
  storeCallsToday: number
  /** By this store in the last 24 hours. */
  storeCallsPast24h: number
  /** Since midnight UTC, by every store: calls, and their estimated cost so far. */
  serviceCallsToday: number
  serviceSpendTodayUsd: number
}

const DAY_MS = 86_400_000

/**
 * The day's calls the daily limits weigh. A call counts from the moment its attempt is recorded
 * (`dialing`) unless Twilio never placed it; its cost counts once the call has ended and been
 * priced. Synchronous (both SQLite drivers are), so it can run in the transaction that records the next
 * attempt: two dials at once cannot both take the day's last call.
 */
export function callsSoFar(db: Db, at: { phone: string; storeId: string; storeDayStart: number; serviceDayStart: number; now: number }): CallsSoFar {
  const placed = ne(callAttempts.status, 'not-placed')
  const sincePast24h = Math.min(at.storeDayStart, at.now - DAY_MS)
  const toNumber = db
    .select({ n: count() })
    .from(callAttempts)
    .innerJoin(orders, eq(orders.id, callAttempts.orderId))
    .where(and(eq(orders.phone, at.phone), gte(callAttempts.createdAt, at.storeDayStart), placed))
    .get()
  const byStore = db
    .select({
      today: sql<number>`count(*) filter (where ${callAttempts.createdAt} >= ${at.storeDayStart})`,
      past24h: sql<number>`count(*) filter (where ${callAttempts.createdAt} >= ${at.now - DAY_MS})`,
    })
    // CROSS JOIN keeps SQLite on the day's attempts (bounded by the service's daily limit) rather
    // than walking every order the store ever had through its store_id index.
    .from(callAttempts)
    .crossJoin(orders)
    .where(and(eq(orders.id, callAttempts.orderId), eq(orders.storeId, at.storeId), gte(callAttempts.createdAt, sincePast24h), placed))
    .get()
  const byService = db
    .select({
      calls: sql<number>`count(*) filter (where ${placed})`,
      spend: sql<number>`coalesce(sum(${callAttempts.costUsd}), 0)`,
    })
    .from(callAttempts)
    .where(gte(callAttempts.createdAt, at.serviceDayStart))
    .get()
  return {
    callsToNumberToday: toNumber?.n ?? 0,
    storeCallsToday: byStore?.today ?? 0,
    storeCallsPast24h: byStore?.past24h ?? 0,
    serviceCallsToday: byService?.calls ?? 0,
    serviceSpendTodayUsd: byService?.spend ?? 0,
  }
}

/** How many of an order's attempts Twilio refused to place (`not-placed`). */
export function refusedAttempts(db: Db, orderId: number): number {
  return db
    .select({ n: count() })
    .from(callAttempts)
    .where(and(eq(callAttempts.orderId, orderId), eq(callAttempts.status, 'not-placed')))
    .get()!.n
}
