import { isLoopbackHost } from './siteUrl.js'

/**
 * The ports WordPress sends webhooks to. WooCommerce delivers through `wp_safe_remote_request`,
 * and `wp_http_validate_url` (wp-includes/http.php) passes only 80, 443 and 8080 unless a plugin
 * widens the `http_allowed_safe_ports` filter (WordPress 5.9+).
 */
const SAFE_PORTS = [80, 443, 8080]

/**
 * Why WooCommerce stores could not deliver to PUBLIC_URL, if they could not: on any other port
 * each delivery fails before it leaves the store, and after a few the webhook is switched off.
 * Loopback is left alone: only the simulators deliver there, and nobody's WordPress.
 *
 * @example
 * wordpressPortProblem('https://callconfirm.example.com:8443') // → 'PUBLIC_URL … is on port 8443: …'
 * wordpressPortProblem('https://callconfirm.example.com') // → undefined
 */
export function wordpressPortProblem(publicUrl: string): string | undefined {
  const { hostname, port } = new URL(publicUrl)
  // The scheme's own port reads as ''.
  if (!port || SAFE_PORTS.includes(Number(port)) || isLoopbackHost(hostname)) return undefined
  return `PUBLIC_URL ${publicUrl} is on port ${port}: WordPress sends WooCommerce webhooks only to ports 80, 443 and 8080 (wp_http_validate_url), so WooCommerce stores cannot deliver their orders here and switch the webhook off; serve callconfirm on 443 (reconciliation still finds their orders every RECONCILE_SECONDS)`
}
