import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppDeps } from '../../deps.js'
import { Page, problemPage } from '../../pages/layout.js'
import { newAlphanumericSecret } from '../../utils/ids.js'
import { recentlySpentInstall, rememberInstallState, spendInstallState } from '../installStates.js'
import { findStoreByDomain, storeWebhookSecret, webhookUrl, type Store } from '../records.js'
import { installStore, LOOPBACK, normaliseSiteUrl } from '../registration.js'
import { wooRequest, type WooCredentials } from './restApi.js'

/** How long a merchant may take to log in to WordPress and approve. */
const CONNECT_STATE_TTL_MS = 30 * 60_000

/** What WooCommerce POSTs to `callback_url` once the merchant approved (WC_Auth::create_keys). */
const keysSchema = z.object({
  key_id: z.number().int(),
  user_id: z.string().min(1),
  consumer_key: z.string().regex(/^ck_[A-Za-z0-9]{8,}$/),
  consumer_secret: z.string().regex(/^cs_[A-Za-z0-9]{8,}$/),
  key_permissions: z.literal('read_write'),
})

interface WooHook {
  id: number
  delivery_url: string
  topic: string
  status: string
}

/**
 * Points the store's `order.created` webhook at us with `secret`: the one already there (from an
 * earlier connect) is updated and turned back on, otherwise one is created. WooCommerce pings it.
 */
export async function ensureWooWebhook(store: Store, credentials: WooCredentials, deliveryUrl: string, secret: string): Promise<void> {
  const hooks = await wooRequest<WooHook[]>(store, credentials, 'GET', '/webhooks?per_page=100')
  const mine = hooks.find((h) => h.delivery_url === deliveryUrl && h.topic === 'order.created')
  const hook = { name: 'callconfirm: order created', topic: 'order.created', delivery_url: deliveryUrl, secret, status: 'active' }
  if (mine) await wooRequest(store, credentials, 'PUT', `/webhooks/${mine.id}`, hook)
  else await wooRequest(store, credentials, 'POST', '/webhooks', hook)
}

/**
 * WooCommerce's one-click connect (WC_Auth, `/wc-auth/v1/authorize`): the merchant names their
 * store, approves callconfirm in WordPress, WooCommerce POSTs us a read/write key pair, and we
 * create the `order.created` webhook with a secret of our own. The unsigned key POST is accepted
 * only with the unguessable, expiring, single-use state we put in `user_id`.
 */
export function wooConnectRoutes(deps: AppDeps) {
  const app = new Hono()
  const publicUrl = deps.config.publicUrl

  app.get('/connect', async (c) => {
    const given = (c.req.query('store_url') ?? '').trim()
    const withScheme = /^https?:\/\//i.test(given) ? given : `https://${given}`
    if (!given || !URL.canParse(withScheme)) return problemPage(c, 400, 'Not a store address', 'Give your store’s address, such as https://dyqani.al.')
    const siteUrl = normaliseSiteUrl(withScheme)
    const { protocol, hostname } = new URL(siteUrl)
    if (protocol !== 'https:' && !LOOPBACK.test(hostname)) return problemPage(c, 400, 'The store must use https', 'WooCommerce sends the API keys to us only over https, and they travel in every request after.')
    const state = randomBytes(24).toString('base64url')
    await rememberInstallState(deps.db, 'woocommerce', siteUrl, state, deps.now(), CONNECT_STATE_TTL_MS)
    const authorize = new URL(`${siteUrl}/wc-auth/v1/authorize`)
    authorize.search = new URLSearchParams({
      app_name: 'callconfirm',
      scope: 'read_write',
      user_id: state,
      return_url: `${publicUrl}/woocommerce/return`,
      callback_url: `${publicUrl}/woocommerce/callback`,
    }).toString()
    return c.redirect(authorize.href, 302)
  })

  // WooCommerce waits for exactly 200 before it keeps the keys, so the answer comes first and the
  // webhook is made after it (the store is not listening to its own REST API until then).
  app.post('/callback', async (c) => {
    const parsed = keysSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) return c.json({ error: { code: 'invalid_keys', message: 'expected WooCommerce’s read_write key POST' } }, 400)
    const keys = parsed.data
    const state = await spendInstallState(deps.db, 'woocommerce', keys.user_id, deps.now())
    const reqId = c.var.requestId
    if (!state.ok) {
      deps.log.warn('WooCommerce keys refused', { reqId, reason: state.reason })
      return c.json({ error: { code: `state_${state.reason}`, message: 'this connect was not started here, expired, or was completed already' } }, 401)
    }
    const credentials: WooCredentials = { platform: 'woocommerce', consumerKey: keys.consumer_key, consumerSecret: keys.consumer_secret }
    const existing = await findStoreByDomain(deps.db, 'woocommerce', state.domain, deps.storeDefaults)
    const secret = (existing && (await storeWebhookSecret(existing, deps.box))) ?? newAlphanumericSecret()
    const { store, created } = await installStore(deps, { platform: 'woocommerce', domain: state.domain, credentials, webhookSecret: secret })
    deps.log.info('store installed', { reqId, storeId: store.id, platform: 'woocommerce', created })
    setTimeout(() => {
      ensureWooWebhook(store, credentials, webhookUrl(publicUrl, store), secret).then(
        () => deps.log.info('WooCommerce webhook set', { reqId, storeId: store.id }),
        (error: unknown) => deps.log.error('WooCommerce webhook could not be set', { reqId, storeId: store.id, error }),
      )
    }, 0)
    return c.json({ ok: true })
  })

  app.get('/return', async (c) => {
    const state = c.req.query('user_id') ?? ''
    if (c.req.query('success') === '0')
      return problemPage(c, 400, 'Not connected', 'You did not approve callconfirm in WordPress, so nothing was connected.')
    const domain = await recentlySpentInstall(deps.db, 'woocommerce', state, deps.now(), CONNECT_STATE_TTL_MS)
    const store = domain && (await findStoreByDomain(deps.db, 'woocommerce', domain, deps.storeDefaults))
    if (!store) return problemPage(c, 404, 'Not connected', 'WooCommerce did not send us the keys, or this page is too old. Connect again.')
    const link = deps.settingsLinks.link(store, deps.now()).url
    return c.html(
      <Page title="Connected">
        <h1>{store.settings.companyName} is connected</h1>
        <p class="notice">New cash-on-delivery orders will be called from now on, within your calling hours.</p>
        <p>
          <a href={link}>Open your callconfirm settings</a> to set your shop’s name, language, calling hours and what happens after
          each call. Keep this link private: it opens your settings for seven days.
        </p>
      </Page>,
    )
  })

  return app
}

