import { BotActivityDetected, CookieNotFound, HttpResponseError, InvalidHmacError, InvalidOAuthError, type Session } from '@shopify/shopify-api'
import { Hono } from 'hono'
import type { AppDeps } from '../../deps.js'
import { countryCode } from '../../domain/settings.js'
import { Page, problemPage } from '../../pages/layout.js'
import { renderSettings, type SettingsPageDeps } from '../../settings/routes.js'
import { rememberInstallState, spendInstallState } from '../installStates.js'
import { findStoreByDomain, webhookUrl } from '../records.js'
import { type InstallDeps, installStore } from '../registration.js'
import { shopifyCredentialsOf } from './credentials.js'
import { readShopDetails, subscribeShopWebhooks } from './subscriptions.js'

const CALLBACK_PATH = '/shopify/callback'
/** How long a merchant may take on Shopify's approval screen (the library's state cookie lasts one minute). */
const INSTALL_STATE_TTL_MS = 10 * 60_000

/**
 * Shopify's authorization-code install, through @shopify/shopify-api (web-api adapter):
 * `GET /shopify/install?shop=` → `auth.begin` (offline access) → the merchant approves on Shopify →
 * `GET /shopify/callback` → `auth.callback` with an expiring offline token. The store is saved
 * with the token sealed, its name, time zone and country as defaults, and `orders/create` and
 * `app/uninstalled` subscribed; then the merchant lands on the app inside their Shopify admin.
 */
export function shopifyInstallRoutes(deps: InstallDeps & SettingsPageDeps & Pick<AppDeps, 'shopify' | 'log'>) {
  const app = new Hono()
  const lib = deps.shopify.library
  const restart = (shop: string) => `/shopify/install?shop=${encodeURIComponent(shop)}`

  app.use(async (c, next) => {
    if (!deps.config.shopify.apiKey || !deps.config.shopify.apiSecret)
      return problemPage(
        c,
        404,
        'Shopify installs are not set up',
        'The operator of this callconfirm must set SHOPIFY_API_KEY and SHOPIFY_API_SECRET (the app’s client ID and secret).',
      )
    await next()
  })

  app.get('/install', async (c) => {
    const given = c.req.query('shop') ?? ''
    const shop = lib.utils.sanitizeShop(given, false)
    if (!shop)
      return problemPage(
        c,
        400,
        'Not a Shopify shop',
        `“${given.slice(0, 100)}” is not a shop’s myshopify.com domain, such as arbeni-shop.myshopify.com.`,
      )
    const begun = await lib.auth.begin({ shop, callbackPath: CALLBACK_PATH, isOnline: false, rawRequest: c.req.raw })
    const location = begun.headers.get('location')
    if (begun.status !== 302 || !location) return begun // 410 for crawlers
    const state = new URL(location).searchParams.get('state') ?? ''
    if (!(await rememberInstallState(deps.db, { platform: 'shopify', domain: shop, state }, deps.now(), INSTALL_STATE_TTL_MS))) {
      c.header('Retry-After', '300')
      return problemPage(c, 503, 'Too many installs under way', 'callconfirm is busy with other installs. Try again in a few minutes.')
    }
    const headers = new Headers(begun.headers)
    headers.set('location', deps.shopify.authorizeUrl(location, shop))
    return new Response(null, { status: 302, headers })
  })

  app.get('/callback', async (c) => {
    const query = c.req.query()
    const shop = lib.utils.sanitizeShop(query.shop ?? '', false)
    if (!shop) return problemPage(c, 400, 'Not a Shopify shop', 'The answer names no valid myshopify.com shop.')
    // The signature first: nothing in the query counts before it is known to come from Shopify.
    let signed: boolean
    try {
      signed = await lib.utils.validateHmac(query)
    } catch (error) {
      const old = error instanceof InvalidHmacError && /timestamp/i.test(error.message)
      return problemPage(
        c,
        400,
        'This link from Shopify is not valid',
        old ? 'It is too old to be trusted (or this server’s clock is off).' : 'It carries no signature.',
        restart(shop),
      )
    }
    if (!signed) return problemPage(c, 401, 'This answer did not come from Shopify', 'Its signature does not match the app’s secret.', restart(shop))

    const state = await spendInstallState(deps.db, 'shopify', query.state ?? '', deps.now())
    if (!state.ok && state.reason === 'used')
      return problemPage(c, 409, 'This install is already complete', 'This link was used once already. Open callconfirm from your Shopify admin.')
    if (!state.ok && state.reason === 'expired')
      return problemPage(c, 400, 'The install took too long', 'Approving took longer than ten minutes.', restart(shop))
    if (!state.ok || state.domain !== shop)
      return problemPage(
        c,
        400,
        'This install was not started here',
        'Start the install from the Shopify App Store or your Shopify admin.',
        restart(shop),
      )

    let session: Session
    let headers: Headers
    try {
      deps.shopify.route(shop)
      const done = await lib.auth.callback<Headers>({ rawRequest: c.req.raw, expiring: true })
      session = done.session
      headers = new Headers(done.headers)
    } catch (error) {
      if (error instanceof BotActivityDetected) return c.body(null, 410)
      if (error instanceof CookieNotFound)
        return problemPage(
          c,
          400,
          'The install took too long',
          'Approving took longer than a minute, or it finished in another browser.',
          restart(shop),
        )
      if (error instanceof InvalidOAuthError)
        return problemPage(
          c,
          400,
          'This answer does not belong to this install',
          'Its state does not match the one this browser was given.',
          restart(shop),
        )
      if (error instanceof HttpResponseError)
        return problemPage(c, 502, 'Shopify did not grant access', 'Shopify refused the install code (used already, or too old).', restart(shop))
      throw error
    }

    const credentials = shopifyCredentialsOf(session, deps.now())
    // A new store starts with the shop's own name, time zone and country; a failed read leaves the defaults.
    const details = await readShopDetails(deps.shopify, shop, credentials.accessToken).catch(() => undefined)
    const country = countryCode.safeParse(details?.country ?? '')
    const { store, created } = await installStore(deps, {
      platform: 'shopify',
      domain: shop,
      credentials,
      country: country.success ? country.data : undefined,
      settings: details ? { companyName: details.name, timezone: details.timezone } : {},
    })
    const refused = await subscribeShopWebhooks(deps.shopify, shop, credentials.accessToken, webhookUrl(deps.config.publicUrl, store)).then(
      (result) => result.refused,
      (error: unknown) => [`Shopify could not be asked for webhooks: ${error instanceof Error ? error.message : String(error)}`],
    )
    deps.log.info('store installed', { reqId: c.var.requestId, storeId: store.id, platform: 'shopify', created, webhookProblems: refused.length })
    if (refused.length) {
      c.status(502)
      for (const [name, value] of headers) c.header(name, value, { append: true })
      return c.html(
        <Page title="Installed, but orders will not reach callconfirm">
          <h1>Installed, but orders will not reach callconfirm</h1>
          <p class="problem">Shopify refused to send us new orders:</p>
          <ul>
            {refused.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
          <p>
            Reading customers’ phone numbers needs Shopify’s approval for protected customer data (Partner Dashboard → the app → API access →
            Protected customer data: name, phone and address). Once approved, <a href={restart(shop)}>install again</a>.
          </p>
        </Page>,
      )
    }
    headers.set('location', query.host ? lib.auth.buildEmbeddedAppUrl(query.host) : `/shopify/app?shop=${encodeURIComponent(shop)}`)
    return new Response(null, { status: 302, headers })
  })

  // The app's URL in the Shopify admin (application_url): the merchant's settings, embedded. Shopify
  // opens it with a session token (`id_token`, verified by the library) or a signed query.
  app.get('/app', async (c) => {
    const query = c.req.query()
    const shop = lib.utils.sanitizeShop(query.shop ?? '', false)
    if (!shop) return problemPage(c, 400, 'Not a Shopify shop', 'Open callconfirm from your Shopify admin.')
    const authentic = query.id_token
      ? await lib.session.decodeSessionToken(query.id_token).then(
          (t) => t.dest === `https://${shop}`,
          () => false,
        )
      : await lib.utils.validateHmac(query).catch(() => false)
    if (!authentic)
      return problemPage(c, 401, 'Open callconfirm from your Shopify admin', 'This page could not be verified as coming from your Shopify admin.')
    const store = await findStoreByDomain(deps.db, 'shopify', shop, deps.storeDefaults)
    if (!store?.row.credentials || store.disabledReason === 'app_uninstalled') return c.redirect(restart(shop), 302)
    return renderSettings(c, deps, store, { shopifyApiKey: deps.config.shopify.apiKey })
  })

  return app
}
