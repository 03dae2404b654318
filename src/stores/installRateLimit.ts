import type { Context, MiddlewareHandler } from 'hono'
import { rateLimiter } from 'hono-rate-limiter'
import { problemPage } from '../pages/layout.js'
import { addressBucket } from '../utils/clientAddress.js'

export interface InstallRateLimit {
  /** Installs one address may begin in a window. */
  limit: number
  windowMs: number
}

/** A merchant begins an install once or twice; ten in ten minutes from one address is someone else. */
export const INSTALL_RATE_LIMIT: InstallRateLimit = { limit: 10, windowMs: 10 * 60_000 }

/**
 * Limits how many installs (`/shopify/install`, `/woocommerce/connect`) one client address may
 * begin: each stores a state, and a stranger needs no account to ask. Over the limit, a plain page
 * (429, with Retry-After). Counts are kept in memory, per process.
 *
 * @example
 * app.use('/woocommerce/connect', installRateLimit({ clientAddress }))
 */
export function installRateLimit(options: {
  clientAddress: (c: Context) => string | undefined
  limits?: Partial<InstallRateLimit>
}): MiddlewareHandler {
  const { limit, windowMs } = { ...INSTALL_RATE_LIMIT, ...options.limits }
  return rateLimiter({
    limit,
    windowMs,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => addressBucket(options.clientAddress(c)),
    handler: (c) =>
      problemPage(
        c,
        429,
        'Too many connects from here',
        `This address has begun ${limit} connects in the last ${Math.round(windowMs / 60_000)} minutes. Wait a few minutes, then try again.`,
      ),
  })
}
