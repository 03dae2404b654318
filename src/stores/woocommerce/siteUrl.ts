// Plain http only to this machine (the simulators); anywhere else the keys would travel in clear.
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

/**
 * One spelling per site: scheme and host lower-cased, no trailing slash.
 *
 * @example
 * normaliseSiteUrl('https://Dyqani.al/shop/') // → 'https://dyqani.al/shop'
 */
export function normaliseSiteUrl(url: string): string {
  const u = new URL(url)
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`
}

/** Whether `hostname` (as URL gives it: `[::1]` in brackets) is this machine. */
export const isLoopbackHost = (hostname: string) => LOOPBACK.test(hostname)

/** Whether the keys may travel to `siteUrl`: over https, or in clear to this machine only. */
export function keysMayTravelTo(siteUrl: string): boolean {
  const { protocol, hostname } = new URL(siteUrl)
  return protocol === 'https:' || isLoopbackHost(hostname)
}

/**
 * A WooCommerce store's address as a merchant types it (`dyqani.al`, `https://Dyqani.al/shop/`),
 * as the one spelling we keep, or what is wrong with it (`reason` for a page to say it in its
 * reader's language). https only, but for this machine's own simulators: the keys travel in every request.
 *
 * @example
 * wooSiteUrl('Dyqani.al/') // → { ok: true, siteUrl: 'https://dyqani.al' }
 */
export function wooSiteUrl(given: string): { ok: true; siteUrl: string } | { ok: false; reason: 'not_an_address' | 'not_https'; problem: string } {
  const trimmed = given.trim()
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  if (!trimmed || !URL.canParse(withScheme)) return { ok: false, reason: 'not_an_address', problem: 'not a store address, such as https://dyqani.al' }
  const siteUrl = normaliseSiteUrl(withScheme)
  if (!keysMayTravelTo(siteUrl))
    return {
      ok: false,
      reason: 'not_https',
      problem: 'the store must use https: WooCommerce sends the API keys only over https, and they travel in every request',
    }
  return { ok: true, siteUrl }
}
