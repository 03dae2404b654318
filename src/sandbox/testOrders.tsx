import { Hono } from 'hono'
import type { DashboardExtras } from '../dashboard/extras.js'
import type { StoreName } from '../dashboard/pages.js'
import type { DashboardEnv } from '../dashboard/session.js'
import { problemPage } from '../pages/layout.js'
import { platformOf } from '../stores/platforms.js'
import { formBody } from '../utils/formBody.js'
import { BEHAVIOURS, CUSTOMER_BEHAVIOURS, type CustomerBehaviour } from './customers.js'
import type { SandboxStores, StoreSideOrder } from './sampleStores.js'

function TestOrderForm(props: { stores: StoreName[] }) {
  return (
    <section>
      <h2>Place a test order</h2>
      <p class="hint">Sandbox: a simulated customer orders in a sample store and answers the call as you choose. Nobody is really called.</p>
      <form method="post" action="/test-orders" class="filters">
        <label>
          Store
          <select name="storeId">
            {props.stores.map((s) => (
              <option value={s.id}>
                {s.name} ({platformOf(s).label})
              </option>
            ))}
          </select>
        </label>
        <label>
          The customer
          <select name="behaviour">
            {CUSTOMER_BEHAVIOURS.map((b) => (
              <option value={b}>{BEHAVIOURS[b].label}</option>
            ))}
          </select>
        </label>
        <button type="submit">Place order</button>
      </form>
    </section>
  )
}

/** The order as the simulated store's admin shows it: what the write-back really left there. */
function StoreSide(props: { order: StoreSideOrder }) {
  const { order } = props
  return (
    <div data-store-side>
      <p>
        Tags:{' '}
        {order.tags.map((t) => (
          <span class="badge" data-tag={t}>
            {t}
          </span>
        ))}
        {order.status && (
          <>
            {' '}
            · status <span class="badge">{order.status}</span>
          </>
        )}
      </p>
      {order.notes.map((n) => (
        <p class="hint" data-note>
          {n}
        </p>
      ))}
    </div>
  )
}

/**
 * The sandbox's part of the dashboard: the overview's "Place a test order" form for the sample
 * stores the viewer may see, its `POST /test-orders`, and on a sample order's page what the
 * simulated store shows. Mounted only when the sample stores run (sandbox/start.ts).
 *
 * @example
 * await startService(config, log, outside, { dashboardExtras: testOrderExtras(stores) })
 */
export function testOrderExtras(sandbox: SandboxStores): DashboardExtras {
  const isSample = (storeId: string) => sandbox.stores.some((s) => s.id === storeId)
  const sampleStores = (stores: StoreName[]) => stores.filter((s) => isSample(s.id))
  return {
    overviewSection(stores) {
      const testStores = sampleStores(stores)
      return testStores.length > 0 && <TestOrderForm stores={testStores} />
    },
    orderSection(order) {
      const storeSide = isSample(order.storeId) ? sandbox.storeSide(order.storeId, order.platformOrderId) : undefined
      return storeSide && <StoreSide order={storeSide} />
    },
    routes: ({ visibleStores }) =>
      new Hono<DashboardEnv>().post('/test-orders', async (c) => {
        const form = await formBody(c)
        const store = sampleStores(await visibleStores(c.var.viewer)).find((s) => s.id === form.storeId)
        const behaviour = CUSTOMER_BEHAVIOURS.find((b) => b === form.behaviour) as CustomerBehaviour | undefined
        if (!store || !behaviour)
          return problemPage(c, 400, 'No test order', 'Test orders go to a sample store, with one of the listed customers.', '/')
        const placed = await sandbox.placeTestOrder(store.id, behaviour)
        return c.redirect(`/orders/${placed.orderId}`, 303)
      }),
  }
}
