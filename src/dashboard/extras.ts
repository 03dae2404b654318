import type { Hono } from 'hono'
import type { Child } from 'hono/jsx'
import type { OrderView } from '../orders/views.js'
import type { StoreName } from './pages.js'
import type { DashboardEnv, Viewer } from './session.js'

/** What the dashboard lends the routes added to it. */
export interface DashboardAccess {
  /** The stores this viewer may see: all of them for the operator, their own for a merchant. */
  visibleStores(viewer: Viewer): Promise<StoreName[]>
}

/**
 * What a start of callconfirm may add to the dashboard without the dashboard knowing who adds
 * it: the sandbox mounts its "Place a test order" form and route, and shows a sample order as
 * its simulated store does. Added routes sit behind the dashboard's sign-in, CSRF check and
 * headers, like its own.
 *
 * @example
 * const extras: DashboardExtras = {
 *   overviewSection: (stores) => <p>{stores.length} stores</p>,
 *   routes: ({ visibleStores }) => new Hono<DashboardEnv>().post('/hello', async (c) => c.text(String((await visibleStores(c.var.viewer)).length))),
 * }
 * dashboardRoutes(deps, extras)
 */
export interface DashboardExtras {
  /** A section of the overview, below the outcomes, given the stores the viewer may see. */
  overviewSection?(stores: StoreName[], viewer: Viewer): Child
  /** A section at the end of an order's live part (it refreshes with the call). */
  orderSection?(order: OrderView): Child
  /** Routes of its own at the dashboard's root. */
  routes?(dashboard: DashboardAccess): Hono<DashboardEnv>
}
