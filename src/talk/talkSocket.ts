import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import type { DashboardEnv } from '../dashboard/session.js'
import type { AppDeps } from '../deps.js'
import { findStore } from '../stores/records.js'
import { type BridgeDeps, CallBridge, VOICE_TIMING } from '../voice/callBridge.js'
import type { CallContext } from '../voice/callFacts.js'
import { streamSocket } from '../voice/mediaStreamRoute.js'
import { readStreamMessage } from '../voice/twilioMediaStream.js'
import { ulawMs } from '../voice/twilioPlayout.js'
import { sampleOrderFacts } from './sampleOrder.js'
import type { TestConversations } from './testConversations.js'
import { type TalkEvent, testConversationLedger } from './testLedger.js'

/** A test conversation ends politely here (the bridge's time limit), and its line drops the goodbye's grace later. */
export const TEST_CONVERSATION_MS = 180_000
/** Audio a page may send ahead of the clock (its first frames queue while the socket opens); beyond it, frames are dropped. */
const AUDIO_AHEAD_MS = 2_000

export type TalkSocketDeps = Omit<BridgeDeps, 'callLedger'> & Pick<AppDeps, 'db' | 'storeDefaults' | 'liveStreams'>

/**
 * `GET /talk/socket?token=…` (WebSocket): the talk page's microphone, spoken as a Twilio Media
 * Stream (connected, start, media, dtmf, mark, stop; µ-law at 8 kHz), into a CallBridge like a
 * phone call's. Behind the dashboard's session; the upgrade happens only for the one-time token
 * minted with the page, for this viewer. The bridge writes through a test-conversation ledger
 * (nothing reaches the database, so no store, statistic or spend sees it), there is no phone call
 * to hang up (the bridge closes the socket instead), the store's settings and a sample order are
 * the agent's, one conversation per store at a time, TEST_CONVERSATION_MS at most, and audio
 * faster than real time is dropped, so a page cannot buy model time faster than it talks.
 *
 * @example
 * app.get('/talk/socket', talkSocket(deps, conversations, upgradeWebSocket))
 */
export function talkSocket(
  deps: TalkSocketDeps,
  conversations: TestConversations,
  upgradeWebSocket: UpgradeWebSocket,
): MiddlewareHandler<DashboardEnv> {
  const timing = {
    ...deps.voiceTiming,
    maxConversationMs: Math.min(TEST_CONVERSATION_MS, deps.voiceTiming?.maxConversationMs ?? VOICE_TIMING.maxConversationMs),
  }
  return async (c, next) => {
    const storeId = conversations.spend(c.req.query('token') ?? '', c.var.viewer, deps.now())
    const store = storeId ? await findStore(deps.db, storeId, deps.storeDefaults) : undefined
    if (!store) {
      deps.log.warn('talk socket refused: no valid token', { reqId: c.var.requestId })
      return c.json({ error: { code: 'invalid_token', message: 'open the talk page again' } }, 403)
    }
    const context: CallContext = {
      attemptId: `talk_${crypto.randomUUID()}`,
      orderId: 0,
      callSid: null,
      streamBegun: true,
      settings: store.settings,
      facts: await sampleOrderFacts(deps.db, store),
    }
    const upgrade = upgradeWebSocket(() => {
      let bridge: CallBridge | undefined
      let ended: ((end: Promise<void>) => void) | undefined
      let release: (() => void) | undefined
      let openedAt = 0
      let audioMs = 0
      return {
        onOpen(_event, ws) {
          const socket = streamSocket(ws)
          const tell = (event: TalkEvent | { event: 'refused'; reason: string }) => socket.send(JSON.stringify(event))
          const place = conversations.occupy(store.id)
          if (typeof place === 'string') {
            tell({ event: 'refused', reason: place })
            return socket.close(1013, place)
          }
          release = place
          openedAt = performance.now()
          const ledger = testConversationLedger(context, tell)
          const opened = new CallBridge({ ...deps, voiceTiming: timing, callLedger: ledger }, socket)
          bridge = opened
          ended = deps.liveStreams.opened((why) => opened.cut(why))
          deps.log.info('test conversation began', { storeId: store.id, viewer: c.var.viewer.kind })
        },
        onMessage(event) {
          const text = typeof event.data === 'string' ? event.data : String(event.data)
          const message = readStreamMessage(text)
          if (message.kind === 'audio') {
            const ms = ulawMs(message.payload)
            if (audioMs + ms > performance.now() - openedAt + AUDIO_AHEAD_MS) return
            audioMs += ms
          }
          bridge?.onMessage(text)
        },
        onClose() {
          if (!bridge) return
          ended?.(bridge.onClose().finally(() => release?.()))
        },
      }
    })
    return upgrade(c, next)
  }
}
