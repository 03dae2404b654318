import { inArray } from 'drizzle-orm'
import { type Context, Hono } from 'hono'
import { orders } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { maskPhone } from '../domain/phone.js'
import { pageTranslator } from '../i18n/index.js'
import { actOnOrder, BULK_ACTIONS, type OrderActionDeps, type OrderRow } from '../orders/orderActions.js'
import { reviewQueue } from '../orders/reviewQueue.js'
import type { OrderView } from '../orders/views.js'
import { pageAt } from '../pages/language.js'
import { findStore, type Store } from '../stores/records.js'
import { withoutStoreWords } from '../stores/writeBackError.js'
import { ApiError } from '../utils/errors.js'
import type { FormBody } from '../utils/formBody.js'
import { formBody } from '../utils/formBody.js'
import type { DashboardAccess } from './extras.js'
import { type ActionableOrder, type ActionFeedback, actionInput, actionOf, bulkFeedback, feedbackFor, OrderActionsPanel } from './orderActions.js'
import type { StoreName } from './pages.js'
import { ReviewPage } from './reviewPage.js'
import type { DashboardEnv, Viewer } from './session.js'

export type ReviewRouteDeps = OrderActionDeps & Pick<AppDeps, 'storeDefaults' | 'settingsLinks'>

/** Orders shown in the queue at once; older ones are a link away. */
const QUEUE_PAGE = 100
/** Orders one bulk action takes: a page of the queue. */
const MAX_BULK = QUEUE_PAGE

/** What an action on an order answers: what the page says, the number shown if one was asked for, and the status. */
export interface ActionOutcome {
  feedback: ActionFeedback
  shownPhone?: string | undefined
  status: 200 | 400 | 409
}

/** The orders with these ids that the viewer may act on, with their stores; a 404 if any is not theirs or not there. */
async function visibleTargets(deps: ReviewRouteDeps, viewer: Viewer, ids: number[]): Promise<Array<{ order: OrderRow; store: Store }>> {
  const rows = ids.length ? await deps.db.select().from(orders).where(inArray(orders.id, ids)).all() : []
  const mine = rows.filter((o) => viewer.kind === 'operator' || o.storeId === viewer.storeId)
  // Another store's order is answered as one that does not exist, as its page is.
  if (mine.length !== ids.length) throw new ApiError(404, 'order_not_found', 'There is no such order.')
  const stores = new Map<string, Store | undefined>()
  for (const o of mine) if (!stores.has(o.storeId)) stores.set(o.storeId, await findStore(deps.db, o.storeId, deps.storeDefaults))
  return ids.map((id) => {
    const order = mine.find((o) => o.id === id)!
    const store = stores.get(order.storeId)
    if (!store) throw new ApiError(404, 'store_not_found', 'The order’s store is no longer in callconfirm.')
    return { order, store }
  })
}

/** Order ids as a form sends them (`order`, or the bulk form's `orders`), each a positive whole number. */
function idsIn(value: FormBody[string] | undefined): number[] {
  const values = (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => (typeof v === 'string' ? Number(v) : Number.NaN))
  if (values.some((id) => !Number.isSafeInteger(id) || id < 1)) throw new ApiError(404, 'order_not_found', 'There is no such order.')
  return [...new Set(values)]
}

/**
 * Carries out what a form asks of one order the viewer may see: an action (orders/orderActions.ts)
 * or showing its number, which is logged as an access to it, with the number masked.
 */
export async function actOnVisibleOrder(
  deps: ReviewRouteDeps,
  c: Context<DashboardEnv>,
  orderId: number,
  form: FormBody,
  storeName: (storeId: string) => StoreName | undefined,
): Promise<ActionOutcome> {
  const viewer = c.var.viewer
  const [target] = await visibleTargets(deps, viewer, [orderId])
  const { order } = target!
  const tr = pageTranslator(c.var.pageLanguage)
  const action = actionOf(form)
  if (!action) return { feedback: { problem: tr.t('refusal.notAnAction') }, status: 400 }
  if (action === 'show_phone') {
    if (!order.phone) return { feedback: { problem: tr.t('refusal.noPhoneToShow', { name: order.name }) }, status: 409 }
    deps.log.info('customer phone number shown on the dashboard', {
      reqId: c.var.requestId,
      orderId: order.id,
      storeId: order.storeId,
      by: viewer.kind,
      phone: maskPhone(order.phone),
    })
    return { feedback: {}, shownPhone: order.phone, status: 200 }
  }
  const result = await actOnOrder(deps, { ...target!, by: viewer.kind }, action, actionInput(form))
  return { feedback: feedbackFor(result, order, storeName(order.storeId), tr), status: result.ok ? 200 : result.status }
}

/** The order page's controls, from the order as its page shows it. */
export function orderPageActions(order: OrderView, store: StoreName | undefined, outcome: Partial<ActionOutcome> = {}) {
  const shape: ActionableOrder = { ...order, writeFailed: order.storeWrites.at(-1)?.status === 'failed' }
  return <OrderActionsPanel order={shape} store={store} feedback={outcome.feedback ?? {}} shownPhone={outcome.shownPhone} />
}

/**
 * `/review`, the review queue, and its actions (one order, or the selected ones: call again, mark
 * confirmed or cancelled); `/your-settings`, a merchant's way to their settings page (a fresh
 * settings link, made here). Mounted by dashboardRoutes behind its session and CSRF checks.
 */
export function reviewRoutes(deps: ReviewRouteDeps, dashboard: DashboardAccess) {
  const app = new Hono<DashboardEnv>()

  async function queuePage(c: Context<DashboardEnv>, outcome: Partial<ActionOutcome> & { shownFor?: number } = {}) {
    const viewer = c.var.viewer
    const stores = await dashboard.visibleStores(viewer)
    const before = Number(c.req.query('before')) || undefined
    const storeId = viewer.kind === 'merchant' ? viewer.storeId : c.req.query('storeId') || undefined
    const { lines, nextCursor } = await reviewQueue(deps.db, { storeId, limit: QUEUE_PAGE, before })
    // What the store's address answered is for the operator's eyes only (writeBackError.ts).
    const shown = viewer.kind === 'merchant' ? lines.map((l) => ({ ...l, writeError: l.writeError && withoutStoreWords(l.writeError) })) : lines
    const more = nextCursor ? `/review?${new URLSearchParams({ ...(storeId && { storeId }), before: String(nextCursor) })}` : undefined
    const phone = outcome.shownPhone && outcome.shownFor !== undefined ? { orderId: outcome.shownFor, phone: outcome.shownPhone } : undefined
    c.status(outcome.status ?? 200)
    return c.html(
      <ReviewPage {...pageAt(c)} viewer={viewer} stores={stores} lines={shown} more={more} feedback={outcome.feedback ?? {}} shown={phone} />,
    )
  }

  app.get('/review', (c) => queuePage(c))

  app.post('/review', async (c) => {
    const form = await formBody(c, { all: true })
    const stores = await dashboard.visibleStores(c.var.viewer)
    const storeName = (id: string) => stores.find((s) => s.id === id)
    const single = idsIn(form.order)
    if (single.length === 1) {
      const outcome = await actOnVisibleOrder(deps, c, single[0]!, form, storeName)
      return queuePage(c, { ...outcome, shownFor: single[0] })
    }
    const action = BULK_ACTIONS.find((a) => a === form.do)
    const ids = idsIn(form.orders)
    const tr = pageTranslator(c.var.pageLanguage)
    const formProblem = (problem: string) => queuePage(c, { feedback: { problem }, status: 400 })
    if (!action) return formProblem(tr.t('refusal.chooseAction'))
    if (!ids.length) return formProblem(tr.t('refusal.selectFirst'))
    if (ids.length > MAX_BULK) return formProblem(tr.t('refusal.tooMany', { max: MAX_BULK }))
    // Every selected order must be the viewer's before any is touched.
    const targets = await visibleTargets(deps, c.var.viewer, ids)
    const results = []
    for (const target of targets) {
      const result = await actOnOrder(deps, { ...target, by: c.var.viewer.kind }, action, {})
      results.push({ result, feedback: feedbackFor(result, target.order, storeName(target.order.storeId), tr) })
    }
    const anyDone = results.some((r) => r.result.ok)
    return queuePage(c, { feedback: bulkFeedback(results.map((r) => r.feedback)), status: anyDone ? 200 : 409 })
  })

  app.get('/your-settings', async (c) => {
    const viewer = c.var.viewer
    // The operator opens each store's settings from the Stores page.
    if (viewer.kind === 'operator') return c.redirect('/stores', 303)
    const store = await findStore(deps.db, viewer.storeId, deps.storeDefaults)
    if (!store) throw new ApiError(404, 'store_not_found', 'Your store is no longer in callconfirm.')
    deps.log.info('settings opened from the dashboard', { reqId: c.var.requestId, storeId: store.id })
    return c.redirect(deps.settingsLinks.link(store, deps.now()).url, 303)
  })

  return app
}
