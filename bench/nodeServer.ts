/**
 * callconfirm's Node service as the benches load it: its own process, started as `npm start`
 * does, logging to a file.
 */
import { closeSync, openSync } from 'node:fs'
import { spawnServer } from '../test/support/spawnServer.js'
import { freePort } from '../test/support/wait.js'

export interface NodeServer {
  url: string
  pid: number
  stop(): Promise<void>
}

/**
 * Starts the service with exactly `env` (and PATH, and a free PORT) and the `nodeArgs` given to
 * Node; resolves once it answers /healthz. It logs to `logPath`, as in production: a pipe into
 * the (busy) load generator would make Node's synchronous pipe writes stall the server whenever
 * the load generator lags.
 */
export async function startNodeServer(env: Record<string, string>, options: { logPath: string; nodeArgs?: string[] }): Promise<NodeServer> {
  const log = openSync(options.logPath, 'w')
  const port = await freePort()
  const child = spawnServer(
    { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    { nodeArgs: options.nodeArgs ?? [], stdio: ['ignore', log, 'inherit'] },
  )
  closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up)
      return {
        url,
        pid: child.pid!,
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not start (see ${options.logPath})`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
