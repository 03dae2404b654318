import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { join } from 'node:path'

/** The repository: where callconfirm's Node entry is started from. */
export const ROOT = join(import.meta.dirname, '..', '..')

/**
 * Starts callconfirm's Node entry (src/server.ts through tsx, as `npm start` runs it) from the
 * repository, with exactly `env` (nothing of this process's environment) and the `nodeArgs` given
 * to Node. The start-up tests, the worker processes of the drain tests and the webhook benchmark
 * all start it so. `entry` runs another entry instead, without tsx: the built one, as
 * `npm run start:prod` runs it (`['dist/server.js']`).
 *
 * @example
 * const child = spawnServer({ PATH: process.env.PATH ?? '', PORT: '0' })
 */
export function spawnServer(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; stdio?: SpawnOptions['stdio']; entry?: string[] } = {},
): ChildProcess {
  const nodeArgs = options.nodeArgs ?? []
  const args = options.entry ? [...nodeArgs, ...options.entry] : ['--import', 'tsx', ...nodeArgs, 'src/server.ts']
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
}
