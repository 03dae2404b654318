import type { Config } from '../config.js'
import type { Logger } from '../utils/log.js'
import { type AgentSession, openAgentSession } from './agentSession.js'
import type { CallContext } from './callFacts.js'
import type { OpenRealtimeSocket } from './realtimeSocket.js'

export interface RealtimePool {
  /** Opens the call's session now, while the phone rings, so the greeting can start at pickup. */
  prewarm(attemptId: string): void
  /** The session opened for this attempt, if there is one (each is taken once). */
  take(attemptId: string): Promise<AgentSession | undefined>
  /** Opens a session now, for a call that found none waiting. */
  open(context: CallContext): Promise<AgentSession>
  close(): void
}

/** A session nobody took (the call went unanswered) is closed after this. */
const UNCLAIMED_MS = 90_000

/**
 * Sessions opened ahead of their calls. Opening and configuring a Realtime session takes a few
 * hundred milliseconds; done on Twilio's `ringing` callback, it is over before the customer picks
 * up. A session that failed to open is simply not there, and the bridge opens one itself.
 */
export function createRealtimePool(deps: {
  config: Pick<Config, 'openai'>
  /** The call's facts, from its attempt (callFacts.ts's loadCallContext, wherever the database is). */
  loadContext: (attemptId: string) => Promise<CallContext | undefined>
  log: Logger
  /** The runtime's way to open the socket (realtimeSocket.ts). */
  openSocket: OpenRealtimeSocket
}): RealtimePool {
  const open = (context: CallContext) => openAgentSession(deps.config, context, context.settings.voice, deps.openSocket)
  const waiting = new Map<string, { session: Promise<AgentSession | undefined>; timer: ReturnType<typeof setTimeout> }>()
  const discard = (session: Promise<AgentSession | undefined>) => void session.then((s) => s?.connection.close())

  return {
    prewarm(attemptId) {
      if (waiting.has(attemptId)) return
      let orderId: number | undefined
      const session = (async () => {
        const context = await deps.loadContext(attemptId)
        // Twilio's `ringing` can arrive after pickup: the call has opened its own session by then.
        if (!context || context.streamBegun) return undefined
        orderId = context.orderId
        const opened = await open(context)
        // A session that never became ready is closed here: nobody else holds it.
        await opened.ready.catch((error) => {
          opened.connection.close()
          throw error
        })
        return opened
      })().catch((error) => {
        deps.log.warn('could not open the agent ahead of the call; the call will open it', { callId: attemptId, orderId, error })
        return undefined
      })
      const timer = setTimeout(() => {
        waiting.delete(attemptId)
        discard(session)
      }, UNCLAIMED_MS)
      timer.unref?.()
      waiting.set(attemptId, { session, timer })
    },
    open,
    async take(attemptId) {
      const entry = waiting.get(attemptId)
      if (!entry) return undefined
      waiting.delete(attemptId)
      clearTimeout(entry.timer)
      const session = await entry.session
      return session?.connection.open ? session : undefined
    },
    close() {
      for (const [id, entry] of waiting) {
        clearTimeout(entry.timer)
        discard(entry.session)
        waiting.delete(id)
      }
    },
  }
}
