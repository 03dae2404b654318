import type { Hono } from 'hono'
import { html, raw } from 'hono/html'
import { appBridgeSessionToken, hostParam, type PartnerApp, signedQuery } from './oauth.js'

/**
 * The Shopify admin around an embedded app, on loopback: what the sandbox and the browser tests
 * open instead of admin.shopify.com. The admin page (`/store/{handle}/apps/{client id}/{path}`)
 * frames the app's URL with Shopify's launch parameters, signed (embedded, host, id_token,
 * locale, session, shop, timestamp, hmac); its sidebar shows the app's `<ui-nav-menu>` and its
 * title bar the app's `<ui-title-bar>`. A click in the sidebar loads the admin page again at the
 * link's path, which frames the app there with a fresh launch, as the admin reloads the frame.
 *
 * App Bridge's part inside the frame is a stand-in for cdn.shopify.com/shopifycloud/app-bridge.js
 * (served at the same path): `shopify.idToken()`, the session token on the page's own `fetch`
 * calls, the bounce page's `shopify-reload`, `open(url, '_top')`, and the two elements. Shopify's
 * protocol between App Bridge and the admin is its own and unpublished, so the one here is ours;
 * what the app sees (the script's API, the token, the launch) is Shopify's.
 */
export interface AdminFrameShops {
  app: PartnerApp | undefined
  exists(shop: string): boolean
  name(shop: string): string | undefined
}

const shopOf = (handle: string) => `${handle}.myshopify.com`

export function mountAdminFrame(app: Hono, shops: AdminFrameShops): void {
  app.get('/shopifycloud/app-bridge.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    c.header('Cache-Control', 'no-store')
    return c.body(APP_BRIDGE)
  })

  // The signed-in staff member's token for the app, as the admin mints one for App Bridge.
  app.post('/store/:handle/app-bridge/id-token', (c) => {
    const partner = shops.app
    const shop = shopOf(c.req.param('handle'))
    if (!partner || !shops.exists(shop)) return c.json({ error: 'not found' }, 404)
    return c.json({ token: appBridgeSessionToken(partner, shop) })
  })

  app.get('/store/:handle/apps/:client/*', (c) => {
    const partner = shops.app
    const handle = c.req.param('handle')
    const shop = shopOf(handle)
    if (!partner?.applicationUrl || c.req.param('client') !== partner.apiKey || !shops.exists(shop))
      return c.html('<!DOCTYPE html><title>Store unavailable</title><h1>Sorry, this page isn’t available.</h1>', 404)
    const base = `/store/${handle}/apps/${partner.apiKey}`
    const path = c.req.path.slice(base.length)
    // The app's home is its URL; any other page is that path on the app's origin.
    const target = path && path !== '/' ? new URL(path, partner.applicationUrl) : new URL(partner.applicationUrl)
    const launch = signedQuery(
      {
        embedded: '1',
        host: hostParam(shop),
        id_token: appBridgeSessionToken(partner, shop),
        locale: c.req.query('locale') ?? 'sq',
        session: crypto.randomUUID().replaceAll('-', ''),
        shop,
        timestamp: String(Math.floor(Date.now() / 1000)),
      },
      partner.apiSecret,
    )
    for (const [name, value] of new URL(c.req.url).searchParams) if (name !== 'locale') target.searchParams.set(name, value)
    for (const [name, value] of launch) target.searchParams.set(name, value)
    const config = JSON.stringify({ base, appOrigin: target.origin, tokenUrl: `/store/${handle}/app-bridge/id-token` }).replaceAll('<', '\\u003c')
    return c.html(html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${shops.name(shop) ?? shop} · Shopify</title>
<style>body{margin:0;font-family:sans-serif;display:grid;grid-template-columns:14rem 1fr;grid-template-rows:3rem 1fr;height:100vh}
header{grid-column:1/3;background:#1a1a1a;color:#fff;display:flex;align-items:center;padding:0 1rem}
nav{background:#ebebeb;padding:1rem}nav a{display:block;padding:.3rem 0}#title-bar{margin:0;padding:.5rem 1rem;font-size:1rem}
main{display:flex;flex-direction:column}iframe{flex:1;border:0;width:100%}</style></head>
<body><header data-shop="${shop}">${shops.name(shop) ?? shop}</header>
<nav id="app-nav" aria-label="App"></nav>
<main><h1 id="title-bar"></h1><iframe id="app-frame" name="app-iframe" title="App" src="${target.href}"></iframe></main>
<script>const admin = ${raw(config)}; ${raw(ADMIN_SCRIPT)}</script></body></html>`)
  })
}

/** The admin's side: answers App Bridge in the frame, from the app's origin only (`admin` is the page's own settings). */
const ADMIN_SCRIPT = `
const frame = document.getElementById('app-frame')
const nav = document.getElementById('app-nav')
const title = document.getElementById('title-bar')
window.addEventListener('message', async (event) => {
  if (event.source !== frame.contentWindow || event.origin !== admin.appOrigin) return
  const message = event.data || {}
  if (message.type === 'app-bridge:id-token') {
    const res = await fetch(admin.tokenUrl, { method: 'POST' })
    const answer = res.ok ? await res.json() : { error: 'the admin answered ' + res.status }
    frame.contentWindow.postMessage({ type: 'app-bridge:id-token', id: message.id, ...answer }, admin.appOrigin)
  } else if (message.type === 'app-bridge:nav-menu') {
    nav.replaceChildren(...message.items.map((item) => {
      const link = document.createElement('a')
      link.textContent = item.label
      link.href = admin.base + (item.href.startsWith('/') ? item.href : '/' + item.href)
      return link
    }))
  } else if (message.type === 'app-bridge:title-bar') {
    title.textContent = message.title
  } else if (message.type === 'app-bridge:open' && message.target === '_top') {
    location.assign(message.url)
  }
})
`

/** The stand-in for App Bridge, as the app's page loads it: first in its head. */
const APP_BRIDGE = `(() => {
  const admin = new URL(document.currentScript.src).origin
  const apiKey = document.querySelector('meta[name="shopify-api-key"]')?.content
  if (!apiKey || window.parent === window) return
  const post = (message) => window.parent.postMessage(message, admin)
  let next = 0
  const waiting = new Map()
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== admin) return
    const message = event.data || {}
    const settle = message.type === 'app-bridge:id-token' && waiting.get(message.id)
    if (!settle) return
    waiting.delete(message.id)
    settle(message)
  })
  const idToken = () => new Promise((resolve, reject) => {
    const id = ++next
    waiting.set(id, (m) => (m.token ? resolve(m.token) : reject(new Error(m.error || 'no session token'))))
    post({ type: 'app-bridge:id-token', id })
  })
  window.shopify = { idToken, config: { apiKey } }

  // The page's own requests carry the session token, as App Bridge's fetch does.
  const fetchOf = window.fetch.bind(window)
  window.fetch = async (input, init = {}) => {
    const request = new Request(input, init)
    if (new URL(request.url).origin !== location.origin) return fetchOf(request)
    const headers = new Headers(request.headers)
    headers.set('Authorization', 'Bearer ' + (await idToken()))
    return fetchOf(new Request(request, { headers }))
  }
  const openOf = window.open.bind(window)
  window.open = (url, target, features) => {
    if (target !== '_top') return openOf(url, target, features)
    post({ type: 'app-bridge:open', url: new URL(url, location.href).href, target })
    return null
  }

  // The bounce page: back to the page asked for, with a fresh token; only ever a page of this app.
  const reload = new URLSearchParams(location.search).get('shopify-reload')
  if (reload) {
    const to = new URL(reload, location.href)
    if (to.origin === location.origin)
      idToken().then((token) => { to.searchParams.set('id_token', token); location.replace(to.href) })
  }

  class NavMenu extends HTMLElement {
    connectedCallback() {
      this.style.display = 'none'
      // Connected at its start tag: its links are there once the document is.
      const send = () => post({
        type: 'app-bridge:nav-menu',
        items: [...this.querySelectorAll('a')].map((a) => ({ label: a.textContent.trim(), href: a.getAttribute('href') })),
      })
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', send, { once: true })
      else send()
    }
  }
  class TitleBar extends HTMLElement {
    static observedAttributes = ['title']
    connectedCallback() { this.style.display = 'none' }
    attributeChangedCallback() { post({ type: 'app-bridge:title-bar', title: this.getAttribute('title') }) }
  }
  customElements.define('ui-nav-menu', NavMenu)
  customElements.define('ui-title-bar', TitleBar)
})()
`
