import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import type { ShopifyEmbedding } from '../stores/shopify/adminApi.js'
import { usePageWords } from './language.js'
import { ADMIN_SECTIONS } from './sections.js'

/**
 * A page inside the Shopify admin: the shop and App Bridge's `host` it was opened with, what App
 * Bridge needs, and the page's script nonce (its links' script and App Bridge run under it).
 */
export interface AdminFrame {
  shop: string
  host: string
  apiKey: string
  appBridgeUrl: string
  nonce: string
}

/** The query an embedded page keeps on its way to the next one: Shopify's own launch parameters. */
export const frameQuery = (frame: Pick<AdminFrame, 'shop' | 'host'>) => new URLSearchParams({ embedded: '1', shop: frame.shop, host: frame.host })

/** A page for `shop` inside its admin, with a fresh nonce; the caller vouches for the shop. */
export const adminFrame = (embedding: ShopifyEmbedding, shop: string, host: string): AdminFrame => ({
  shop,
  host,
  apiKey: embedding.apiKey ?? '',
  appBridgeUrl: embedding.appBridgeUrl,
  nonce: crypto.randomUUID(),
})

/** The admin frame a request asks to be shown in (Shopify's `embedded=1` with a `host`), for a shop the caller vouches for. */
export function askedFrame(c: Context, embedding: ShopifyEmbedding, shop: string): AdminFrame | undefined {
  const host = c.req.query('host')
  return c.req.query('embedded') === '1' && host && c.req.query('shop') === shop ? adminFrame(embedding, shop, host) : undefined
}

/**
 * The Content-Security-Policy of a page with scripts: only the nonce's run. Inside the admin, App
 * Bridge's script too, and the shop's admin may frame the page; anywhere else nobody may.
 */
export function pagePolicy(nonce: string, framed?: { appBridgeUrl: string; frameAncestors: string }): string {
  const appBridge = framed ? ` ${new URL(framed.appBridgeUrl).origin}` : ''
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'${appBridge}`,
    "style-src 'unsafe-inline'",
    `connect-src 'self'${appBridge}`,
    "media-src 'self'",
    "form-action 'self'",
    `frame-ancestors ${framed?.frameAncestors ?? "'none'"}`,
    "base-uri 'none'",
  ].join('; ')
}

/** The policy of a page inside the shop's admin. */
export const framedPolicy = (frame: AdminFrame, embedding: ShopifyEmbedding) =>
  pagePolicy(frame.nonce, { appBridgeUrl: frame.appBridgeUrl, frameAncestors: embedding.frameAncestors(frame.shop) })

/** App Bridge's client ID and script: first in the head, neither async nor deferred, as App Bridge requires. */
export function AppBridgeHead(props: { frame: AdminFrame }) {
  return (
    <>
      <meta name="shopify-api-key" content={props.frame.apiKey} />
      <script src={props.frame.appBridgeUrl} nonce={props.frame.nonce} />
    </>
  )
}

/**
 * Inside the admin no cookie of ours arrives (the admin frames us from another site), so every
 * page is opened with a fresh session token from App Bridge: a click on one of our links, or a
 * form sent, first asks `shopify.idToken()` and carries it as `id_token` with Shopify's launch
 * parameters, and so does a recording's player. App Bridge itself adds it to our `fetch` calls.
 * A link that opens elsewhere (`target`, another site) is left alone; a form sent to a tab of its
 * own (the talk page) carries the token there.
 */
const FRAME_LINKS = `
const launch = new URLSearchParams(location.search)
const frame = { embedded: '1', shop: launch.get('shop') || '', host: launch.get('host') || '' }
async function signed(href) {
  const url = new URL(href, location.href)
  for (const [name, value] of Object.entries(frame)) url.searchParams.set(name, value)
  url.searchParams.set('id_token', await shopify.idToken())
  return url
}
document.addEventListener('click', async (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null
  if (!link || link.target || link.origin !== location.origin || link.closest('ui-nav-menu')) return
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  location.assign(await signed(link.href))
})
document.addEventListener('submit', async (event) => {
  const form = event.target
  if (form.dataset.signed) return void delete form.dataset.signed
  event.preventDefault()
  const url = await signed(form.action)
  if (form.method === 'get') {
    for (const [name, value] of url.searchParams) {
      if (!(name in frame) && name !== 'id_token') continue
      const field = form.querySelector('input[type=hidden][name="' + name + '"]') || form.appendChild(Object.assign(document.createElement('input'), { type: 'hidden', name }))
      field.value = value
    }
  } else form.action = url.href
  form.dataset.signed = '1'
  form.requestSubmit(event.submitter && event.submitter.form === form ? event.submitter : undefined)
})
document.addEventListener('DOMContentLoaded', () => {
  for (const media of document.querySelectorAll('audio[src]'))
    if (new URL(media.src).origin === location.origin) signed(media.src).then((url) => { media.src = url.href })
})
`

/**
 * The app's part of the admin around an embedded page: its sections in the admin's sidebar
 * (`<ui-nav-menu>`; the first is the app's home) and the page's title in the admin's title bar
 * (`<ui-title-bar>`), both App Bridge's elements, and the links' script above.
 */
export function AdminChrome(props: { frame: AdminFrame; title: string }) {
  const { t } = usePageWords()
  return (
    <>
      <ui-nav-menu>
        {ADMIN_SECTIONS.map(([href, label], i) => (
          <a href={href} rel={i === 0 ? 'home' : undefined}>
            {t(label)}
          </a>
        ))}
      </ui-nav-menu>
      <ui-title-bar title={props.title} />
      <script nonce={props.frame.nonce} dangerouslySetInnerHTML={{ __html: FRAME_LINKS }} />
    </>
  )
}

/** An embedded page's own head: App Bridge's, or nothing outside the admin. */
export const frameHead = (frame: AdminFrame | undefined): Child => (frame ? <AppBridgeHead frame={frame} /> : undefined)
