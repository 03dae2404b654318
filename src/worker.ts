import type { CallConfirmObject } from './worker/serviceObject.js'

export { CallConfirmObject } from './worker/serviceObject.js'

export interface Env {
  /** The Durable Object that is callconfirm (wrangler.example.toml's binding). */
  CALLCONFIRM: DurableObjectNamespace<CallConfirmObject>
}

/** The one object every request and the Cron Trigger reach: the database and the calls live in it. */
const service = (env: Env) => env.CALLCONFIRM.get(env.CALLCONFIRM.idFromName('callconfirm'))

/**
 * callconfirm on Cloudflare Workers: the same routes and contract as the Node service
 * (server.ts), served by its Durable Object; the Cron Trigger runs reconciliation.
 */
export default {
  fetch: (request, env) => service(env).fetch(request),
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(service(env).reconcile())
  },
} satisfies ExportedHandler<Env>
