import { Hono } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import type { DashboardAccess, DashboardExtras } from '../dashboard/extras.js'
import type { DashboardEnv } from '../dashboard/session.js'
import type { AppDeps } from '../deps.js'
import { pageAt } from '../pages/language.js'
import { findStore } from '../stores/records.js'
import { ApiError } from '../utils/errors.js'
import { CAPTURE_WORKLET } from './browserAudio.js'
import { sampleOrderFacts } from './sampleOrder.js'
import { TalkLink, TalkPage, TalkStoreChoice } from './talkPage.js'
import { TEST_CONVERSATION_MS, talkSocket } from './talkSocket.js'
import { type TestCallDeps, testCallRoutes } from './testCallRoutes.js'
import { TEST_CALLS_PER_DAY } from './testCalls.js'
import { createTestConversations } from './testConversations.js'

/**
 * `/talk`: the talk-to-your-agent page (`?store=` the store; a merchant's own, or the operator's
 * choice; `&call=` a test call it placed), its AudioWorklet (`/talk/capture.js`), its socket
 * (`/talk/socket`) and its "Call me" (`/talk/call`, testCallRoutes.ts). Behind the
 * dashboard's session, CSRF check and headers, as the dashboard's routes it is added to.
 *
 * @example
 * app.route('/talk', talkRoutes(deps, access, upgradeWebSocket))
 */
export function talkRoutes(deps: TalkDeps, access: DashboardAccess, upgradeWebSocket: UpgradeWebSocket) {
  const conversations = createTestConversations()
  const app = new Hono<DashboardEnv>()

  // The Shopify admin's frame is not granted the microphone, so from there the page opens in a tab
  // of its own, where no session of ours is yet: a settings link's token starts one (/enter).
  app.post('/outside', async (c) => {
    const viewer = c.var.viewer
    const store = viewer.kind === 'merchant' ? await findStore(deps.db, viewer.storeId, deps.storeDefaults) : undefined
    if (!store) return c.redirect('/talk', 303)
    return c.redirect(deps.settingsLinks.enterPath(store, `/talk?store=${store.id}`, deps.now() + OUTSIDE_SESSION_MS), 303)
  })

  app.get('/', async (c) => {
    const viewer = c.var.viewer
    const stores = await access.visibleStores(viewer)
    const asked = c.req.query('store') ?? (viewer.kind === 'merchant' ? viewer.storeId : undefined)
    if (!asked) return c.html(<TalkStoreChoice stores={stores} viewer={viewer} {...pageAt(c)} />)
    const shown = stores.find((s) => s.id === asked)
    const store = shown && (await findStore(deps.db, shown.id, deps.storeDefaults))
    if (!shown || !store) throw new ApiError(404, 'store_not_found', 'There is no such store.')
    const token = conversations.mint(viewer, store.id, deps.now())
    const call = c.req.query('call')
    const nonce = crypto.randomUUID()
    // The worklet is a module of this site ('self'); the socket is this site's too.
    c.header(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}' 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    )
    return c.html(
      <TalkPage
        store={shown}
        facts={await sampleOrderFacts(deps.db, store)}
        socketPath={`/talk/socket?token=${token}`}
        callPath={call ? `/talk/calls/${encodeURIComponent(call)}` : undefined}
        callsPerDay={TEST_CALLS_PER_DAY}
        viewer={viewer}
        {...pageAt(c)}
        nonce={nonce}
        minutes={TEST_CONVERSATION_MS / 60_000}
      />,
    )
  })
  app.get('/capture.js', (c) => c.body(CAPTURE_WORKLET, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
  app.get('/socket', talkSocket(deps, conversations, upgradeWebSocket))
  app.route('/', testCallRoutes(deps, conversations, access))
  return app
}

/** What the talk page takes: the test calls' and, for a merchant coming from their Shopify admin, the settings links. */
type TalkDeps = TestCallDeps & Pick<AppDeps, 'settingsLinks'>
/** How long the session of a talk page opened from the Shopify admin lasts. */
const OUTSIDE_SESSION_MS = 3600_000

/**
 * The dashboard's extras with the talk page added: its routes beside theirs, its link on the
 * overview. Without WebSockets (a runtime that bridges streams elsewhere) the extras are as given.
 *
 * @example
 * dashboardRoutes(deps, withTalkPage(options.dashboardExtras, deps, runtime.upgradeWebSocket))
 */
export function withTalkPage(extras: DashboardExtras | undefined, deps: TalkDeps, upgradeWebSocket: UpgradeWebSocket | undefined): DashboardExtras {
  if (!upgradeWebSocket) return extras ?? {}
  return {
    ...extras,
    overviewSection: (stores, viewer) => (
      <>
        {extras?.overviewSection?.(stores, viewer)}
        <TalkLink stores={stores} viewer={viewer} />
      </>
    ),
    routes(access) {
      const app = new Hono<DashboardEnv>()
      const theirs = extras?.routes?.(access)
      if (theirs) app.route('/', theirs)
      return app.route('/talk', talkRoutes(deps, access, upgradeWebSocket))
    },
  }
}
