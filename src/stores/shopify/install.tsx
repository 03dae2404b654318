import { BotActivityDetected, CookieNotFound, HttpResponseError, InvalidHmacError, InvalidOAuthError, type Session } from '@shopify/shopify-api'
import { Hono } from 'hono'
import type { AppDeps } from '../../deps.js'
import { countryCode } from '../../domain/settings.js'
import { pageTranslator } from '../../i18n/index.js'
import { pageLanguage, readerWords } from '../../pages/language.js'
import { Page, problemPage } from '../../pages/layout.js'
import type { SettingsPageDeps } from '../../settings/routes.js'
import { rememberInstallState, spendInstallState } from '../installStates.js'
import { webhookUrl } from '../records.js'
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
    if (!deps.config.shopify.apiKey || !deps.config.shopify.apiSecret) {
      const { t, lang } = readerWords(c)
      return problemPage(c, 404, t('install.notSetUp'), t('install.notSetUpText'), undefined, lang)
    }
    await next()
  })

  app.get('/install', async (c) => {
    const given = c.req.query('shop') ?? ''
    const shop = lib.utils.sanitizeShop(given, false)
    const { t, lang } = readerWords(c)
    if (!shop) return problemPage(c, 400, t('install.notAShop'), t('install.notAShopText', { given: given.slice(0, 100) }), undefined, lang)
    const begun = await lib.auth.begin({ shop, callbackPath: CALLBACK_PATH, isOnline: false, rawRequest: c.req.raw })
    const location = begun.headers.get('location')
    if (begun.status !== 302 || !location) return begun // 410 for crawlers
    const state = new URL(location).searchParams.get('state') ?? ''
    if (!(await rememberInstallState(deps.db, { platform: 'shopify', domain: shop, state }, deps.now(), INSTALL_STATE_TTL_MS))) {
      c.header('Retry-After', '300')
      return problemPage(c, 503, t('install.busy'), t('install.busyText'), undefined, lang)
    }
    const headers = new Headers(begun.headers)
    headers.set('location', deps.shopify.authorizeUrl(location, shop))
    return new Response(null, { status: 302, headers })
  })

  app.get('/callback', async (c) => {
    const query = c.req.query()
    const shop = lib.utils.sanitizeShop(query.shop ?? '', false)
    const { t, lang } = readerWords(c)
    const refuse = (status: 400 | 401 | 409 | 502, title: string, text: string, retry?: string) =>
      problemPage(c, status, t(title), t(text), retry, lang)
    if (!shop) return refuse(400, 'install.notAShop', 'install.noShopNamed')
    // The signature first: nothing in the query counts before it is known to come from Shopify.
    let signed: boolean
    try {
      signed = await lib.utils.validateHmac(query)
    } catch (error) {
      const old = error instanceof InvalidHmacError && /timestamp/i.test(error.message)
      return refuse(400, 'install.linkNotValid', old ? 'install.linkTooOld' : 'install.linkUnsigned', restart(shop))
    }
    if (!signed) return refuse(401, 'install.notFromShopify', 'install.notFromShopifyText', restart(shop))

    const state = await spendInstallState(deps.db, 'shopify', query.state ?? '', deps.now())
    if (!state.ok && state.reason === 'used') return refuse(409, 'install.alreadyDone', 'install.alreadyDoneText')
    if (!state.ok && state.reason === 'expired') return refuse(400, 'install.tooLong', 'install.tooLongText', restart(shop))
    if (!state.ok || state.domain !== shop) return refuse(400, 'install.notStartedHere', 'install.notStartedHereText', restart(shop))

    let session: Session
    let headers: Headers
    try {
      deps.shopify.route(shop)
      const done = await lib.auth.callback<Headers>({ rawRequest: c.req.raw, expiring: true })
      session = done.session
      headers = new Headers(done.headers)
    } catch (error) {
      if (error instanceof BotActivityDetected) return c.body(null, 410)
      if (error instanceof CookieNotFound) return refuse(400, 'install.tooLong', 'install.tooLongCookie', restart(shop))
      if (error instanceof InvalidOAuthError) return refuse(400, 'install.notThisInstall', 'install.notThisInstallText', restart(shop))
      if (error instanceof HttpResponseError) return refuse(502, 'install.notGranted', 'install.notGrantedText', restart(shop))
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
    // The store's merchant reads the rest in the store's language (unless they chose another).
    const words = pageTranslator(pageLanguage(c, store.settings.language))
    const refused = await subscribeShopWebhooks(deps.shopify, shop, credentials.accessToken, webhookUrl(deps.config.publicUrl, store)).then(
      (result) => result.refused,
      (error: unknown) => [words.t('install.notAsked', { error: error instanceof Error ? error.message : String(error) })],
    )
    deps.log.info('store installed', { reqId: c.var.requestId, storeId: store.id, platform: 'shopify', created, webhookProblems: refused.length })
    if (refused.length) {
      c.status(502)
      for (const [name, value] of headers) c.header(name, value, { append: true })
      return c.html(
        <Page title={words.t('install.noOrders')} lang={words.language}>
          <h1>{words.t('install.noOrders')}</h1>
          <p class="problem">{words.t('install.ordersRefused')}</p>
          <ul>
            {refused.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
          <p>
            {words.t('install.protectedData')} <a href={restart(shop)}>{words.t('install.installAgain')}</a>
          </p>
        </Page>,
      )
    }
    headers.set('location', query.host ? lib.auth.buildEmbeddedAppUrl(query.host) : `/shopify/app?shop=${encodeURIComponent(shop)}`)
    return new Response(null, { status: 302, headers })
  })

  return app
}
