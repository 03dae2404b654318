import type { Context } from 'hono'
import ipaddr from 'ipaddr.js'

/** Who sent a request, for limits per client address (deps.clientAddress). */

/**
 * The bucket an address counts in: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber gets a whole /64, so counting single addresses would count nothing).
 */
export function addressBucket(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unknown'
  const ip = ipaddr.process(address)
  if (ip.kind() === 'ipv4') return ip.toString()
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`
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
