import { type CallDeps, callLog, holdCall, type LeaseHolder, renewCall, settleAttempt } from '../calls/outcomes.js'
import type { Outcome } from '../domain/order.js'
import { type CallContext, loadCallContext } from './callFacts.js'
import { addTranscriptLine, closeStream, recordAnswer, recordCallback, type StreamSummary } from './callRecord.js'
import { acceptStream, type StartMessage } from './streamAdmission.js'

/** A stream let in, with all its agent needs; or why it was not. */
export type Admission = { context: CallContext } | { refused: string }

export interface TranscriptLine {
  orderId: number
  attemptId: string
  speaker: 'agent' | 'customer' | 'system'
  text: string
  at: number
}

/**
 * Everything a call's bridge reads from and writes to the database, from the `start` that lets its
 * stream in to the end that settles it. On Node the bridge shares the service's process and this is
 * the database itself (localCallLedger); on Workers the bridge runs in its call's own Durable Object
 * and each of these is one RPC to the service object, which answers with localCallLedger
 * (worker/callObject.ts). Plain data in and out, so both are the same.
 */
export interface CallLedger {
  /** Checks the stream's `start` and its one-time token, and takes the order's lease for this ledger's holder. */
  admit(start: StartMessage): Promise<Admission>
  /** False when the line was refused (the customer's data was erased). */
  addLine(line: TranscriptLine): Promise<boolean>
  /** `evidence` as the orders table keeps it (domain/evidence.ts storedEvidence); src/i18n evidenceText says it in a language. */
  answer(orderId: number, outcome: Outcome, evidence: string, at: number): Promise<void>
  /** The customer asked to be called back at `at`; false if the order was no longer being called. */
  callBack(orderId: number, at: number, evidence: string, now: number): Promise<boolean>
  /** Keeps the order this holder's a lease longer: for a holder no scheduler renews for (a call's own object). */
  renew(orderId: number, now: number): Promise<void>
  /** The stream is over: writes how, hands the order back to the service, and settles it if Twilio has ended the call. */
  end(call: { attemptId: string; orderId: number; callSid: string | null }, summary: StreamSummary, now: number): Promise<void>
}

export interface LedgerDeps extends CallDeps {
  /** The service as the holder of its calls: it holds each once its stream ends, until Twilio's last callback settles it. */
  config: { calls: LeaseHolder }
}

/**
 * The ledger over the database. `holder` is whoever bridges the stream and so holds the order while
 * it is live (the lease follows the stream): the service itself on Node, the call's own object on
 * Workers.
 *
 * @example
 * const ledger = localCallLedger(deps)
 * const admission = await ledger.admit(start)
 */
export function localCallLedger(deps: LedgerDeps, holder: LeaseHolder = deps.config.calls): CallLedger {
  const { db } = deps
  return {
    async admit(start) {
      const attempt = await acceptStream({ ...deps, config: { calls: holder } }, start)
      if (!attempt) return { refused: 'no attempt matches the token' }
      const context = await loadCallContext(deps, attempt.id)
      return context ? { context } : { refused: 'the attempt has no order' }
    },
    addLine: (line) => addTranscriptLine(db, line),
    answer: (orderId, outcome, evidence, at) => recordAnswer(db, orderId, outcome, evidence, at),
    async callBack(orderId, at, evidence, now) {
      const queued = await recordCallback(db, orderId, at, evidence, now)
      if (queued) deps.metrics.callbackScheduled()
      return queued
    },
    renew: async (orderId, now) => renewCall(db, orderId, holder, now),
    async end(call, summary, now) {
      await closeStream(db, call.attemptId, summary, now)
      // From here Twilio's last callback settles the call; the service's scheduler keeps the lease until it does.
      holdCall(db, call.orderId, deps.config.calls, now)
      await settleAttempt({ ...deps, log: callLog(deps.log, { id: call.attemptId, ...call }) }, call.attemptId)
    },
  }
}
