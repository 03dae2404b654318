import { loadConfig } from '../config.js'
import { configuredServices, liveConfig } from '../configuredServices.js'
import type { ReadyConfig } from '../deps.js'
import type { OutsideServices } from '../serviceParts.js'

/**
 * The Worker's settings: the same variables as the Node service (DESIGN.md's contract), from
 * `[vars]` in wrangler.toml and `wrangler secret put`. A Worker cannot start simulators, so it is
 * never in sandbox mode: without credentials loadConfig throws a ConfigError naming each missing one.
 *
 * @example
 * const { config, outside } = workerConfig(env)
 */
export function workerConfig(env: object): { config: ReadyConfig; outside: OutsideServices } {
  const settings: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') settings[name] = value
  const config = loadConfig({ ...settings, SANDBOX: '0' })
  return { config: liveConfig(config), outside: configuredServices(config) }
}
