import { randomBytes } from 'node:crypto'
import type { Viewer } from '../dashboard/session.js'
import { sameSecret, sha256Hex } from '../utils/digest.js'
import type { CallContext } from '../voice/callFacts.js'
import type { CallLedger } from '../voice/callLedger.js'
import { viewerKey } from './testConversations.js'
import { type TalkEvent, testConversationLedger } from './testLedger.js'

/** A test call whose stream has not begun by then was not answered: its store's place is given back. */
const UNANSWERED_MS = 90_000
/** A finished test call stays readable for its page this long. */
const KEPT_MS = 15 * 60_000
/** Test calls a store may place in a day (each is a real call, paid for). */
export const TEST_CALLS_PER_DAY = 10

/** How a test call stands, for its page. */
export interface TestCallView {
  state: 'ringing' | 'live' | 'ended'
  events: TalkEvent[]
}

interface TestCall {
  attemptId: string
  /** Negative: no order has one, and the bridge names its order in every write. */
  orderId: number
  viewer: string
  tokenHash: string
  ledger: CallLedger
  view: TestCallView
  release: () => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * The "Call me" button's calls: a real call (Twilio, through the dialer's placeCall) to the
 * merchant's own phone, its stream bridged as any call's, but its `start` answered here and its
 * conversation kept in memory (testLedger.ts) for the page to poll. Nothing reaches the database,
 * so no order, attempt, store write, statistic or spend sees it. `ledgerBeside` is the media
 * stream's ledger: the test calls' streams come here, every other one goes to the database's.
 *
 * @example
 * const { attemptId, streamToken } = testCalls.add({ viewer, context, release })
 * await placeCall(client, account, { to, attemptId, streamToken, streamKey: streamKeys.key(attemptId), publicUrl })
 */
export function createTestCalls() {
  const calls = new Map<string, TestCall>()
  const byOrder = new Map<number, TestCall>()
  let lastOrderId = 0
  const placed = new Map<string, { day: number; count: number }>()

  const finish = (call: TestCall) => {
    if (call.view.state === 'ended') return
    call.view.state = 'ended'
    call.release()
    byOrder.delete(call.orderId)
    clearTimeout(call.timer)
    call.timer = setTimeout(() => calls.delete(call.attemptId), KEPT_MS)
    call.timer.unref?.()
  }

  return {
    /** Whether the store may place another test call today (UTC days), counting this one if so. */
    allowToday(storeId: string, now: number): boolean {
      const day = Math.floor(now / 86_400_000)
      const sofar = placed.get(storeId)
      const count = sofar?.day === day ? sofar.count : 0
      if (count >= TEST_CALLS_PER_DAY) return false
      placed.set(storeId, { day, count: count + 1 })
      return true
    },
    /** Registers a call about to be placed, with its stream's one-time token. */
    add(call: { viewer: Viewer; context: Omit<CallContext, 'attemptId' | 'orderId'>; release: () => void }) {
      const attemptId = `talk_${crypto.randomUUID()}`
      const streamToken = randomBytes(24).toString('base64url')
      const orderId = --lastOrderId
      const view: TestCallView = { state: 'ringing', events: [] }
      const context = { ...call.context, attemptId, orderId }
      const ledger = testConversationLedger(context, (event) => view.events.push(event))
      const entry: TestCall = {
        attemptId,
        orderId,
        viewer: viewerKey(call.viewer),
        tokenHash: sha256Hex(streamToken),
        ledger,
        view,
        release: call.release,
        timer: setTimeout(() => finish(entry), UNANSWERED_MS),
      }
      entry.timer.unref?.()
      calls.set(attemptId, entry)
      byOrder.set(orderId, entry)
      return { attemptId, streamToken, drop: () => finish(entry) }
    },
    /** Whether `attemptId` names a test call (its Twilio callbacks are answered here). */
    has: (attemptId: string) => calls.has(attemptId),
    /** Twilio says the call is over (`status`): one that never began, unanswered or busy, ends here. */
    callEnded(attemptId: string, status: string) {
      const call = calls.get(attemptId)
      if (call?.view.state !== 'ringing') return
      call.view.events.push({ event: 'ended', endReason: status, modelCostUsd: 0 })
      finish(call)
    },
    /** The call as its page sees it, for the viewer who placed it. */
    view(attemptId: string, viewer: Viewer): TestCallView | undefined {
      const call = calls.get(attemptId)
      return call && call.viewer === viewerKey(viewer) ? call.view : undefined
    },
    ledgerBeside(local: CallLedger): CallLedger {
      const of = (orderId: number) => (orderId < 0 ? byOrder.get(orderId) : undefined)
      return {
        async admit(start) {
          const { attemptId, token } = start.start.customParameters ?? {}
          const call = attemptId ? calls.get(attemptId) : undefined
          if (!call) return local.admit(start)
          if (!token || call.view.state !== 'ringing' || !sameSecret(sha256Hex(token), call.tokenHash))
            return { refused: 'no test call matches the token' }
          call.view.state = 'live'
          clearTimeout(call.timer)
          return call.ledger.admit(start)
        },
        addLine: (line) => of(line.orderId)?.ledger.addLine(line) ?? local.addLine(line),
        answer: (orderId, ...rest) => of(orderId)?.ledger.answer(orderId, ...rest) ?? local.answer(orderId, ...rest),
        callBack: (orderId, ...rest) => of(orderId)?.ledger.callBack(orderId, ...rest) ?? local.callBack(orderId, ...rest),
        renew: (orderId, now) => of(orderId)?.ledger.renew(orderId, now) ?? local.renew(orderId, now),
        async end(ended, summary, now) {
          const call = of(ended.orderId)
          if (!call) return local.end(ended, summary, now)
          await call.ledger.end(ended, summary, now)
          finish(call)
        },
      }
    },
  }
}

export type TestCalls = ReturnType<typeof createTestCalls>
