import { createHmac, randomBytes } from 'node:crypto'
import type { Context, Hono } from 'hono'

/** The app as its Partner Dashboard / Dev Dashboard entry knows it. */
export interface PartnerApp {
  apiKey: string
  apiSecret: string
  /** Allowed redirection URLs: an authorize request's `redirect_uri` must start with one. */
  redirectUrls: string[]
  /** The app's URL (`application_url`): what the admin frames when the merchant opens the app. */
  applicationUrl?: string
}

/** A shop's grant to the app: what the OAuth endpoints issue and the Admin API checks. */
export interface Grant {
  accessToken: string
  /** Unix ms; undefined for a non-expiring offline token. */
  expiresAt: number | undefined
  refreshToken: string | undefined
  refreshTokenExpiresAt: number | undefined
  /** The refresh token this one replaced: Shopify keeps it usable until the new one is first used. */
  previousRefreshToken: string | undefined
  scopes: string[]
}

/** What the OAuth endpoints need from the simulated shops. */
export interface OAuthShops {
  app: PartnerApp | undefined
  /** Access token lifetime for expiring offline tokens (Shopify: 3,600 s). */
  tokenTtlSeconds: number
  exists(shop: string): boolean
  grantOf(shop: string): Grant | undefined
  setGrant(shop: string, grant: Grant): void
  shopForRefreshToken(token: string): string | undefined
}

const REFRESH_TOKEN_TTL_S = 90 * 24 * 3600
const CODE_TTL_MS = 10 * 60_000

/** Shopify's OAuth error page. */
const errorPage = (c: Context, message: string) => c.html(`<!DOCTYPE html><title>Oauth error</title><h1>Oauth error ${message}</h1>`, 400)

/** `?a=1&b=2` without `hmac`, keys sorted: the message Shopify signs a redirect's query with. */
export function signedQuery(params: Record<string, string>, secret: string): URLSearchParams {
  const sorted = new URLSearchParams(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  const hmac = createHmac('sha256', secret).update(sorted.toString()).digest('hex')
  return new URLSearchParams({ ...params, hmac })
}

/**
 * A session token as App Bridge hands one to an embedded app's page (HS256, signed with the app's
 * secret; https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens).
 */
export function appBridgeSessionToken(app: Pick<PartnerApp, 'apiKey' | 'apiSecret'>, shop: string, userId = 42): string {
  const now = Math.floor(Date.now() / 1000)
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: app.apiKey,
    sub: String(userId),
    exp: now + 60,
    nbf: now,
    iat: now,
    jti: randomBytes(16).toString('hex'),
    sid: randomBytes(16).toString('hex'),
  })}`
  return `${body}.${createHmac('sha256', app.apiSecret).update(body).digest('base64url')}`
}

/** The `host` parameter Shopify adds: base64url of the shop's admin URL. */
export const hostParam = (shop: string) => Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, '')}`).toString('base64url')

/**
 * Shopify's authorization-code grant on loopback (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant):
 * `GET /admin/oauth/authorize` is the merchant approving the install (here, always approving) and
 * redirecting with a signed query; `POST /admin/oauth/access_token` exchanges the one-time code
 * for an offline token (expiring, with a refresh token, when asked) or refreshes one. The shop is
 * the request's host on Shopify; here it is the `shop` query parameter on the authorize page (a
 * browser cannot be told otherwise) and X-Forwarded-Host, when sent, on the token endpoint.
 */
export interface TokenRequest {
  shop: string | undefined
  grantType: 'authorization_code' | 'refresh_token'
  status: number
}

export function mountOAuth(app: Hono, shops: OAuthShops): { tokenRequests: TokenRequest[] } {
  const tokenRequests: TokenRequest[] = []
  const codes = new Map<string, { shop: string; scopes: string[]; expiresAt: number }>()

  app.get('/admin/oauth/authorize', (c) => {
    const q = c.req.query()
    const partner = shops.app
    const shop = q.shop ?? ''
    if (!partner || q.client_id !== partner.apiKey) return errorPage(c, 'invalid_request: The client_id is invalid')
    if (!shops.exists(shop)) return c.html('<!DOCTYPE html><title>Store unavailable</title><h1>Sorry, this store is currently unavailable.</h1>', 404)
    const redirect = q.redirect_uri ?? ''
    if (!partner.redirectUrls.some((allowed) => redirect.startsWith(allowed)))
      return errorPage(c, 'invalid_request: The redirect_uri is not whitelisted')
    const scopes = (q.scope ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const code = randomBytes(16).toString('hex')
    codes.set(code, { shop, scopes, expiresAt: Date.now() + CODE_TTL_MS })
    const query = signedQuery(
      { code, host: hostParam(shop), shop, state: q.state ?? '', timestamp: String(Math.floor(Date.now() / 1000)) },
      partner.apiSecret,
    )
    return c.redirect(`${redirect}?${query}`, 302)
  })

  app.post('/admin/oauth/access_token', async (c) => {
    const type = c.req.header('content-type') ?? ''
    const body: Record<string, string> = type.includes('json')
      ? await c.req.json().catch(() => ({}))
      : Object.fromEntries(new URLSearchParams(await c.req.text()))
    const partner = shops.app
    const record: TokenRequest = {
      shop: undefined,
      grantType: body.grant_type === 'refresh_token' ? 'refresh_token' : 'authorization_code',
      status: 200,
    }
    tokenRequests.push(record)
    const refuse = (status: 400 | 401, error: string, description: string) => {
      record.status = status
      return c.json({ error, error_description: description }, status)
    }
    if (!partner || body.client_id !== partner.apiKey || body.client_secret !== partner.apiSecret)
      return refuse(
        401,
        'invalid_client',
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      )
    const forwardedShop = c.req.header('x-forwarded-host')
    const issue = (shop: string, scopes: string[], expiring: boolean, previousRefreshToken?: string) => {
      record.shop = shop
      const now = Date.now()
      const grant: Grant = {
        accessToken: `shpua_${randomBytes(16).toString('hex')}`,
        expiresAt: expiring ? now + shops.tokenTtlSeconds * 1000 : undefined,
        refreshToken: expiring ? `shprt_${randomBytes(16).toString('hex')}` : undefined,
        refreshTokenExpiresAt: expiring ? now + REFRESH_TOKEN_TTL_S * 1000 : undefined,
        previousRefreshToken,
        scopes,
      }
      shops.setGrant(shop, grant)
      return c.json({
        access_token: grant.accessToken,
        scope: scopes.join(','),
        ...(expiring && { expires_in: shops.tokenTtlSeconds, refresh_token: grant.refreshToken, refresh_token_expires_in: REFRESH_TOKEN_TTL_S }),
      })
    }

    if (body.grant_type === 'refresh_token') {
      const shop = shops.shopForRefreshToken(body.refresh_token ?? '')
      const grant = shop ? shops.grantOf(shop) : undefined
      if (!shop || !grant || (forwardedShop && forwardedShop !== shop) || (grant.refreshTokenExpiresAt ?? 0) < Date.now())
        return refuse(400, 'invalid_grant', 'The refresh token is invalid, expired or was revoked.')
      return issue(shop, grant.scopes, true, body.refresh_token === grant.refreshToken ? grant.refreshToken : undefined)
    }
    const pending = codes.get(body.code ?? '')
    codes.delete(body.code ?? '')
    if (!pending || pending.expiresAt < Date.now() || (forwardedShop && forwardedShop !== pending.shop))
      return refuse(400, 'invalid_request', 'The authorization code was not found or was already used')
    return issue(pending.shop, pending.scopes, body.expiring === '1')
  })
  return { tokenRequests }
}
