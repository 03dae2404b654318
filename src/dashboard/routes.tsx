import { eq } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import { type Context, Hono } from 'hono'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { currentHold } from '../calls/accountHold.js'
import { orders as ordersTable, stores as storesTable } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { evidenceText, pageTranslator } from '../i18n/index.js'
import { listOrders, orderView, storeHolds } from '../orders/views.js'
import { framedPolicy, pagePolicy } from '../pages/embedded.js'
import { operatorLanguage, PageWords, pageAt, pageLanguage } from '../pages/language.js'
import { problemPage } from '../pages/layout.js'
import { storeForLink } from '../settings/openLink.js'
import { findStore, storeDailyCallLimit, toStore } from '../stores/records.js'
import { withoutStoreWords } from '../stores/writeBackError.js'
import { ApiError } from '../utils/errors.js'
import { formBody } from '../utils/formBody.js'
import { localPath } from '../utils/localPath.js'
import { keepFrame, openedInAdmin } from './embeddedSession.js'
import type { DashboardExtras } from './extras.js'
import { OverviewRefresh } from './overviewRefresh.js'
import {
  ConfirmationChannels,
  DashboardPage,
  DayChart,
  Filters,
  HeldBackNotices,
  LoginPage,
  OrderLive,
  OrderPage,
  OrdersTable,
  OutcomeTable,
  ServiceHoldBanner,
  StatCards,
  type StoreName,
} from './pages.js'
import { recordingRoutes } from './recordingRoutes.js'
import { type ActionOutcome, actOnVisibleOrder, orderPageActions, type ReviewRouteDeps, reviewRoutes } from './reviewRoutes.js'
import { createDashboardSessions, type DashboardEnv, frameOf, OPERATOR_SESSION_MS, type Viewer } from './session.js'
import { callStats, statsPeriod } from './stats.js'
import { type StoreControlRouteDeps, storeControlRoutes } from './storesPage.js'

/**
 * The dashboard: what the calls are doing, for the operator (signed in with ADMIN_TOKEN) and for
 * a merchant (their store only, opened from their settings page). Server-rendered; the one script
 * is the order page's live refresh while a call is on. `extras` adds sections and routes (the
 * sandbox's test orders) behind the same sign-in.
 *
 * @example
 * app.route('/', dashboardRoutes(deps, testOrderExtras(sampleStores)))
 */
export function dashboardRoutes(
  deps: Pick<AppDeps, 'config' | 'db' | 'storeDefaults' | 'settingsLinks' | 'log' | 'now' | 'twilio' | 'shopify'> &
    StoreControlRouteDeps &
    ReviewRouteDeps,
  extras: DashboardExtras = {},
) {
  const sessions = createDashboardSessions({
    adminToken: deps.config.adminToken,
    encryptionKey: deps.config.encryptionKey,
    secure: deps.config.publicUrl.startsWith('https://'),
    now: deps.now,
    linkVersion: async (storeId) => (await findStore(deps.db, storeId, deps.storeDefaults))?.linkVersion,
  })
  const app = new Hono<DashboardEnv>()
  // Built now so that their paths get the same checks as the dashboard's own, below.
  const extraRoutes = extras.routes?.({ visibleStores: (viewer) => visibleStores(viewer) })
  const extraPaths = [...new Set(extraRoutes?.routes.map((r) => r.path))]

  // Mounted at the root beside the API and webhooks, so each route names what it needs rather
  // than a catch-all that would also answer their unknown paths.
  const PATHS = ['/', '/login', '/logout', '/enter', '/orders', '/orders/*', '/stores', '/stores/*', '/review', '/your-settings', ...extraPaths]
  for (const path of PATHS)
    app.use(path, csrf(), async (c, next) => {
      await next()
      c.header('Cache-Control', 'no-store')
      c.header('Referrer-Policy', 'no-referrer')
      const frame = frameOf(c.get('viewer'))
      if (!frame) return void c.header('X-Frame-Options', 'DENY')
      // Inside the Shopify admin: framed by the shop's admin alone, App Bridge's script allowed, and a redirect stays in the admin.
      c.header('Content-Security-Policy', framedPolicy(frame, deps.shopify.embedding))
      keepFrame(c.res, frame, deps.config.publicUrl)
    })

  /** The merchant inside their Shopify admin (App Bridge's session token), or the dashboard's own sign-in. */
  const signedIn: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const opened = await openedInAdmin(c, deps)
    if (opened.kind === 'outside') return sessions.required(c, next)
    if (opened.kind === 'bounce') return c.redirect(opened.location, 302)
    if (opened.kind === 'refused') {
      const lang = operatorLanguage(c)
      const { t } = pageTranslator(lang)
      c.header('X-Shopify-Retry-Invalid-Session-Request', '1')
      return problemPage(c, 401, t('embedded.refused'), t(opened.why === 'store' ? 'embedded.notInstalled' : 'embedded.openAgain'), undefined, lang)
    }
    c.set('viewer', { ...opened.viewer, frame: opened.frame })
    await next()
  }

  app.get('/login', (c) => c.html(<LoginPage next={localPath(c.req.query('next'))} lang={operatorLanguage(c)} />))
  app.post('/login', async (c) => {
    const form = await formBody(c)
    const next = localPath(form.next)
    if (typeof form.token !== 'string' || !sessions.isAdminToken(form.token)) {
      deps.log.warn('dashboard sign-in refused')
      c.status(401)
      return c.html(<LoginPage next={next} wrong lang={operatorLanguage(c)} />)
    }
    await sessions.start(c, { kind: 'operator' }, deps.now() + OPERATOR_SESSION_MS)
    return c.redirect(next, 303)
  })
  app.post('/logout', (c) => {
    sessions.end(c)
    return c.redirect('/login', 303)
  })
  // A merchant's way in: the signed link on their settings page opens their store's dashboard.
  app.get('/enter', async (c) => {
    const link = await storeForLink(deps, c.req.query('t') ?? '')
    if (!link.ok) {
      const lang = operatorLanguage(c)
      const { t } = pageTranslator(lang)
      const why = link.reason === 'invalid' ? t('problem.linkInvalid') : t('problem.linkExpired')
      return problemPage(c, 401, t('problem.linkBroken'), why, undefined, lang)
    }
    await sessions.start(c, { kind: 'merchant', storeId: link.store.id, linkVersion: link.store.linkVersion }, link.expiresAt)
    return c.redirect(localPath(c.req.query('next')), 303)
  })

  for (const path of ['/', '/orders', '/orders/*', '/stores', '/stores/*', '/review', '/your-settings', ...extraPaths])
    app.use(path, signedIn, async (c, next) => {
      // A merchant's pages speak their store's language; the operator's, their browser's; the switch overrides either.
      const viewer = c.var.viewer
      const store = viewer.kind === 'merchant' ? await findStore(deps.db, viewer.storeId, deps.storeDefaults) : undefined
      c.set('pageLanguage', store ? pageLanguage(c, store.settings.language) : operatorLanguage(c))
      await next()
    })
  app.route('/stores', storeControlRoutes(deps))

  /** The stores this viewer may see, by name. */
  const visibleStores = async (viewer: Viewer): Promise<StoreName[]> => {
    const rows = await deps.db.select().from(storesTable).all()
    return rows
      .filter((r) => viewer.kind === 'operator' || r.id === viewer.storeId)
      .map((r) => {
        const { settings } = toStore(r, deps.storeDefaults)
        return {
          id: r.id,
          platform: r.platform,
          domain: r.domain,
          name: settings.companyName,
          timezone: settings.timezone,
          language: settings.language,
          dailyCallLimit: storeDailyCallLimit(r, deps.config.limits.storeDailyCalls),
        }
      })
  }
  app.route('/', reviewRoutes(deps, { visibleStores }))

  /** The query with a merchant held to their own store. */
  const scoped = (c: Context<DashboardEnv>) => {
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const viewer = c.var.viewer
    return viewer.kind === 'merchant' ? { ...query, storeId: viewer.storeId } : query
  }

  app.get('/', async (c) => {
    const viewer = c.var.viewer
    const query = scoped(c)
    const stores = await visibleStores(viewer)
    const stats = await callStats(deps.db, statsPeriod(pick(query, ['storeId', 'from', 'to']), deps.now()))
    const recent = await listOrders(deps.db, { ...pick(query, ['storeId', 'from', 'to']), limit: '10' })
    const holds = await storeHolds(deps.db, query.storeId)
    const frame = pageAt(c)
    const { t } = pageTranslator(frame.lang)
    // The period is counted in UTC days (stats.ts); it says so.
    const period = { from: stats.from.slice(0, 10), to: stats.to.slice(0, 10) }
    return c.html(
      <DashboardPage title={t('frame.overview')} viewer={viewer} {...frame}>
        <h1>{t('frame.overview')}</h1>
        <ServiceHoldBanner hold={currentHold(deps.db)} viewer={viewer} />
        <HeldBackNotices holds={holds} stores={stores} viewer={viewer} />
        <Filters action="/" stores={stores} viewer={viewer} query={query} />
        <p class="hint">{t('overview.periodUtc', period)}</p>
        <StatCards stats={stats} />
        <DayChart days={stats.days} />
        <h2>{t('overview.outcomes')}</h2>
        <OutcomeTable stats={stats} query={query} />
        <h2>{t('overview.confirmedBy')}</h2>
        <p class="hint">{t('overview.confirmedByHint')}</p>
        <ConfirmationChannels stats={stats} />
        {extras.overviewSection?.(stores, viewer)}
        <h2>{t('overview.latest')}</h2>
        <OrdersTable orders={recent.orders} stores={stores} />
        <OverviewRefresh nonce={scriptNonce(c)} />
      </DashboardPage>,
    )
  })

  app.get('/orders', async (c) => {
    const viewer = c.var.viewer
    const query = scoped(c)
    const stores = await visibleStores(viewer)
    const page = await listOrders(deps.db, { ...pick(query, ['storeId', 'outcome', 'from', 'to', 'cursor']), limit: '50' })
    const more = page.nextCursor
      ? `/orders?${new URLSearchParams({ ...pick(query, ['storeId', 'outcome', 'from', 'to']), cursor: page.nextCursor })}`
      : undefined
    const frame = pageAt(c)
    const { t } = pageTranslator(frame.lang)
    return c.html(
      <DashboardPage title={t('frame.calls')} viewer={viewer} {...frame}>
        <h1>{t('frame.calls')}</h1>
        <ServiceHoldBanner hold={currentHold(deps.db)} viewer={viewer} />
        <Filters action="/orders" stores={stores} viewer={viewer} query={query} outcome />
        <OrdersTable orders={page.orders} stores={stores} />
        {more && (
          <p>
            <a href={more}>{t('overview.olderOrders')}</a>
          </p>
        )}
      </DashboardPage>,
    )
  })

  /** The order, if this viewer may see it. */
  const visibleOrder = async (c: Context<DashboardEnv>) => {
    const id = Number(c.req.param('id'))
    const order = Number.isSafeInteger(id) && id > 0 ? await orderView(deps.db, id).catch(() => undefined) : undefined
    const viewer = c.var.viewer
    if (!order || (viewer.kind === 'merchant' && order.storeId !== viewer.storeId))
      throw new ApiError(404, 'order_not_found', `no order ${c.req.param('id')}`)
    // What the store's address answered is for the operator's eyes only (writeBackError.ts).
    if (viewer.kind === 'merchant')
      order.storeWrites = order.storeWrites.map((w) => ({ ...w, lastError: w.lastError && withoutStoreWords(w.lastError) }))
    // The view's evidence is the API's English; the page says it from the same facts in its own language.
    const stored = await deps.db.select({ evidence: ordersTable.evidence }).from(ordersTable).where(eq(ordersTable.id, id)).get()
    const store = (await visibleStores(viewer)).find((s) => s.id === order.storeId)
    order.evidence = evidenceText(stored?.evidence ?? null, c.var.pageLanguage, store?.timezone ?? 'UTC') ?? order.evidence
    return { order, extra: extras.orderSection?.(order) }
  }

  /** The order's page; after an action on it, saying what the action did. */
  const orderPage = async (c: Context<DashboardEnv>, outcome?: ActionOutcome) => {
    const { order, extra } = await visibleOrder(c)
    const store = (await visibleStores(c.var.viewer)).find((s) => s.id === order.storeId)
    const nonce = scriptNonce(c)
    if (outcome) c.status(outcome.status)
    const actions = orderPageActions(order, store, outcome)
    return c.html(
      <OrderPage order={order} store={store} extra={extra} now={deps.now()} viewer={c.var.viewer} nonce={nonce} actions={actions} {...pageAt(c)} />,
    )
  }
  app.get('/orders/:id', (c) => orderPage(c))
  app.post('/orders/:id', async (c) => {
    const stores = await visibleStores(c.var.viewer)
    const form = await formBody(c)
    return orderPage(c, await actOnVisibleOrder(deps, c, Number(c.req.param('id')), form, (id) => stores.find((s) => s.id === id)))
  })
  app.get('/orders/:id/live', async (c) => {
    const { order, extra } = await visibleOrder(c)
    const store = (await visibleStores(c.var.viewer)).find((s) => s.id === order.storeId)
    return c.html(
      <PageWords.Provider value={pageTranslator(c.var.pageLanguage)}>
        <OrderLive order={order} store={store} extra={extra} now={deps.now()} />
      </PageWords.Provider>,
    )
  })
  app.route('/', recordingRoutes(deps, visibleOrder))

  if (extraRoutes) app.route('/', extraRoutes)

  app.onError((err, c) => {
    const { lang } = pageAt(c)
    const { t } = pageTranslator(lang)
    // The message is the error's own (English, as the API gives it); the page around it is in the page's language.
    if (err instanceof ApiError)
      return problemPage(c, err.status, err.status === 404 ? t('problem.notFound') : t('problem.didNotWork'), err.message, '/', lang)
    // hono's own refusals (the CSRF check's 403, a body over the limit) are the client's, not ours.
    if (err instanceof HTTPException && err.status < 500)
      return problemPage(c, err.status as ContentfulStatusCode, t('problem.didNotWork'), err.message || t('problem.refused'), '/', lang)
    deps.log.error('dashboard page failed', { path: c.req.path, error: err })
    return problemPage(c, 500, t('problem.wentWrong'), t('problem.wentWrongText'), '/', lang)
  })
  return app
}

/**
 * The nonce for the page's inline script, and the policy that lets only that script run. Inside
 * the Shopify admin the page has one already (App Bridge's script runs under it) and its policy.
 */
function scriptNonce(c: Context<DashboardEnv>): string {
  const frame = frameOf(c.var.viewer)
  if (frame) return frame.nonce
  const nonce = crypto.randomUUID()
  c.header('Content-Security-Policy', pagePolicy(nonce))
  return nonce
}

function pick(query: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([k]) => keys.includes(k)))
}
