import { type Context, Hono } from 'hono'
import type { AppDeps } from '../../deps.js'
import { type Language, pageTranslator } from '../../i18n/index.js'
import { type AdminFrame, AppBridgeHead, adminFrame, framedPolicy, frameQuery } from '../../pages/embedded.js'
import { readerWords } from '../../pages/language.js'
import { Page, problemPage } from '../../pages/layout.js'
import { localPath } from '../../utils/localPath.js'
import { installedShop } from './installedShop.js'

/**
 * Where the Shopify admin opens the app. `GET /shopify/app` is the app's URL (`application_url`):
 * Shopify loads it in its frame with a session token (`id_token`) or a signed query; the
 * merchant's dashboard is the app's home, so an installed shop goes on to `/` with Shopify's
 * launch parameters (the dashboard checks the token again, embeddedSession.ts). A shop without
 * the app leaves the frame for the install. `GET /shopify/session-token` is App Bridge's bounce
 * page: it loads App Bridge, which comes back to `shopify-reload` with a fresh token.
 */
export function shopifyAdminEntryRoutes(deps: Pick<AppDeps, 'config' | 'db' | 'storeDefaults' | 'shopify'>) {
  const app = new Hono()
  const lib = deps.shopify.library
  const embedding = deps.shopify.embedding

  app.get('/app', async (c) => {
    const query = c.req.query()
    const { lang, t } = readerWords(c)
    const shop = lib.utils.sanitizeShop(query.shop ?? '', false)
    if (!shop) return problemPage(c, 400, t('embedded.refused'), t('embedded.openAgain'), undefined, lang)
    const authentic = query.id_token
      ? (await embedding.shopOfSessionToken(query.id_token)) === shop
      : await lib.utils.validateHmac(query).catch(() => false)
    if (!authentic) return problemPage(c, 401, t('embedded.refused'), t('embedded.openAgain'), undefined, lang)
    const store = await installedShop(deps, shop)
    const frame = adminFrame(embedding, shop, query.host ?? '')
    const install = `/shopify/install?shop=${encodeURIComponent(shop)}`
    if (!store) return query.embedded === '1' ? leaveFrame(c, frame, install, lang) : c.redirect(install, 302)
    const home = frameQuery(frame)
    if (query.id_token) home.set('id_token', query.id_token)
    return c.redirect(`/?${home}`, 302)
  })

  app.get('/session-token', (c) => {
    const { lang, t } = readerWords(c)
    const shop = lib.utils.sanitizeShop(c.req.query('shop') ?? '', false)
    const reload = c.req.query('shopify-reload') ?? ''
    // App Bridge goes back to `shopify-reload` with a token in hand: only ever to a page of ours.
    if (!shop || localPath(reload) !== reload) return problemPage(c, 400, t('embedded.refused'), t('embedded.openAgain'), undefined, lang)
    const frame = adminFrame(embedding, shop, c.req.query('host') ?? '')
    framed(c, frame)
    return c.html(
      <Page title={t('embedded.opening')} lang={lang} head={<AppBridgeHead frame={frame} />}>
        <p class="hint">{t('embedded.opening')}</p>
      </Page>,
    )
  })

  /** The headers of a page the shop's admin frames. */
  const framed = (c: Context, frame: AdminFrame) => {
    c.header('Cache-Control', 'no-store')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('Content-Security-Policy', framedPolicy(frame, embedding))
  }

  /**
   * Out of the admin's frame to `to` (Shopify's approval screen refuses to be framed): App Bridge
   * opens it in the whole window (`open(url, '_top')`); the link does the same by hand.
   */
  const leaveFrame = (c: Context, frame: AdminFrame, to: string, lang: Language) => {
    const { t } = pageTranslator(lang)
    framed(c, frame)
    const url = new URL(to, deps.config.publicUrl).href
    return c.html(
      <Page title={t('embedded.toInstall')} lang={lang} head={<AppBridgeHead frame={frame} />}>
        <p>{t('embedded.toInstall')}</p>
        <p>
          <a href={url} target="_top">
            {t('embedded.installLink')}
          </a>
        </p>
        <script nonce={frame.nonce} dangerouslySetInnerHTML={{ __html: `open(${JSON.stringify(url)}, '_top')` }} />
      </Page>,
    )
  }

  return app
}
