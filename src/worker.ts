import { createStreamKeys, type StreamKeys } from './calls/streamKey.js'
import { workerConfig } from './worker/config.js'
import { callObjectOf, type Env, STREAM_PATH, serviceOf } from './worker/objects.js'

export { CallObject } from './worker/callObject.js'
export { CallConfirmObject } from './worker/serviceObject.js'

/** Keys are checked with ENCRYPTION_KEY; read once per isolate. */
let streamKeys: StreamKeys | undefined

/**
 * The call a media stream is for, when its URL carries a key of ours; a stranger's guessed URL
 * reaches no object. Undefined also when the Worker is not configured: the service object then
 * answers why.
 */
function callOfStream(env: Env, path: string): string | undefined {
  try {
    streamKeys ??= createStreamKeys(workerConfig(env).config.encryptionKey)
  } catch {
    return undefined
  }
  return streamKeys.attemptOf(path.slice(STREAM_PATH.length))
}

/**
 * callconfirm on Cloudflare Workers: the same routes and contract as the Node service
 * (server.ts). A call's media stream goes to the call's own object, every other request to the
 * service object; the Cron Trigger runs reconciliation there.
 */
export default {
  fetch(request, env) {
    const { pathname } = new URL(request.url)
    if (!pathname.startsWith(STREAM_PATH)) return serviceOf(env).fetch(request)
    const attemptId = callOfStream(env, pathname)
    if (!attemptId) return serviceOf(env).fetch(request)
    return callObjectOf(env, attemptId).fetch(request)
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(serviceOf(env).reconcile())
  },
} satisfies ExportedHandler<Env>
