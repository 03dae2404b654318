import { Hono } from 'hono'
import type { DashboardExtras } from '../dashboard/extras.js'
import type { StoreName } from '../dashboard/pages.js'
import type { DashboardEnv } from '../dashboard/session.js'
import { pageTranslator } from '../i18n/index.js'
import { usePageWords } from '../pages/language.js'
import { problemPage } from '../pages/layout.js'
import { platformOf } from '../stores/platforms.js'
import { formBody } from '../utils/formBody.js'
import { CUSTOMER_BEHAVIOURS, type CustomerBehaviour } from './customers.js'
import type { SandboxStores, StoreSideOrder } from './sampleStores.js'

function TestOrderForm(props: { stores: StoreName[] }) {
  const { t } = usePageWords()
  return (
    <section>
      <h2>{t('sandbox.title')}</h2>
      <p class="hint">{t('sandbox.hint')}</p>
      <form method="post" action="/test-orders" class="filters">
        <label>
          {t('filters.store')}
          <select name="storeId">
            {props.stores.map((s) => (
              <option value={s.id}>
                {s.name} ({platformOf(s).label})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('sandbox.customer')}
          <select name="behaviour">
            {CUSTOMER_BEHAVIOURS.map((b) => (
              <option value={b}>{t(`sandbox.behaviour.${b}`)}</option>
            ))}
          </select>
        </label>
        <button type="submit">{t('sandbox.place')}</button>
      </form>
    </section>
  )
}

/**
 * The order as the simulated store's admin shows it: what the write-back really left there. A
 * Shopify order has tags and a note; a WooCommerce order has our meta field, a status and private notes.
 */
function StoreSide(props: { order: StoreSideOrder; platform: 'shopify' | 'woocommerce' }) {
  const { order } = props
  const { t } = usePageWords()
  const none = <span class="hint">{t('sandbox.none')}</span>
  const meta = Object.entries(order.meta)
  return (
    <div data-store-side>
      {props.platform === 'shopify' ? (
        <p>
          {t('sandbox.shopifyTags')}{' '}
          {order.tags.length
            ? order.tags.map((tag) => (
                <span class="badge" data-tag={tag}>
                  {tag}
                </span>
              ))
            : none}
        </p>
      ) : (
        <p>
          {t('sandbox.wooMeta')}{' '}
          {meta.length
            ? meta.map(([key, value]) => (
                <code data-meta={key}>
                  {key} = {value}
                </code>
              ))
            : none}
          {order.status && (
            <>
              {' '}
              · {t('sandbox.wooStatus')}{' '}
              <span class="badge" data-status={order.status}>
                {t(`wooStatus.${order.status}`, { defaultValue: order.status })}
              </span>
            </>
          )}
        </p>
      )}
      {order.notes.length > 0 && <p>{t(props.platform === 'shopify' ? 'sandbox.shopifyNote' : 'sandbox.wooNotes')}</p>}
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
      const sample = sandbox.stores.find((s) => s.id === order.storeId)
      const storeSide = sample && sandbox.storeSide(order.storeId, order.platformOrderId)
      return sample && storeSide && <StoreSide order={storeSide} platform={sample.platform} />
    },
    routes: ({ visibleStores }) =>
      new Hono<DashboardEnv>().post('/test-orders', async (c) => {
        const form = await formBody(c)
        const store = sampleStores(await visibleStores(c.var.viewer)).find((s) => s.id === form.storeId)
        const behaviour = CUSTOMER_BEHAVIOURS.find((b) => b === form.behaviour) as CustomerBehaviour | undefined
        if (!store || !behaviour) {
          const { t, language } = pageTranslator(c.var.pageLanguage)
          return problemPage(c, 400, t('sandbox.noOrder'), t('sandbox.noOrderText'), '/', language)
        }
        const placed = await sandbox.placeTestOrder(store.id, behaviour)
        return c.redirect(`/orders/${placed.orderId}`, 303)
      }),
  }
}
