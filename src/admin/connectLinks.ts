import { Hono } from 'hono'
import { z } from 'zod'
import type { AppDeps } from '../deps.js'
import { firstProblem } from '../domain/validation.js'
import { CONNECT_LINK_DAYS, CONNECT_LINK_MAX_DAYS } from '../stores/connectLinks.js'
import { storeAddressRefusal } from '../stores/storeAddress.js'
import { wooSiteUrl } from '../stores/woocommerce/siteUrl.js'
import { ApiError } from '../utils/errors.js'
import { jsonBody } from './body.js'

const DAY_MS = 24 * 3600_000

const inviteSchema = z
  .object({
    /** The store the link may connect; without it, any store (until the link expires). */
    storeUrl: z.string().max(500).optional(),
    days: z.number().int().min(1).max(CONNECT_LINK_MAX_DAYS).default(CONNECT_LINK_DAYS),
  })
  .strict()

/**
 * `POST /api/connect-links`: the operator invites a merchant (STORE_SIGNUP=invite) with a signed,
 * expiring link to connect their WooCommerce store, `{url, expiresAt}`. A body-less POST makes an
 * unbound link for seven days.
 *
 * @example
 * curl -X POST -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \
 *   -d '{"storeUrl": "https://dyqani.al", "days": 3}' $PUBLIC_URL/api/connect-links
 */
export function connectLinkRoutes(deps: Pick<AppDeps, 'connectLinks' | 'storeNetwork' | 'log' | 'now'>) {
  return new Hono().post('/', async (c) => {
    const body = c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : await jsonBody(c)
    const parsed = inviteSchema.safeParse(body)
    if (!parsed.success) {
      const { field, message } = firstProblem(parsed.error)
      throw new ApiError(400, 'invalid_field', message, field)
    }
    let storeUrl: string | undefined
    if (parsed.data.storeUrl !== undefined) {
      const site = wooSiteUrl(parsed.data.storeUrl)
      if (!site.ok) throw new ApiError(400, 'invalid_field', site.problem, 'storeUrl')
      const refusal = await storeAddressRefusal(deps.storeNetwork, site.siteUrl)
      if (refusal) throw new ApiError(400, 'invalid_field', `must be a store on the internet: ${refusal}`, 'storeUrl')
      storeUrl = site.siteUrl
    }
    const expiresAt = deps.now() + parsed.data.days * DAY_MS
    deps.log.info('connect link made', { reqId: c.var.requestId, boundToStore: storeUrl !== undefined, days: parsed.data.days })
    return c.json({ url: deps.connectLinks.link(storeUrl, expiresAt), storeUrl: storeUrl ?? null, expiresAt: new Date(expiresAt).toISOString() }, 201)
  })
}
