import { type Context, Hono } from 'hono'
import type { AppDeps } from '../deps.js'
import { mergeSettings } from '../domain/settings.js'
import { type Language, pageTranslator } from '../i18n/index.js'
import { askedFrame, framedPolicy } from '../pages/embedded.js'
import { operatorLanguage, pageLanguage } from '../pages/language.js'
import { problemPage } from '../pages/layout.js'
import { platformOf } from '../stores/platforms.js'
import type { Store } from '../stores/records.js'
import { type StoreRowDeps, updateStoreSettings } from '../stores/registration.js'
import { ApiError } from '../utils/errors.js'
import { type FormBody, formBody } from '../utils/formBody.js'
import { messagingFromForm } from './messagingFields.js'
import { storeForLink } from './openLink.js'
import { ACTION_CONTROLS, SettingsPage, type SettingsPageProps } from './page.js'
import { settingsProblems } from './problems.js'

/** How long the form on an opened page stays usable (a Shopify admin page gets a new one each load). */
export const PAGE_TOKEN_TTL_MS = 3600_000

/** The settings a submitted form asks for: the fields the page shows for the store's platform. */
export function settingsFromForm(form: FormBody, store: Store): Record<string, unknown> {
  const text = (name: string) => {
    const v = form[name]
    return typeof v === 'string' ? v.trim() : undefined
  }
  const on = (name: string) => form[name] !== undefined
  const retries = text('retryDelaysMinutes') ?? ''
  const change: Record<string, unknown> = {
    enabled: on('enabled'),
    recordCalls: on('recordCalls'),
    companyName: text('companyName'),
    language: text('language'),
    voice: text('voice'),
    timezone: text('timezone'),
    callOrders: text('callOrders'),
    alertEmail: text('alertEmail'),
    callingHours: { start: text('callingHours.start'), end: text('callingHours.end') },
    // "15, 120" → [15, 120]; a word is kept as it is, for the validation to name.
    retryDelaysMinutes: retries
      ? retries
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map((m) => (/^\d+$/.test(m) ? Number(m) : m))
      : [],
  }
  const fields = platformOf(store).settingsFields
  if (fields.tags) change.tags = Object.fromEntries(Object.keys(store.settings.tags).map((key) => [key, text(`tags.${key}`)]))
  // An unticked box is absent from the form: off. An empty status: leave the order's as it is.
  change.actions = Object.fromEntries(
    fields.actions.map((key) => [key, ACTION_CONTROLS[key].kind === 'checkbox' ? on(`actions.${key}`) : text(`actions.${key}`) || null]),
  )
  change.messaging = messagingFromForm(text, store.settings)
  // A field the form did not carry is left as it is.
  return JSON.parse(JSON.stringify(change))
}

/** What rendering the page takes: the links its form's token is signed with, the clock, and Shopify's admin (which may frame it). */
export type SettingsPageDeps = Pick<AppDeps, 'settingsLinks' | 'now' | 'shopify'>

/** Renders the page for a store, with a fresh token for its form. */
export function renderSettings(
  c: Context,
  deps: SettingsPageDeps,
  store: Store,
  extra: Omit<SettingsPageProps, 'store' | 'token' | 'lang'> & { lang?: Language } = {},
  status: 200 | 400 = 200,
) {
  c.header('Cache-Control', 'no-store')
  // A Shopify store's page lives inside its admin; a page asked for there shows in the admin's frame (App Bridge).
  const embedded = platformOf(store).embeddedInAdmin
  const frame = extra.frame ?? (embedded ? askedFrame(c, deps.shopify.embedding, store.domain) : undefined)
  c.header(
    'Content-Security-Policy',
    frame
      ? framedPolicy(frame, deps.shopify.embedding)
      : `frame-ancestors ${embedded ? deps.shopify.embedding.frameAncestors(store.domain) : "'none'"}`,
  )
  c.status(status)
  const lang = extra.lang ?? pageLanguage(c, store.settings.language)
  return c.html(
    <SettingsPage store={store} token={deps.settingsLinks.token(store, deps.now() + PAGE_TOKEN_TTL_MS)} {...extra} frame={frame} lang={lang} />,
  )
}

/**
 * The merchant's settings page, opened with a signed link (`/settings?t=`; WooCommerce's return
 * page gives one, and the Shopify admin opens it embedded through `/shopify/app`). No cookies: the
 * token rides in the form, so a page in Shopify's iframe works the same as one in a browser tab.
 */
export function settingsRoutes(deps: StoreRowDeps & SettingsPageDeps & Pick<AppDeps, 'log'>) {
  const app = new Hono()

  app.use(async (c, next) => {
    await next()
    c.header('Referrer-Policy', 'no-referrer')
    if (!c.res.headers.has('content-security-policy')) c.header('Content-Security-Policy', "frame-ancestors 'none'")
  })

  async function opened(c: Context, token: string | undefined) {
    const link = await storeForLink(deps, token ?? '')
    if (link.ok) return { store: link.store }
    // No store to take the language from: the reader's browser's.
    const lang = operatorLanguage(c)
    const { t } = pageTranslator(lang)
    const again = t('settingsLink.again')
    return {
      page:
        link.reason === 'expired'
          ? problemPage(c, 401, t('settingsLink.expired'), again, undefined, lang)
          : link.reason === 'revoked'
            ? problemPage(c, 401, t('settingsLink.withdrawn'), t('settingsLink.withdrawnText', { again }), undefined, lang)
            : problemPage(c, 404, t('settingsLink.none'), t('settingsLink.noneText'), undefined, lang),
    }
  }

  app.get('/', async (c) => {
    const { store, page } = await opened(c, c.req.query('t'))
    return page ?? renderSettings(c, deps, store!)
  })

  app.post('/', async (c) => {
    const form = await formBody(c)
    const { store, page } = await opened(c, typeof form.t === 'string' ? form.t : undefined)
    if (page) return page
    const change = settingsFromForm(form, store!)
    try {
      const saved = await updateStoreSettings(deps, store!.id, change)
      deps.log.info('settings saved from the settings page', { reqId: c.var.requestId, storeId: store!.id })
      return renderSettings(c, deps, saved, { saved: true })
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      // In the language the page was in, not the one a refused change asked for.
      const lang = pageLanguage(c, store!.settings.language)
      const problems = settingsProblems(store!, change, { field: error.field ?? '', message: error.message }, pageTranslator(lang))
      // The page shows what the merchant typed, wrong value included, so nothing is lost.
      const typed = { ...store!, settings: mergeSettings(store!.settings, change) as unknown as Store['settings'] }
      return renderSettings(c, deps, typed, { problems, lang }, 400)
    }
  })

  return app
}
