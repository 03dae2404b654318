import { addressRefusal, literalAddress, StoreAddressRefused, type StoreNetwork } from '../stores/storeAddress.js'

/**
 * The Workers StoreNetwork. A Worker's fetch leaves from Cloudflare's network, which has no
 * private networks of ours behind it and refuses private and link-local destinations itself, so
 * there is nothing to pin a resolved address against (Node's storeNetwork.ts does); what stays is
 * the policy on an address written into the URL, which `wrangler dev` on a laptop would otherwise
 * reach.
 *
 * @example
 * const storeNetwork = createWorkerStoreNetwork({ allowPrivate: false })
 */
export function createWorkerStoreNetwork(options: { allowPrivate: boolean }): StoreNetwork {
  const refuseLiteral = (url: URL) => {
    const literal = literalAddress(url)
    const refusal = literal && addressRefusal(literal, options.allowPrivate)
    if (refusal) throw new StoreAddressRefused(refusal)
  }
  return {
    async check(url) {
      refuseLiteral(url)
    },
    async fetch(url, init) {
      refuseLiteral(url)
      // workerd has no `redirect: 'error'`; a redirect is refused here instead, as fetch would.
      if (init?.redirect !== 'error') return fetch(url, init)
      const response = await fetch(url, { ...init, redirect: 'manual' })
      if (response.status >= 300 && response.status < 400)
        throw new TypeError(`the store redirected to ${response.headers.get('location') ?? 'elsewhere'}, which is not followed`)
      return response
    },
  }
}
