import ipaddr from 'ipaddr.js'

/**
 * Where a store may live. A store's address is whatever a merchant (or a stranger) types, and we
 * send authenticated requests there and act on the answers, so it must not be a way into the
 * networks this service runs on (SSRF). This module is the one place that decides; it is pure
 * (ipaddr.js only), so any runtime can use it. The Node side that resolves names and pins the
 * connection to the address checked is storeNetwork.ts.
 */

/** The networks a store address can be on, as far as we care. */
export type AddressKind =
  /** A public unicast address: where stores live. */
  | 'public'
  /** Loopback, RFC 1918, IPv6 unique-local, CGNAT: allowed only with ALLOW_PRIVATE_STORE_ADDRESSES. */
  | 'private'
  /** Link-local and cloud metadata services: never, whatever the setting (credentials live there). */
  | 'link-local'
  /** Unspecified, broadcast, multicast, reserved, documentation, NAT64 and other special ranges: never a shop. */
  | 'special'

/** Cloud metadata endpoints outside link-local: Alibaba (in CGNAT) and AWS's IPv6 one (unique-local). */
const METADATA = ['100.100.100.200', 'fd00:ec2::254'].map((a) => ipaddr.parse(a).toNormalizedString())

const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat'])

/**
 * The kind of network an IP address (v4 or v6, no brackets) is on. An IPv4-mapped IPv6 address
 * (`::ffff:169.254.169.254`) is the IPv4 address it maps.
 *
 * @example
 * addressKind('169.254.169.254') // 'link-local'
 * addressKind('10.1.2.3') // 'private'
 */
export function addressKind(address: string): AddressKind {
  let ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address()
  if (METADATA.includes(ip.toNormalizedString())) return 'link-local'
  const range = ip.range()
  if (range === 'unicast') return 'public'
  if (range === 'linkLocal') return 'link-local'
  return PRIVATE_RANGES.has(range) ? 'private' : 'special'
}

/** Why an address may not be a store's, in words for the operator and the merchant; undefined when it may. */
export function addressRefusal(address: string, allowPrivate: boolean): string | undefined {
  const kind = addressKind(address)
  if (kind === 'public' || (kind === 'private' && allowPrivate)) return undefined
  if (kind === 'private') return `${address} is on a private network (set ALLOW_PRIVATE_STORE_ADDRESSES=true for a shop on your own network)`
  if (kind === 'link-local') return `${address} is a link-local or cloud metadata address, never a shop`
  return `${address} is not an address a shop can be reached at`
}

/** A store address we will not send requests to; its message says why. */
export class StoreAddressRefused extends Error {
  override name = 'StoreAddressRefused'
}

/** The host of a URL as an IP address, when it is one (`[::1]` → `::1`); otherwise undefined. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  // URL parsing has already turned every IPv4 spelling (`0x7f.1`, `2130706433`) into four decimals.
  const literal = host.includes(':') ? ipaddr.IPv6.isValid(host) : ipaddr.IPv4.isValidFourPartDecimal(host)
  return literal ? host : undefined
}

/**
 * The network side of talking to stores, injected (deps.storeNetwork) so shared code stays
 * fetch-shaped: on Node, names are resolved once and the connection goes to the address checked
 * (storeNetwork.ts); on a runtime that cannot resolve, literal addresses are still checked.
 */
export interface StoreNetwork {
  /** Resolves `url`'s host and throws StoreAddressRefused if any of its addresses may not be a store's. */
  check(url: URL): Promise<void>
  /** `fetch`, refused (StoreAddressRefused) for an address `check` refuses, connected only to an address it allowed. */
  fetch(url: URL, init?: RequestInit): Promise<Response>
}

/**
 * Why requests may not go to the store at `siteUrl`, or undefined. A name that does not resolve
 * (yet) is not refused here: every request to it is checked again when it is made.
 *
 * @example
 * await storeAddressRefusal(deps.storeNetwork, 'https://10.0.0.5') // → '10.0.0.5 is on a private network (…)'
 */
export async function storeAddressRefusal(network: StoreNetwork, siteUrl: string): Promise<string | undefined> {
  try {
    await network.check(new URL(siteUrl))
    return undefined
  } catch (error) {
    if (error instanceof StoreAddressRefused) return error.message
    return undefined
  }
}
