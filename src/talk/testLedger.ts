import type { Outcome } from '../domain/order.js'
import { evidenceText } from '../i18n/index.js'
import type { CallContext } from '../voice/callFacts.js'
import type { CallLedger, TranscriptLine } from '../voice/callLedger.js'
import type { StreamSummary } from '../voice/callRecord.js'

/** What the talk page is told as the conversation goes, on the socket it streams over (beside the media-stream messages). */
export type TalkEvent =
  | { event: 'transcript'; speaker: TranscriptLine['speaker']; text: string }
  | { event: 'outcome'; outcome: Outcome; evidence: string }
  | { event: 'callback'; at: string; evidence: string }
  | { event: 'ended'; endReason: string; modelCostUsd: number }

/** A test conversation as its ledger kept it: for the page, never for the database. */
export interface TestConversationRecord {
  lines: Array<Pick<TranscriptLine, 'speaker' | 'text' | 'at'>>
  outcome: { outcome: Outcome; evidence: string } | undefined
  summary: StreamSummary | undefined
}

/**
 * The ledger of a test conversation (the dashboard's talk page): the bridge reads and writes
 * through it exactly as through a call's, but it keeps everything in memory and tells the page,
 * so no order, attempt, store write, statistic or spend ever sees the conversation. The stream is
 * let in once: whoever hands it the stream has checked its one-time token (the talk page's
 * socket before it opened, a test call's `start` in testCalls.ts).
 *
 * @example
 * const ledger = testConversationLedger(context, (event) => socket.send(JSON.stringify(event)))
 * new CallBridge({ ...deps, callLedger: ledger }, socket)
 */
export function testConversationLedger(context: CallContext, tell: (event: TalkEvent) => void): CallLedger & { record: TestConversationRecord } {
  const record: TestConversationRecord = { lines: [], outcome: undefined, summary: undefined }
  let admitted = false
  // The page shows the evidence as the store's note would say it, not as it is stored.
  const said = (stored: string) => evidenceText(stored, context.settings.language, context.settings.timezone) ?? ''
  return {
    record,
    async admit(start) {
      if (admitted) return { refused: 'the test conversation has begun already' }
      admitted = true
      // A test call's stream names the call Twilio placed (the bridge hangs it up); the talk page's names none.
      return { context: { ...context, callSid: start.start.callSid || null } }
    },
    async addLine({ speaker, text, at }) {
      record.lines.push({ speaker, text, at })
      tell({ event: 'transcript', speaker, text })
      return true
    },
    async answer(_orderId, outcome, stored) {
      const evidence = said(stored)
      record.outcome = { outcome, evidence }
      tell({ event: 'outcome', outcome, evidence })
    },
    async callBack(_orderId, at, stored) {
      tell({ event: 'callback', at: new Date(at).toISOString(), evidence: said(stored) })
      return true
    },
    async renew() {},
    async end(_call, summary) {
      record.summary = summary
      tell({ event: 'ended', endReason: summary.endReason, modelCostUsd: summary.modelCostUsd })
    },
  }
}
