import { DurableObject } from 'cloudflare:workers'
import { Hono } from 'hono'
import type { LeaseHolder } from '../calls/outcomes.js'
import { createStreamKeys } from '../calls/streamKey.js'
import { createTwilioClient } from '../calls/twilio.js'
import { withRealtime } from '../serviceParts.js'
import { createLogger, type Logger } from '../utils/log.js'
import type { BridgeDeps } from '../voice/callBridge.js'
import type { CallLedger } from '../voice/callLedger.js'
import { createLiveStreams } from '../voice/liveStreams.js'
import { checkUpgradeSignature, MAX_STREAM_MESSAGE_BYTES, mediaStreamRoute } from '../voice/mediaStreamRoute.js'
import { createRealtimePool, type RealtimePool } from '../voice/realtimePool.js'
import { workerConfig } from './config.js'
import { type Env, STREAM_PATH, serviceOf } from './objects.js'
import { openWorkerRealtimeSocket } from './realtimeSocket.js'
import { workerWebSocketUpgrade } from './upgradeWebSocket.js'

/**
 * The service object's side of a call's ledger (serviceObject.ts's `callLedger`): one method of
 * localCallLedger, run there for this holder.
 */
export type LedgerCall = <K extends keyof CallLedger>(method: K, args: Parameters<CallLedger[K]>) => ReturnType<CallLedger[K]>

/**
 * The call's ledger over RPC, and while its stream is live a heartbeat renewing its lease: no
 * scheduler renews a call's object's leases, and one that stops (a deploy) lets its lease lapse so
 * the service settles the call against Twilio (calls/recovery.ts).
 */
function remoteLedger(call: LedgerCall, holder: LeaseHolder, log: Logger): CallLedger {
  let heartbeat: ReturnType<typeof setInterval> | undefined
  return {
    async admit(start) {
      const admission = await call('admit', [start])
      if ('context' in admission) {
        const { orderId } = admission.context
        heartbeat = setInterval(
          () => call('renew', [orderId, Date.now()]).catch((error) => log.warn('could not renew the call’s lease', { error })),
          holder.leaseMs / 3,
        )
      }
      return admission
    },
    addLine: (...args) => call('addLine', args),
    answer: (...args) => call('answer', args),
    callBack: (...args) => call('callBack', args),
    renew: (...args) => call('renew', args),
    end(...args) {
      clearInterval(heartbeat)
      return call('end', args)
    },
  }
}

interface Bridging {
  app: Hono
  realtimePool: RealtimePool
}

/**
 * One call, in its own Durable Object: it holds the call's Twilio media stream and its OpenAI
 * Realtime socket for the length of the call and runs the same bridge as the Node service, its
 * memory and CPU its own (one object holding every call would cap them, at about 60 concurrent
 * calls in its 128 MB). What the bridge reads and writes goes to the service object, the one
 * database, by RPC (CallLedger); the agent's session is opened here while the phone rings
 * (`prewarm`, from Twilio's `ringing` callback), so the greeting starts at pickup.
 */
export class CallObject extends DurableObject<Env> {
  private bridging: Bridging | undefined
  private configured: ReturnType<typeof workerConfig> | undefined
  private readonly settings = () => (this.configured ??= workerConfig(this.env))

  /** Built once, for the call this object is: its attempt. */
  private bridgingFor(attemptId: string): Bridging {
    if (this.bridging) return this.bridging
    const { config: configured, outside } = this.settings()
    const config = withRealtime(configured, outside.realtime)
    const log = createLogger(config.logLevel)
    const service = serviceOf(this.env)
    // This object holds the call while its stream is live (the lease follows the stream).
    const holder: LeaseHolder = { workerId: `call:${attemptId}`, leaseMs: config.calls.leaseMs }
    const ledgerCall: LedgerCall = (method, args) => service.callLedger(holder, method, args) as never
    const realtimePool = createRealtimePool({
      config,
      loadContext: (id) => service.callContext(id),
      log,
      openSocket: openWorkerRealtimeSocket,
    })
    const deps: BridgeDeps & Parameters<typeof mediaStreamRoute>[0] = {
      config,
      log,
      now: Date.now,
      prices: config.prices,
      // Audio latencies are the Node service's /metrics; here bench:worker measures them (bench/README.md).
      metrics: { frameToModel() {}, frameToCaller() {} },
      twilio: { client: createTwilioClient(outside.twilio), account: outside.twilio },
      realtimePool,
      callLedger: remoteLedger(ledgerCall, holder, log),
      clientAddress: (c) => c.req.header('cf-connecting-ip'),
      liveStreams: createLiveStreams(),
    }
    const app = new Hono().get(
      `${STREAM_PATH}:key`,
      checkUpgradeSignature({ ...deps, config }),
      mediaStreamRoute(deps, workerWebSocketUpgrade(MAX_STREAM_MESSAGE_BYTES)),
    )
    this.bridging = { app: app as unknown as Hono, realtimePool }
    return this.bridging
  }

  /** Twilio's `ringing` for this call: its agent's session opens now. */
  async prewarm(attemptId: string): Promise<void> {
    this.bridgingFor(attemptId).realtimePool.prewarm(attemptId)
  }

  /** The call's media stream (worker.ts routes only streams whose key is ours here). */
  override async fetch(request: Request): Promise<Response> {
    const key = new URL(request.url).pathname.slice(STREAM_PATH.length)
    const attemptId = createStreamKeys(this.settings().config.encryptionKey).attemptOf(key)
    if (!attemptId) return Response.json({ error: { code: 'not_found', message: 'no call streams at this address' } }, { status: 404 })
    return this.bridgingFor(attemptId).app.fetch(request)
  }
}
