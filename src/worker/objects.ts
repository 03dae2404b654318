import type { CallObject } from './callObject.js'
import type { CallConfirmObject } from './serviceObject.js'

/** The Worker's bindings (wrangler.example.toml), besides its variables and secrets. */
export interface Env {
  /** The Durable Object that is callconfirm's service: its database and every route but the calls' media streams. */
  CALLCONFIRM: DurableObjectNamespace<CallConfirmObject>
  /** One Durable Object per call, holding its media stream and Realtime socket. */
  CALLS: DurableObjectNamespace<CallObject>
}

/** The one service object every request but a call's media stream reaches, and the Cron Trigger. */
export const serviceOf = (env: Env) => env.CALLCONFIRM.get(env.CALLCONFIRM.idFromName('callconfirm'))

/** A call's own object, named by its attempt. */
export const callObjectOf = (env: Env, attemptId: string) => env.CALLS.get(env.CALLS.idFromName(attemptId))

/** Where a call's media stream comes in: the path ends in its key (calls/streamKey.ts). */
export const STREAM_PATH = '/twilio/media-stream/'
