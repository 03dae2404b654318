import { randomBytes } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import type { StoreSignup } from '../../config.js'
import type { AppDeps } from '../../deps.js'
import { type Language, pageTranslator } from '../../i18n/index.js'
import { pageAt, pageLanguage, readerWords } from '../../pages/language.js'
import { Page, problemPage } from '../../pages/layout.js'
import { sameSecret, sha256Hex } from '../../utils/digest.js'
import type { ConnectLinkCheck } from '../connectLinks.js'
import { installStateHash, recentlySpentInstall, rememberInstallState, type SpentInstall, spendInstallState } from '../installStates.js'
import { findStore, findStoreByDomain } from '../records.js'
import { storeAddressRefusal } from '../storeAddress.js'
import { type FinishWooConnectDeps, finishWooConnect, pendingKeysContext, readConnectFailure } from './connectKeys.js'
import { wooSiteUrl } from './siteUrl.js'

/** How long a merchant may take to log in to WordPress and approve. */
const CONNECT_STATE_TTL_MS = 30 * 60_000
/** How long the return page waits for the keys to be proven before it says to reload. */
const RETURN_WAIT_MS = 5_000
/** The cookie that ties a connect to the browser that began it (its SHA-256 is on the state). */
const BROWSER_COOKIE = 'callconfirm_connect'

/** What WooCommerce POSTs to `callback_url` once the merchant approved (WC_Auth::create_keys). */
const keysSchema = z.object({
  key_id: z.number().int(),
  user_id: z.string().min(1).max(200),
  consumer_key: z.string().regex(/^ck_[A-Za-z0-9]{8,200}$/),
  consumer_secret: z.string().regex(/^cs_[A-Za-z0-9]{8,200}$/),
  key_permissions: z.literal('read_write'),
})

/** Why a store that is not here yet may not be connected (the pages' `connect.*` texts of the same names). */
export type NewStoreRefusal =
  | { kind: 'inviteNeeded' }
  | { kind: 'inviteExpired' }
  | { kind: 'inviteInvalid' }
  | { kind: 'inviteOtherStore'; linkStore: string; store: string }

/**
 * Who may connect a store that is not here yet (STORE_SIGNUP); a store already here may always
 * be connected again, because only keys that work on it replace its own (connectKeys.ts).
 * `invite`: only with the operator's connect link, for this store if the link names one.
 */
export function newStoreRefusal(signup: StoreSignup, invite: ConnectLinkCheck | undefined, siteUrl: string): NewStoreRefusal | undefined {
  if (signup !== 'invite') return undefined
  if (!invite) return { kind: 'inviteNeeded' }
  if (!invite.ok) return { kind: invite.reason === 'expired' ? 'inviteExpired' : 'inviteInvalid' }
  if (invite.storeUrl && invite.storeUrl !== siteUrl) return { kind: 'inviteOtherStore', linkStore: invite.storeUrl, store: siteUrl }
  return undefined
}

function ConnectForm(props: { invite?: string | undefined; lang: Language; here: string }) {
  const { t } = pageTranslator(props.lang)
  return (
    <Page title={t('connect.title')} lang={props.lang} here={props.here}>
      <h1>{t('connect.title')}</h1>
      <form method="get" action="/woocommerce/connect">
        {props.invite && <input type="hidden" name="invite" value={props.invite} />}
        <label for="store_url">{t('connect.address')}</label>
        <input id="store_url" name="store_url" type="url" placeholder="https://dyqani.al" required />
        <p class="hint">{t('connect.hint')}</p>
        <button type="submit">{t('connect.submit')}</button>
      </form>
    </Page>
  )
}

/**
 * WooCommerce's one-click connect (WC_Auth, `/wc-auth/v1/authorize`): the merchant names their
 * store, approves callconfirm in WordPress, WooCommerce POSTs us a read/write key pair, and the
 * keys are proven on the store before the store is saved and its `order.created` webhook made
 * (connectKeys.ts). The unsigned key POST is accepted only with the unguessable, expiring,
 * single-use state we put in `user_id`; the result (a settings link) is shown only to the browser
 * that began the connect, which holds the cookie whose hash is on the state.
 */
export function wooConnectRoutes(deps: FinishWooConnectDeps & Pick<AppDeps, 'connectLinks' | 'settingsLinks'>) {
  const app = new Hono()
  const publicUrl = deps.config.publicUrl

  app.get('/connect', async (c) => {
    const given = c.req.query('store_url') ?? ''
    const invite = c.req.query('invite')
    const { t, lang } = readerWords(c)
    if (!given.trim()) return c.html(<ConnectForm invite={invite} lang={lang} here={pageAt(c).here} />)
    const site = wooSiteUrl(given)
    if (!site.ok) {
      const text = t(site.reason === 'not_https' ? 'connect.notHttps' : 'connect.notAnAddressText', { given: given.slice(0, 100) })
      return problemPage(c, 400, t('connect.notAnAddress'), text, undefined, lang)
    }
    const siteUrl = site.siteUrl
    const refusal = await storeAddressRefusal(deps.storeNetwork, siteUrl)
    if (refusal) return problemPage(c, 400, t('connect.unreachable'), t('connect.unreachableText', { why: refusal }), undefined, lang)
    if (!(await findStoreByDomain(deps.db, 'woocommerce', siteUrl, deps.storeDefaults))) {
      const refused = newStoreRefusal(
        deps.config.security.storeSignup,
        invite === undefined ? undefined : deps.connectLinks.verify(invite, deps.now()),
        siteUrl,
      )
      if (refused) return problemPage(c, 403, t('connect.askForLink'), t(`connect.${refused.kind}`, refused), undefined, lang)
    }

    // One nonce per browser, so connects begun side by side in one browser each find theirs.
    const held = getCookie(c, BROWSER_COOKIE)
    const nonce = held && /^[A-Za-z0-9_-]{32}$/.test(held) ? held : randomBytes(24).toString('base64url')
    const state = randomBytes(24).toString('base64url')
    const stored = await rememberInstallState(
      deps.db,
      { platform: 'woocommerce', domain: siteUrl, state, browserHash: sha256Hex(nonce) },
      deps.now(),
      CONNECT_STATE_TTL_MS,
    )
    if (!stored) {
      c.header('Retry-After', '300')
      return problemPage(c, 503, t('connect.busy'), t('connect.busyText'), undefined, lang)
    }
    setCookie(c, BROWSER_COOKIE, nonce, {
      path: '/woocommerce',
      httpOnly: true,
      // Lax: sent when WordPress sends the browser back to /woocommerce/return (a top-level GET).
      sameSite: 'Lax',
      secure: publicUrl.startsWith('https://'),
      maxAge: CONNECT_STATE_TTL_MS / 1000,
    })
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

  // WooCommerce keeps the keys only if this answers exactly 200, and the store may not serve its
  // own REST API until it has the answer: the keys are sealed on the spent state, the answer goes
  // out, and they are proven on the store and installed after it (finishWooConnect).
  app.post('/callback', async (c) => {
    const parsed = keysSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) return c.json({ error: { code: 'invalid_keys', message: 'expected WooCommerce’s read_write key POST' } }, 400)
    const keys = parsed.data
    const stateHash = installStateHash(keys.user_id)
    const sealed = await deps.box.seal(
      JSON.stringify({ consumerKey: keys.consumer_key, consumerSecret: keys.consumer_secret }),
      pendingKeysContext(stateHash),
    )
    const state = await spendInstallState(deps.db, 'woocommerce', keys.user_id, deps.now(), sealed)
    const reqId = c.var.requestId
    if (!state.ok) {
      deps.log.warn('WooCommerce keys refused', { reqId, reason: state.reason })
      return c.json(
        { error: { code: `state_${state.reason}`, message: 'this connect was not started here, expired, or was completed already' } },
        401,
      )
    }
    setTimeout(() => void finishWooConnect(deps, { stateHash, domain: state.domain }, reqId), 0)
    return c.json({ ok: true })
  })

  /** The spent state, once its keys were proven or refused, or as it is when RETURN_WAIT_MS have passed. */
  async function outcome(state: string): Promise<SpentInstall | undefined> {
    const end = performance.now() + RETURN_WAIT_MS
    for (;;) {
      const spent = await recentlySpentInstall(deps.db, 'woocommerce', state, deps.now(), CONNECT_STATE_TTL_MS)
      if (!spent || spent.storeId || spent.failure || performance.now() > end) return spent
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  const sameBrowser = (c: Context, spent: SpentInstall) => {
    const nonce = getCookie(c, BROWSER_COOKIE)
    return !!nonce && !!spent.browserHash && sameSecret(sha256Hex(nonce), spent.browserHash)
  }

  app.get('/return', async (c) => {
    const state = c.req.query('user_id') ?? ''
    const { t, lang } = readerWords(c)
    const notConnected = (status: 400 | 404, text: string) => problemPage(c, status, t('connect.notConnected'), text, undefined, lang)
    if (c.req.query('success') === '0') return notConnected(400, t('connect.declined'))
    const spent = await recentlySpentInstall(deps.db, 'woocommerce', state, deps.now(), CONNECT_STATE_TTL_MS)
    if (!spent) return notConnected(404, t('connect.noKeys'))
    // The settings link opens the store's settings and its customers' orders: only the browser
    // that began the connect gets it, not whoever holds this URL.
    if (!sameBrowser(c, spent)) return problemPage(c, 403, t('connect.otherBrowser'), t('connect.otherBrowserText'), undefined, lang)
    const done = (await outcome(state)) ?? spent
    if (done.failure) {
      const failure = readConnectFailure(done.failure)
      return notConnected(400, typeof failure === 'string' ? failure : t(`connect.${failure.kind}`, failure))
    }
    const store = done.storeId ? await findStore(deps.db, done.storeId, deps.storeDefaults) : undefined
    if (!store) {
      c.status(202)
      return c.html(
        <Page title={t('connect.stillConnecting')} lang={lang} head={<meta http-equiv="refresh" content="3" />}>
          <h1>{t('connect.stillConnecting')}</h1>
          <p>{t('connect.stillConnectingText')}</p>
        </Page>,
      )
    }
    const link = deps.settingsLinks.link(store, deps.now()).url
    const awaitsApproval = store.row.approvedAt === null
    // From here on the store is known: its merchant reads its language, unless they chose another.
    const words = pageTranslator(pageLanguage(c, store.settings.language))
    return c.html(
      <Page title={words.t('connect.connected')} lang={words.language} here={pageAt(c).here}>
        <h1>{words.t('connect.connectedTitle', { name: store.settings.companyName })}</h1>
        <p class="notice">{words.t(awaitsApproval ? 'connect.awaitsApproval' : 'connect.calling')}</p>
        <p>
          <a href={link}>{words.t('connect.openSettings')}</a>
        </p>
        <p class="hint">{words.t('connect.settingsHint')}</p>
      </Page>,
    )
  })

  return app
}
