import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWranglerDev, type WranglerDev } from '../../src/sandbox/wranglerDev.js'
import { adminApi } from './service.js'
import type { Deployment, LogLine, ServiceProcess } from './serviceProcess.js'
import { freePort, until } from './wait.js'

const running = new Set<WranglerDev>()

/** A Worker under wrangler dev, with wrangler's process: the leader of the group it and its workerd run in. */
export interface WorkerProcess extends ServiceProcess {
  pid: number
}

/**
 * callconfirm's Worker (src/worker.ts) in local workerd, as `npm run dev:worker` runs it, with the
 * deployment's settings (its database is the Durable Object's storage, in a directory of its own).
 * Resolves once the object has booted: it migrates and logs `listening` on its first request.
 * Shaped as a ServiceProcess, so the same helpers drive it; it dies with this process.
 *
 * @example
 * const worker = await startWorkerProcess(site)
 * await registerWooStore(worker, world.woo)
 */
/** A port found free can be taken by another test's server before wrangler binds it: then wrangler starts again on another. */
async function onFreePort(start: (port: number) => Promise<WranglerDev>): Promise<WranglerDev> {
  for (let tries = 1; ; tries++) {
    try {
      return await start(await freePort())
    } catch (error) {
      if (tries === 3 || !String(error).includes('Address already in use')) throw error
    }
  }
}

export async function startWorkerProcess(
  site: Deployment,
  setup: {
    env?: Record<string, string>
    /** Where its storage is kept, to start it again on the same database (as a deploy restarts it); by default a directory of its own, removed when it exits. */
    stateDirectory?: string
  } = {},
): Promise<WorkerProcess> {
  const stateDirectory = setup.stateDirectory ?? mkdtempSync(join(tmpdir(), 'callconfirm-workerd-'))
  const vars: Record<string, string> = { LOG_LEVEL: 'info', TWILIO_CALLS_PER_SECOND: '100', ...site.env, ...setup.env }
  // A Worker's database is its Durable Object's storage.
  delete vars.DATABASE_PATH
  const dev = await onFreePort((port) => startWranglerDev({ vars, port, stateDirectory }))
  running.add(dev)
  let gone = false
  void dev.exited.then(() => {
    gone = true
    running.delete(dev)
    if (!setup.stateDirectory) rmSync(stateDirectory, { recursive: true, force: true })
  })
  const logs: LogLine[] = []
  dev.onLine((line) => {
    const json = line.indexOf('{"t":')
    if (json >= 0) logs.push(JSON.parse(line.slice(json)) as LogLine)
  })
  const logged = async (matches: (line: LogLine) => boolean, what: string, ms = 20_000) => {
    await until(() => gone || logs.some(matches), `the Worker to log ${what}`, ms)
    const line = logs.find(matches)
    if (!line) throw new Error(`the Worker exited before it logged ${what}:\n${dev.output()}`)
    return line
  }
  await fetch(`${dev.url}/healthz`)
  await logged((l) => l.msg === 'listening', '"listening"', 30_000)
  return {
    workerId: 'workerd',
    pid: dev.child.pid!,
    url: dev.url,
    logs,
    stderr: dev.output,
    logged,
    api: adminApi(dev.url),
    signal: (signal) => void dev.child.kill(signal),
    kill9: dev.kill,
    exited: dev.exited,
  }
}

/** Kills every Worker still running and waits for each to be gone. */
export async function stopWorkerProcesses(): Promise<void> {
  for (const dev of running) dev.kill()
  await Promise.all([...running].map((dev) => dev.exited))
}

/** Each process's parent and command name (Linux /proc), for the processes there are now. */
function processTable(): Map<number, { parent: number; name: string }> {
  const table = new Map<number, { parent: number; name: string }>()
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // Gone since the directory was read.
    }
    // "pid (name) state ppid …": the name may hold spaces and parentheses, the fields after it cannot.
    const close = stat.lastIndexOf(')')
    table.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, close), parent: Number(stat.slice(close + 2).split(' ')[1]) })
  }
  return table
}

/**
 * The processes wrangler dev runs for `worker`: `runtime`, the workerd that runs the Worker and
 * its Durable Object; `proxy`, wrangler's dev proxy (a workerd too), which listens on the Worker's
 * url and passes each request and socket on to the runtime; `wrangler`, its own Node processes
 * (they print what the Worker logs). The proxy is the workerd whose entry socket is the url. For
 * measuring them (CPU from /proc) and pinning them to a core.
 */
export function wranglerDevProcesses(worker: WorkerProcess): { runtime: number; proxy: number; wrangler: number[] } {
  const table = processTable()
  const descends = (pid: number): boolean => {
    const parent = table.get(pid)?.parent
    return parent === worker.pid || (parent !== undefined && parent > 1 && descends(parent))
  }
  const family = [...table].filter(([pid]) => pid === worker.pid || descends(pid))
  const workerds = family.filter(([, p]) => p.name === 'workerd').map(([pid]) => pid)
  const entry = `--socket-addr=entry=${new URL(worker.url).host}`
  const isProxy = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(entry)
  const proxy = workerds.filter(isProxy)
  const runtime = workerds.filter((pid) => !isProxy(pid))
  if (proxy.length !== 1 || runtime.length !== 1)
    throw new Error(`expected one proxy and one runtime workerd under wrangler ${worker.pid}, found ${workerds.join(', ') || 'none'}`)
  return { runtime: runtime[0]!, proxy: proxy[0]!, wrangler: family.filter(([, p]) => p.name === 'node').map(([pid]) => pid) }
}
