import type { Context, MiddlewareHandler } from 'hono'
import { rateLimiter } from 'hono-rate-limiter'
import ipaddr from 'ipaddr.js'
import { problemPage } from '../pages/layout.js'

export interface InstallRateLimit {
  /** Installs one address may begin in a window. */
  limit: number
  windowMs: number
}

/** A merchant begins an install once or twice; ten in ten minutes from one address is someone else. */
export const INSTALL_RATE_LIMIT: InstallRateLimit = { limit: 10, windowMs: 10 * 60_000 }

/**
 * The bucket an address counts in: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber gets a whole /64, so counting single addresses would count nothing).
 */
export function rateLimitKey(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unknown'
  const ip = ipaddr.process(address)
  if (ip.kind() === 'ipv4') return ip.toString()
  return `${(ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`
}

/**
 * Who sent a request: the last `X-Forwarded-For` hop when callconfirm runs behind a proxy of its
 * own (TRUST_PROXY; that hop is what the proxy saw), else the socket's peer (`peer`, from the
 * runtime). Earlier hops are whatever the client wrote, so they are never read.
 */
export function clientAddressOf(trustProxy: boolean, peer: (c: Context) => string | undefined): (c: Context) => string | undefined {
  return (c) => {
    const lastHop = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined
    if (lastHop) return lastHop.slice(0, 64)
    try {
      return peer(c)
    } catch {
      // No socket behind this request (app.request in a test): one shared bucket.
      return undefined
    }
  }
}

/**
 * Limits how many installs (`/shopify/install`, `/woocommerce/connect`) one client address may
 * begin: each stores a state, and a stranger needs no account to ask. Over the limit, a plain page
 * (429, with Retry-After). Counts are kept in memory, per process.
 *
 * @example
 * app.use('/woocommerce/connect', installRateLimit({ clientAddress }))
 */
export function installRateLimit(options: { clientAddress: (c: Context) => string | undefined; limits?: Partial<InstallRateLimit> }): MiddlewareHandler {
  const { limit, windowMs } = { ...INSTALL_RATE_LIMIT, ...options.limits }
  return rateLimiter({
    limit,
    windowMs,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => rateLimitKey(options.clientAddress(c)),
    handler: (c) =>
      problemPage(c, 429, 'Too many connects from here', `This address has begun ${limit} connects in the last ${Math.round(windowMs / 60_000)} minutes. Wait a few minutes, then try again.`),
  })
}
