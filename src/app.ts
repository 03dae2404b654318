import { sql } from 'drizzle-orm'
import { type Context, Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { type RequestIdVariables, requestId } from 'hono/request-id'
import type { UpgradeWebSocket } from 'hono/ws'
import { connectLinkRoutes } from './admin/connectLinks.js'
import { orderRoutes } from './admin/orders.js'
import { statsRoutes } from './admin/stats.js'
import { storeRoutes } from './admin/stores.js'
import { serviceProblems } from './calls/accountHold.js'
import { requireTwilioSignature, twilioCallbackRoutes } from './calls/callbacks.js'
import { incomingCallRoutes } from './calls/incomingRoutes.js'
import { recordingCallbackRoutes } from './calls/recordingCallbacks.js'
import type { DashboardExtras } from './dashboard/extras.js'
import { dashboardRoutes } from './dashboard/routes.js'
import type { AppDeps } from './deps.js'
import { loggablePath } from './messages/answerLink.js'
import { answerRoutes } from './messages/answerRoutes.js'
import { messageRoutes } from './messages/messageRoutes.js'
import { problemPage } from './pages/layout.js'
import { settingsRoutes } from './settings/routes.js'
import { type InstallRateLimit, installRateLimit } from './stores/installRateLimit.js'
import { platformNamed } from './stores/platforms.js'
import { shopifyAdminEntryRoutes } from './stores/shopify/adminEntry.js'
import { shopifyInstallRoutes } from './stores/shopify/install.js'
import { shopifyWebhookRoutes } from './stores/shopify/webhooks.js'
import { wooConnectRoutes } from './stores/woocommerce/connect.js'
import { wooWebhookRoutes } from './stores/woocommerce/webhooks.js'
import { withTalkPage } from './talk/talkRoutes.js'
import { testCallCallbacks } from './talk/testCallRoutes.js'
import { createTestCalls } from './talk/testCalls.js'
import { ApiError, payloadTooLarge } from './utils/errors.js'
import type { VoiceTiming } from './voice/callBridge.js'
import { checkUpgradeSignature, mediaStreamRoute } from './voice/mediaStreamRoute.js'

export const API_BODY_LIMIT = 256 * 1024
/** Twilio's callbacks and the sign-in, settings and test-order forms are a few KB; no other route takes more. */
export const FORM_BODY_LIMIT = 64 * 1024
/** Routes with a body limit of their own: webhooks (stores/webhookRequest.ts) and the JSON API (below). */
const OWN_BODY_LIMIT = /^\/(webhooks|api)\//

/** Refuses a body over `limit`: a page for a browser's form, the JSON error for anyone else. */
function bodyTooLarge(c: Context, limit: number) {
  if (!c.req.header('accept')?.includes('text/html')) return payloadTooLarge(c, limit)
  c.header('Connection', 'close')
  return problemPage(c, 413, 'That form is too large', `A form sent here can hold at most ${limit / 1024} KiB. Go back and send it with less in it.`)
}

const authError = (code: string, message: string) => ({ message: { error: { code, message } } })

/** What the runtime provides beyond fetch: WebSockets (@hono/node-ws on Node). */
export interface AppRuntime {
  upgradeWebSocket?: UpgradeWebSocket
}

/** What differs between one start of the app and another beyond its deps: tests' timings and limits, the sandbox's pages. */
export interface AppOptions {
  /** Conversation timings other than the defaults (tests shorten them). */
  voiceTiming?: Partial<VoiceTiming>
  /** How many installs one address may begin, other than the default (tests that install many stores). */
  installRateLimit?: Partial<InstallRateLimit>
  /** What the dashboard shows and answers beyond its own pages (the sandbox's test orders). */
  dashboardExtras?: DashboardExtras
}

/**
 * The HTTP application: webhooks, Twilio's callbacks and media stream, the JSON API and health.
 * Runtime-agnostic: everything it touches comes in through `deps` and `runtime` (see
 * service.ts for Node).
 *
 * @example
 * const app = createApp(deps, { upgradeWebSocket }, { voiceTiming: { silenceMs: 1_500 } })
 * serve({ fetch: app.fetch, port: 3000 })
 */
export function createApp(deps: AppDeps, runtime: AppRuntime = {}, options: AppOptions = {}) {
  const app = new Hono<{ Variables: RequestIdVariables }>()

  const adminAuth = bearerAuth({
    token: deps.config.adminToken,
    noAuthenticationHeader: authError('unauthorized', 'send Authorization: Bearer <ADMIN_TOKEN>'),
    invalidAuthenticationHeader: authError('unauthorized', 'the Authorization header must be Bearer <token>'),
    invalidToken: authError('unauthorized', 'the bearer token is not the admin token'),
  })

  app.use(requestId())
  app.use(async (c, next) => {
    const started = performance.now()
    await next()
    // Probes and scrapes (every few seconds) would drown the log; a refused scrape is still logged.
    if (c.req.path === '/healthz' || (c.req.path === '/metrics' && c.res.ok)) return
    // The path only: query strings can carry tokens (OAuth callbacks); an answer link's, without its signature.
    deps.log.info('request', {
      reqId: c.var.requestId,
      method: c.req.method,
      path: loggablePath(c.req.path),
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    })
  })

  // Twilio signs every callback: an unsigned one is refused before any of its body is read.
  app.use('/twilio/status/*', requireTwilioSignature(deps.log))
  app.use('/twilio/amd/*', requireTwilioSignature(deps.log))
  app.use('/twilio/recording-status/*', requireTwilioSignature(deps.log))
  app.use('/twilio/incoming', requireTwilioSignature(deps.log))
  app.use('/twilio/incoming/*', requireTwilioSignature(deps.log))
  app.use('/twilio/messages/*', requireTwilioSignature(deps.log))
  // Every other body has a ceiling, too: hono's bodyLimit refuses by Content-Length before
  // reading, and stops a chunked body once it passes the limit (413, connection closed).
  const formBodyLimit = bodyLimit({ maxSize: FORM_BODY_LIMIT, onError: (c) => bodyTooLarge(c, FORM_BODY_LIMIT) })
  app.use((c, next) => (OWN_BODY_LIMIT.test(c.req.path) ? next() : formBodyLimit(c, next)))

  // Still 200 while something holds the service back (a load balancer must keep routing callbacks
  // and webhooks here): `degraded`, naming the problem as far as a stranger may see it (SECURITY.md).
  app.get('/healthz', async (c) => {
    await deps.db.run(sql`select 1`)
    // Draining (SIGTERM): the calls here run to their end, but new connections belong elsewhere.
    if (deps.draining()) return c.json({ status: 'draining', sandbox: deps.config.sandbox }, 503)
    const problems = serviceProblems(deps.db)
    if (problems.length) return c.json({ status: 'degraded', problems, sandbox: deps.config.sandbox })
    return c.json({ status: 'ok', sandbox: deps.config.sandbox })
  })
  // Prometheus: `authorization: { credentials: <ADMIN_TOKEN> }` in its scrape config.
  app.get('/metrics', adminAuth, async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  )

  // Webhook bodies are size-checked where they are read (stores/webhookRequest.ts).
  // Every answer, errors included (onError has set it by the time next() returns): non-2xx is what dashboards alert on.
  app.use('/webhooks/*', async (c, next) => {
    await next()
    const platform = c.req.path.split('/')[2]
    deps.metrics.webhookAnswered(platformNamed(platform ?? '')?.name ?? 'unknown', c.res.status)
  })
  app.route('/webhooks/shopify', shopifyWebhookRoutes(deps))
  app.route('/webhooks/woocommerce', wooWebhookRoutes(deps))

  // Beginning an install stores a state and needs no account: one budget per client address for both.
  const installStarts = installRateLimit({ clientAddress: deps.clientAddress, limits: options.installRateLimit })
  app.use('/shopify/install', installStarts)
  app.use('/woocommerce/connect', installStarts)
  app.route('/shopify', shopifyInstallRoutes(deps))
  app.route('/shopify', shopifyAdminEntryRoutes(deps))
  app.route('/woocommerce', wooConnectRoutes(deps))
  app.route('/settings', settingsRoutes(deps))
  // The page an SMS links to when WhatsApp cannot reach a customer: no login, its token is the key.
  app.route('/a', answerRoutes(deps))

  // The talk page's "Call me" calls: their callbacks and streams come in with every other call's, and are answered in memory.
  const testCalls = createTestCalls()
  app.use('/twilio/status/*', testCallCallbacks(testCalls))
  app.use('/twilio/amd/*', testCallCallbacks(testCalls))
  app.route('/twilio', twilioCallbackRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
  app.route('/twilio', recordingCallbackRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
  app.route('/twilio', incomingCallRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
  app.route('/twilio/messages', messageRoutes({ ...deps, publicUrl: deps.config.publicUrl }))
  if (runtime.upgradeWebSocket)
    app.get(
      // With the call's key (streamKey.ts), as the TwiML gives it, or without (streams of calls placed before it was added).
      '/twilio/media-stream/:key?',
      checkUpgradeSignature(deps),
      mediaStreamRoute({ ...deps, callLedger: testCalls.ledgerBeside(deps.callLedger), voiceTiming: options.voiceTiming }, runtime.upgradeWebSocket),
    )

  app.use('/api/*', adminAuth, bodyLimit({ maxSize: API_BODY_LIMIT, onError: (c) => payloadTooLarge(c, API_BODY_LIMIT) }))
  app.route('/api/stores', storeRoutes(deps))
  app.route('/api/connect-links', connectLinkRoutes(deps))
  app.route('/api/orders', orderRoutes(deps))
  app.route('/api/stats', statsRoutes(deps))

  app.route(
    '/',
    dashboardRoutes(
      deps,
      withTalkPage(
        options.dashboardExtras,
        { ...deps, voiceTiming: options.voiceTiming, publicUrl: deps.config.publicUrl, testCalls },
        runtime.upgradeWebSocket,
      ),
    ),
  )

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404))
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status)
    if (err instanceof HTTPException) return err.getResponse()
    deps.log.error('request failed', { reqId: c.var.requestId, path: loggablePath(c.req.path), error: err })
    return c.json({ error: { code: 'internal_error', message: 'something went wrong on our side', requestId: c.var.requestId } }, 500)
  })
  return app
}
