import { desc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { privacyRequests, stores } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { findStore, storeView, toStore } from '../stores/records.js'
import {
  type RegistrationDeps,
  registerStore,
  revokeSettingsLinks,
  type StoreControlDeps,
  splitStoreChange,
  updateStoreControls,
  updateStoreSettings,
} from '../stores/registration.js'
import { ApiError } from '../utils/errors.js'
import { jsonBody } from './body.js'

/** `/api/stores`: register stores by hand, read and change their settings. */
export function storeRoutes(deps: RegistrationDeps & StoreControlDeps & Pick<AppDeps, 'settingsLinks' | 'log'>) {
  const view = (store: Parameters<typeof storeView>[0]) =>
    storeView(store, { publicUrl: deps.config.publicUrl, storeDailyCalls: deps.config.limits.storeDailyCalls })
  const existing = async (id: string) => {
    const store = await findStore(deps.db, id, deps.storeDefaults)
    if (!store) throw new ApiError(404, 'store_not_found', `no store with id ${id}`)
    return store
  }

  return (
    new Hono()
      .post('/', async (c) => {
        const { store, created, webhook } = await registerStore(deps, await jsonBody(c))
        deps.log.info(created ? 'store registered' : 'store re-registered', { reqId: c.var.requestId, storeId: store.id, platform: store.platform })
        return c.json({ store: view(store), webhook }, created ? 201 : 200)
      })
      .get('/', async (c) => {
        const rows = await deps.db.select().from(stores).orderBy(stores.createdAt).all()
        return c.json({ stores: rows.map((r) => view(toStore(r, deps.storeDefaults))) })
      })
      .get('/:id', async (c) => c.json(view(await existing(c.req.param('id')))))
      // Settings are the merchant's (the settings page changes them too); approval and the daily
      // limit are the operator's, taken out here and nowhere else.
      .patch('/:id', async (c) => {
        const id = c.req.param('id')
        const { controls, settings } = splitStoreChange(await jsonBody(c))
        // Controls are checked first and saved last, so a refused setting leaves nothing changed.
        let store = await existing(id)
        if (settings !== undefined) store = await updateStoreSettings(deps, id, settings)
        if (controls) {
          store = await updateStoreControls(deps, id, controls)
          deps.log.info('store controls changed', { reqId: c.var.requestId, storeId: id, ...controls })
        }
        return c.json(view(store))
      })
      // A link to hand the merchant (by email, say): their settings page, for seven days.
      .post('/:id/settings-link', async (c) => {
        const store = await existing(c.req.param('id'))
        const { url, expiresAt } = deps.settingsLinks.link(store, deps.now())
        return c.json({ url, expiresAt: new Date(expiresAt).toISOString() }, 201)
      })
      // Every settings link and merchant dashboard session handed out for the store stops working.
      .post('/:id/revoke-links', async (c) => {
        const store = await existing(c.req.param('id'))
        const linkVersion = await revokeSettingsLinks(deps.db, store.id, deps.now())
        deps.log.info('settings links revoked', { reqId: c.var.requestId, storeId: store.id })
        return c.json({ linkVersion })
      })
      .get('/:id/privacy-requests', async (c) => {
        const store = await existing(c.req.param('id'))
        const rows = await deps.db.select().from(privacyRequests).where(eq(privacyRequests.storeId, store.id)).orderBy(desc(privacyRequests.id)).all()
        return c.json({
          requests: rows.map((r) => ({ id: r.id, topic: r.topic, report: r.report, receivedAt: new Date(r.receivedAt).toISOString() })),
        })
      })
  )
}
