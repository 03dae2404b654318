import type { LookupAddress } from 'node:dns'
import { lookup } from 'node:dns/promises'
import type { LookupFunction } from 'node:net'
import { Agent, type RequestInit as UndiciRequestInit, fetch as undiciFetch } from 'undici'
import { addressRefusal, literalAddress, StoreAddressRefused, type StoreNetwork } from './storeAddress.js'

/** Every address a name resolves to (the system resolver, as the rest of Node uses). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>

const systemResolve: ResolveHost = (hostname) => lookup(hostname, { all: true })

/**
 * The Node StoreNetwork: store hosts are resolved once per connection, every address they resolve
 * to must pass the address policy (storeAddress.ts), and the connection is made to those very
 * addresses, so a name cannot answer one address to the check and another to the connect (DNS
 * rebinding). undici's own fetch and an Agent whose `connect.lookup` is the checked resolution do
 * this; TLS still checks the certificate against the hostname. Literal IP hosts skip lookup in
 * Node, so they are checked before the request.
 *
 * @example
 * const storeNetwork = createStoreNetwork({ allowPrivate: config.security.allowPrivateStoreAddresses })
 * await storeNetwork.fetch(new URL('https://dyqani.al/wp-json/wc/v3/webhooks'), { headers })
 */
export function createStoreNetwork(options: { allowPrivate: boolean; resolve?: ResolveHost }): StoreNetwork {
  const resolve = options.resolve ?? systemResolve

  const refuseAny = (host: string, addresses: string[]) => {
    for (const address of addresses) {
      const refusal = addressRefusal(address, options.allowPrivate)
      if (refusal) throw new StoreAddressRefused(address === host ? refusal : `${host} resolves to ${refusal}`)
    }
  }

  const checkedAddresses = async (hostname: string): Promise<LookupAddress[]> => {
    const addresses = await resolve(hostname)
    // A name that also resolves to a forbidden address is refused whole, not just that address.
    refuseAny(
      hostname,
      addresses.map((a) => a.address),
    )
    return addresses
  }

  const pinnedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    checkedAddresses(hostname).then(
      (all) => {
        const addresses = lookupOptions.family ? all.filter((a) => a.family === lookupOptions.family) : all
        if (!addresses.length)
          return callback(Object.assign(new Error(`${hostname} has no IPv${lookupOptions.family} address`), { code: 'ENOTFOUND' }), '', 0)
        if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
        callback(null, addresses[0]!.address, addresses[0]!.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
  const agent = new Agent({ connect: { lookup: pinnedLookup } })

  return {
    async check(url) {
      const literal = literalAddress(url)
      if (literal) refuseAny(literal, [literal])
      else await checkedAddresses(url.hostname)
    },
    async fetch(url, init) {
      const literal = literalAddress(url)
      if (literal) refuseAny(literal, [literal])
      try {
        return (await undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: agent })) as unknown as Response
      } catch (error) {
        // undici wraps what failed the connect ("fetch failed"); a refusal should read as itself.
        const cause = (error as { cause?: unknown }).cause
        throw cause instanceof StoreAddressRefused ? cause : error
      }
    },
  }
}
