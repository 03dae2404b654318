import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The repository, where wrangler.example.toml is. */
const ROOT = join(import.meta.dirname, '..', '..')

export interface WranglerDev {
  /** Where the Worker answers (http, or https with wrangler's own certificate). */
  url: string
  child: ChildProcess
  /** Everything wrangler and the Worker have printed so far. */
  output(): string
  /** Resolves with each line printed from now on. */
  onLine(handler: (line: string) => void): void
  /** Kills wrangler and its workerd (the process group it leads). */
  kill(): void
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * callconfirm's Worker in local workerd: `wrangler dev` with wrangler.example.toml, `vars` as its
 * variables and secrets (written to an env file in `stateDirectory`, never on a command line), its
 * Durable Object's storage under `stateDirectory`. wrangler leads a process group of its own, so
 * `kill` takes workerd with it, and so does this process's end; telemetry and the `Request.cf` lookup are off (no network here).
 * Resolves once wrangler says it is ready. `npm run dev:worker` and the Worker's tests start it.
 *
 * @example
 * const dev = await startWranglerDev({ vars: { ADMIN_TOKEN: '…' }, port: 8787, stateDirectory: '.wrangler/dev-worker' })
 */
export async function startWranglerDev(options: {
  vars: Record<string, string>
  port: number
  stateDirectory: string
  /** Serve https (wrangler's self-signed certificate), as PUBLIC_URL must be outside the sandbox. */
  https?: boolean
}): Promise<WranglerDev> {
  const envFile = join(options.stateDirectory, 'settings.env')
  writeFileSync(
    envFile,
    Object.entries(options.vars)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join('\n'),
    { mode: 0o600 },
  )
  const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
  const args = ['dev', '-c', 'wrangler.example.toml', '--ip', '127.0.0.1', '--port', String(options.port), '--inspector-port', '0']
  args.push('--persist-to', join(options.stateDirectory, 'state'), '--env-file', envFile, '--show-interactive-dev-session=false')
  if (options.https) args.push('--local-protocol', 'https')
  // wrangler and its workerd die with this process however it ends (exitGroupWithParent.mjs).
  const child = spawn(process.execPath, ['--import', join(import.meta.dirname, 'exitGroupWithParent.mjs'), wrangler, ...args], {
    cwd: ROOT,
    // Its own HOME: wrangler keeps its settings and logs there, not in the user's.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: options.stateDirectory,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: 'true',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  let output = ''
  const handlers: Array<(line: string) => void> = []
  let partial = ''
  const read = (chunk: Buffer) => {
    output += chunk
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) for (const handler of handlers) handler(line)
  }
  child.stdout!.on('data', read)
  child.stderr!.on('data', read)
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${options.port}`
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  await new Promise<void>((resolve, reject) => {
    const ready = () => output.includes(`Ready on ${url}`) && resolve()
    child.stdout!.on('data', ready)
    void exited.then(() => reject(new Error(`wrangler dev exited before it was ready:\n${output}`)))
  })
  return { url, child, output: () => output, onLine: (handler) => void handlers.push(handler), kill, exited }
}
