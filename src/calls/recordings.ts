import { and, eq, inArray, isNull, lte, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { callAttempts, callRecordings, orders, RECORDING_STATUSES } from '../db/schema.js'
import type { Logger } from '../utils/log.js'
import { deleteCallRecordings, isRecordingSid, maskCallSid, TERMINAL_CALL_STATUSES, type TwilioClient } from './twilio.js'

/**
 * Call recordings (a store's `recordCalls`): asked for when the call is placed, filled in by
 * Twilio's signed recording callbacks, played through the dashboard, and deleted at Twilio and
 * here by retention and redaction. The audio itself never leaves Twilio except through us.
 */

export type RecordingStatus = (typeof RECORDING_STATUSES)[number]

/** What the order's page and `GET /api/orders/:id` show of an attempt's recording. */
export interface RecordingView {
  status: RecordingStatus
  durationSeconds: number | null
  channels: number | null
}

/** Statuses Twilio does not move on from: the recording is ready, or there is none. */
const FINAL: ReadonlySet<RecordingStatus> = new Set(['completed', 'absent', 'failed'])

/**
 * The call is placed with recording: the row the callbacks fill in, and what tells the agent to
 * say the call is recorded. Written before Twilio hears of the call, as every crossing is.
 */
export function recordingRequested(db: Db, attemptId: string, now: number): void {
  db.insert(callRecordings).values({ attemptId, status: 'requested', createdAt: now, updatedAt: now }).onConflictDoNothing().run()
}

/** Whether the attempt's call was placed with recording (the agent discloses it). */
export async function isRecorded(db: Db, attemptId: string): Promise<boolean> {
  return (await db.select({ at: callRecordings.attemptId }).from(callRecordings).where(eq(callRecordings.attemptId, attemptId)).get()) !== undefined
}

/** A recording callback's fields, as Twilio posts them (RecordingStatusCallback). */
export interface RecordingReport {
  sid: string
  status: Exclude<RecordingStatus, 'requested'>
  durationSeconds: number | null
  channels: number | null
}

/** Reads a recording callback's form; undefined for one that names no recording of ours in words we know. */
export function recordingReport(params: Record<string, string>): RecordingReport | undefined {
  const status = RECORDING_STATUSES.find((s) => s !== 'requested' && s === params.RecordingStatus) as RecordingReport['status'] | undefined
  const sid = params.RecordingSid ?? ''
  if (!status || !isRecordingSid(sid)) return undefined
  const whole = (value: string | undefined) => (value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : null)
  return { sid, status, durationSeconds: whole(params.RecordingDuration), channels: whole(params.RecordingChannels) }
}

/**
 * Applies what a recording callback says. Callbacks are separate requests: they may come twice,
 * before the call's own status callbacks, or out of order (`in-progress` after `completed`), so a
 * final status stays final and a repeat changes nothing. A recording of a customer whose data was
 * erased while the call was on is marked for deletion as soon as we learn of it.
 */
export function recordingReported(db: Db, attemptId: string, report: RecordingReport, now: number): void {
  db.transaction(() => {
    const current = db.select().from(callRecordings).where(eq(callRecordings.attemptId, attemptId)).get()
    const redacted = db
      .select({ at: orders.redactedAt })
      .from(callAttempts)
      .innerJoin(orders, eq(orders.id, callAttempts.orderId))
      .where(eq(callAttempts.id, attemptId))
      .get()?.at
    const deleteAt = current?.deleteAt ?? (redacted != null ? now : null)
    const status = current && FINAL.has(current.status) ? current.status : report.status
    const change = {
      recordingSid: report.sid,
      status,
      durationSeconds: report.durationSeconds ?? current?.durationSeconds ?? null,
      channels: report.channels ?? current?.channels ?? null,
      deleteAt,
      updatedAt: now,
    }
    if (current) db.update(callRecordings).set(change).where(eq(callRecordings.attemptId, attemptId)).run()
    else
      db.insert(callRecordings)
        .values({ attemptId, createdAt: now, ...change })
        .run()
  })
}

/** Each attempt's recording as the order's page shows it; none for one being deleted. */
export async function attemptRecordings(db: Db, attemptIds: string[]): Promise<Map<string, RecordingView>> {
  if (!attemptIds.length) return new Map()
  const rows = await db
    .select()
    .from(callRecordings)
    .where(and(inArray(callRecordings.attemptId, attemptIds), isNull(callRecordings.deleteAt)))
    .all()
  return new Map(rows.map((r) => [r.attemptId, { status: r.status, durationSeconds: r.durationSeconds, channels: r.channels }]))
}

/**
 * The recordings kept of these orders' calls, for a customer's data request: which call, where
 * it stands and how long it is (the audio is at Twilio, played through the dashboard).
 */
export async function orderRecordings(db: Db, orderIds: number[]): Promise<Map<number, Array<RecordingView & { call: number }>>> {
  const rows = orderIds.length
    ? await db
        .select({ orderId: callAttempts.orderId, call: callAttempts.number, recording: callRecordings })
        .from(callRecordings)
        .innerJoin(callAttempts, eq(callAttempts.id, callRecordings.attemptId))
        .where(and(inArray(callAttempts.orderId, orderIds), isNull(callRecordings.deleteAt)))
        .all()
    : []
  const byOrder = new Map<number, Array<RecordingView & { call: number }>>()
  for (const { orderId, call, recording: r } of rows)
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), { call, status: r.status, durationSeconds: r.durationSeconds, channels: r.channels }])
  return byOrder
}

/** The SID of an attempt's recording if it may be played: Twilio has it whole, and it is not being deleted. */
export async function playableRecordingSid(db: Db, attemptId: string): Promise<string | undefined> {
  const row = await db
    .select({ sid: callRecordings.recordingSid })
    .from(callRecordings)
    .where(and(eq(callRecordings.attemptId, attemptId), eq(callRecordings.status, 'completed'), isNull(callRecordings.deleteAt)))
    .get()
  return row?.sid ?? undefined
}

/**
 * Marks for deletion the recordings `where` picks: from now on they are not played, and the next
 * pass of `deleteMarkedRecordings` deletes them at Twilio. Runs inside a caller's transaction
 * (redaction) as well as alone (retention). Returns how many were marked.
 */
export function markRecordingsForDeletion(db: Db, where: SQL, now: number): number {
  return db
    .update(callRecordings)
    .set({ deleteAt: now, updatedAt: now })
    .where(and(where, isNull(callRecordings.deleteAt)))
    .returning({ attemptId: callRecordings.attemptId })
    .all().length
}

/** The recordings of these orders' calls (a redaction's). */
export const recordingsOfOrders = (orderIds: number[]): SQL =>
  inArray(callRecordings.attemptId, sql`(select ${callAttempts.id} from ${callAttempts} where ${inArray(callAttempts.orderId, orderIds)})`)

/** How long after a call Twilio may still be making its recording: a recording whose callbacks were lost is looked for after this. */
export const RECORDING_SETTLE_MS = 10 * 60_000
const MINUTE = 60_000
/** A failed deletion is tried again after a minute, then twice as long each time, at most six hours apart. */
const retryDelay = (tries: number) => Math.min(6 * 60 * MINUTE, MINUTE * 2 ** tries)
const BATCH = 100

export interface RecordingDeleterDeps {
  db: Db
  twilio: { client: TwilioClient }
  log: Logger
  now: () => number
}

/**
 * Deletes, at Twilio and then here, the recordings marked for deletion whose time has come: each
 * once Twilio is done making it (a final status, or its call long over with no word of it). A
 * deletion Twilio refuses or does not answer stays marked and is tried again later, at longer and
 * longer intervals, never forgotten.
 *
 * @example
 * await deleteMarkedRecordings({ db, twilio, log, now: Date.now }) // { deleted: 2, failed: 0, waiting: 0 }
 */
export async function deleteMarkedRecordings(deps: RecordingDeleterDeps) {
  const now = deps.now()
  const due = await deps.db
    .select({ recording: callRecordings, callSid: callAttempts.callSid, callStatus: callAttempts.status, endedAt: callAttempts.endedAt })
    .from(callRecordings)
    .innerJoin(callAttempts, eq(callAttempts.id, callRecordings.attemptId))
    .where(lte(callRecordings.deleteAt, now))
    .limit(BATCH)
    .all()
  const tally = { deleted: 0, failed: 0, waiting: 0 }
  for (const { recording, callSid, callStatus, endedAt } of due) {
    const callOver = TERMINAL_CALL_STATUSES.has(callStatus) || callStatus === 'not-placed'
    const ready =
      FINAL.has(recording.status) ||
      (callOver && (callSid === null || (endedAt ?? recording.createdAt) <= now - RECORDING_SETTLE_MS)) ||
      recording.createdAt <= now - 24 * 60 * MINUTE
    const attemptId = recording.attemptId
    if (!ready) {
      tally.waiting++
      await deps.db
        .update(callRecordings)
        .set({ deleteAt: now + RECORDING_SETTLE_MS })
        .where(eq(callRecordings.attemptId, attemptId))
        .run()
      continue
    }
    try {
      await deleteCallRecordings(deps.twilio.client, callSid, recording.recordingSid)
      await deps.db.delete(callRecordings).where(eq(callRecordings.attemptId, attemptId)).run()
      tally.deleted++
    } catch (error) {
      tally.failed++
      const message = error instanceof Error ? error.message : String(error)
      deps.log.error('could not delete a call recording at Twilio; trying again later', {
        recordingSid: maskCallSid(recording.recordingSid),
        tries: recording.deleteTries + 1,
        error: message,
      })
      await deps.db
        .update(callRecordings)
        .set({ deleteTries: recording.deleteTries + 1, deleteError: message, deleteAt: now + retryDelay(recording.deleteTries), updatedAt: now })
        .where(eq(callRecordings.attemptId, attemptId))
        .run()
    }
  }
  return tally
}
