import { type Context, Hono } from 'hono'
import { stores as storesTable } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { type Language, type PageTranslator, pageTranslator } from '../i18n/index.js'
import { pageAt } from '../pages/language.js'
import { problemPage } from '../pages/layout.js'
import type { PlatformName } from '../stores/platform.js'
import { PLATFORMS } from '../stores/platforms.js'
import { findStore, storeDailyCallLimit, toStore } from '../stores/records.js'
import { revokeSettingsLinks, type StoreControlDeps, updateStoreControls } from '../stores/registration.js'
import { ApiError } from '../utils/errors.js'
import { formBody } from '../utils/formBody.js'
import { DashboardPage } from './pages.js'
import type { DashboardEnv, Viewer } from './session.js'

/** One store as the operator's list shows it. */
export interface StoreLine {
  id: string
  name: string
  platform: PlatformName
  domain: string
  approved: boolean
  dailyCallLimit: number
  dailyCallLimitIsDefault: boolean
  disabledReason: string | null
  /** How far the store was last asked for orders no webhook brought (stores/reconciliation.ts). */
  reconciledAt: number | null
  /** When its webhooks last needed putting right, and what was done. */
  webhooksRepairedAt: number | null
  webhooksRepair: string | null
}

/** A time in UTC, saying so: the operator's page serves stores in every time zone. */
const utc = (tr: PageTranslator, ms: number) => `${tr.dateTime(ms, 'UTC')} UTC`

/** The operator's stores: who may call, how much a day, and their merchants' links. `revoked`: links were just revoked. */
export function StoresPage(props: { stores: StoreLine[]; viewer: Viewer; revoked?: boolean; lang: Language; here: string }) {
  const tr = pageTranslator(props.lang)
  const t = (key: string, values?: Record<string, unknown>) => tr.t(`storesPage.${key}`, values)
  return (
    <DashboardPage title={tr.t('frame.stores')} viewer={props.viewer} lang={props.lang} here={props.here}>
      <h1>{tr.t('frame.stores')}</h1>
      {props.revoked && <p class="notice success">{t('revoked')}</p>}
      <p class="hint">{t('intro')}</p>
      <div class="table">
        <table>
          <thead>
            <tr>
              <th>{t('store')}</th>
              <th>{t('calls')}</th>
              <th>{t('perDay')}</th>
              <th>{t('links')}</th>
            </tr>
          </thead>
          <tbody>
            {props.stores.map((s) => (
              <tr data-store={s.id}>
                <td>
                  <b>{s.name}</b>
                  <br />
                  <span class="hint">
                    {PLATFORMS[s.platform].label} · {s.domain}
                  </span>
                  <br />
                  <span class="hint" data-reconciled>
                    {s.reconciledAt ? t('reconciled', { at: utc(tr, s.reconciledAt) }) : t('notReconciled')}
                  </span>
                  {s.webhooksRepairedAt !== null && (
                    <p class="notice" data-webhooks-repaired>
                      {t('repaired', { at: utc(tr, s.webhooksRepairedAt), what: s.webhooksRepair })}
                    </p>
                  )}
                </td>
                <td>
                  {s.approved ? (
                    <span class="badge success" data-approval="approved">
                      {s.disabledReason ? t('approvedOff', { why: s.disabledReason.replaceAll('_', ' ') }) : t('approved')}
                    </span>
                  ) : (
                    <form method="post" action={`/stores/${s.id}/approve`}>
                      <span class="badge attention" data-approval="awaiting">
                        {t('awaiting')}
                      </span>{' '}
                      <button type="submit" class="primary">
                        {t('approve')}
                      </button>
                    </form>
                  )}
                </td>
                <td>
                  <form method="post" action={`/stores/${s.id}/daily-limit`}>
                    <span>{s.dailyCallLimitIsDefault ? t('limitDefault', { limit: s.dailyCallLimit }) : `${s.dailyCallLimit}`}</span>{' '}
                    <input type="number" name="dailyCallLimit" min="1" placeholder={t('newLimit')} aria-label={t('limitFor', { name: s.name })} />
                    <button type="submit">{t('set')}</button>
                  </form>
                </td>
                <td>
                  <form method="post" action={`/stores/${s.id}/settings-link`} target="_blank" style="display:inline" rel="noopener">
                    <button type="submit">{t('settings')}</button>
                  </form>{' '}
                  <form method="post" action={`/stores/${s.id}/revoke-links`} style="display:inline">
                    <button type="submit" class="critical">
                      {t('revoke')}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </DashboardPage>
  )
}

/** What the Stores page takes: the operator's controls, the service's limits (config), settings links and the log. */
export type StoreControlRouteDeps = StoreControlDeps & Pick<AppDeps, 'config' | 'settingsLinks' | 'log'>

/**
 * `/stores`: the operator's controls over each store — approve it (STORE_SIGNUP=approve), set its
 * calls a day (empty: the service default), revoke its merchant's links, open its settings with a
 * freshly made link. Mounted by dashboardRoutes behind its session and CSRF checks; a merchant's
 * session gets a 404, as for any page that is not theirs.
 */
export function storeControlRoutes(deps: StoreControlRouteDeps) {
  const app = new Hono<DashboardEnv>()

  app.use(async (c, next) => {
    if (c.var.viewer.kind !== 'operator') throw new ApiError(404, 'not_found', 'There is no such page.')
    await next()
  })

  const lines = async (): Promise<StoreLine[]> => {
    const rows = await deps.db.select().from(storesTable).orderBy(storesTable.createdAt).all()
    return rows.map((r) => ({
      id: r.id,
      name: toStore(r, deps.storeDefaults).settings.companyName,
      platform: r.platform,
      domain: r.domain,
      approved: r.approvedAt !== null,
      dailyCallLimit: storeDailyCallLimit(r, deps.config.limits.storeDailyCalls),
      dailyCallLimitIsDefault: r.dailyCallLimit === null,
      disabledReason: r.disabledReason,
      reconciledAt: r.reconciledAt,
      webhooksRepairedAt: r.webhooksRepairedAt,
      webhooksRepair: r.webhooksRepair,
    }))
  }
  const store = async (c: Context) => {
    const found = await findStore(deps.db, c.req.param('id') ?? '', deps.storeDefaults)
    if (!found) throw new ApiError(404, 'store_not_found', 'There is no such store.')
    return found
  }

  app.get('/', async (c) => c.html(<StoresPage stores={await lines()} viewer={c.var.viewer} {...pageAt(c)} />))

  app.post('/:id/approve', async (c) => {
    const { id } = await store(c)
    await updateStoreControls(deps, id, { approved: true })
    deps.log.info('store approved', { reqId: c.var.requestId, storeId: id })
    return c.redirect('/stores', 303)
  })

  app.post('/:id/daily-limit', async (c) => {
    const { id } = await store(c)
    const given = (await formBody(c)).dailyCallLimit
    const text = typeof given === 'string' ? given.trim() : ''
    const limit = text === '' ? null : Number(text)
    if (limit !== null && !(Number.isInteger(limit) && limit >= 1 && limit <= 1_000_000)) {
      const { lang } = pageAt(c)
      const { t } = pageTranslator(lang)
      return problemPage(c, 400, t('storesPage.notLimit'), t('storesPage.notLimitText'), '/stores', lang)
    }
    await updateStoreControls(deps, id, { dailyCallLimit: limit })
    deps.log.info('store daily limit set', { reqId: c.var.requestId, storeId: id, dailyCallLimit: limit })
    return c.redirect('/stores', 303)
  })

  app.post('/:id/revoke-links', async (c) => {
    const { id } = await store(c)
    await revokeSettingsLinks(deps.db, id, deps.now())
    deps.log.info('settings links revoked', { reqId: c.var.requestId, storeId: id })
    return c.html(<StoresPage stores={await lines()} viewer={c.var.viewer} {...pageAt(c)} revoked />)
  })

  app.post('/:id/settings-link', async (c) => c.redirect(deps.settingsLinks.link(await store(c), deps.now()).url, 303))

  return app
}
