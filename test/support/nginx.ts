import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './spawnServer.js'
import { until } from './wait.js'

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'
/** The throwaway certificate for 127.0.0.1 that the front door (frontDoor.ts) serves too. */
const CERTIFICATE = join(ROOT, 'test', 'fixtures', 'front-door')

/** Whether nginx tests can run here; on a machine without nginx they are skipped with a note, in CI (.ci/run installs it) never. */
export function haveNginx(what: string): boolean {
  const have = existsSync(NGINX) || !!process.env.CI
  if (!have) console.warn(`${what} skipped: no nginx at ${NGINX} (apt-get install nginx)`)
  return have
}

/** `from` replaced by `to` in `text`; a `from` the text no longer has fails, so the example cannot drift from what is tested. */
function replaceExactly(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/nginx.conf.example no longer has ${JSON.stringify(from)}`)
  return text.replaceAll(from, to)
}

/**
 * deploy/nginx.conf.example as an operator deploys it, on loopback: its ports, certificate and
 * upstream put in, and nothing else of it changed.
 */
function siteConfig(setup: { httpsPort: number; httpPort: number; upstream: string }): string {
  let site = readFileSync(join(ROOT, 'deploy', 'nginx.conf.example'), 'utf8')
  site = replaceExactly(site, 'server 127.0.0.1:3000;', `server ${new URL(setup.upstream).host};`)
  site = replaceExactly(site, 'listen 443 ssl;', `listen 127.0.0.1:${setup.httpsPort} ssl;`)
  site = replaceExactly(site, 'listen 80;', `listen 127.0.0.1:${setup.httpPort};`)
  // Loopback here has no IPv6 to count on.
  site = replaceExactly(site, 'listen [::]:443 ssl;', '')
  site = replaceExactly(site, 'listen [::]:80;', '')
  site = replaceExactly(site, '/etc/letsencrypt/live/callconfirm.example.com/fullchain.pem', join(CERTIFICATE, 'cert.pem'))
  site = replaceExactly(site, '/etc/letsencrypt/live/callconfirm.example.com/privkey.pem', join(CERTIFICATE, 'key.pem'))
  return site
}

/** The main configuration around the site: a prefix, pid, logs and temporary files of its own, in the foreground. */
function mainConfig(directory: string, site: string): string {
  const temp = (kind: string) => `${kind}_temp_path ${join(directory, 'temp', kind)};`
  return [
    // nginx started by root hands its workers to `nobody`, who could not write the temp files here.
    ...(process.getuid?.() === 0 ? [`user ${userInfo().username};`] : []),
    'worker_processes 1;',
    `pid ${join(directory, 'nginx.pid')};`,
    `error_log ${join(directory, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(directory, 'access.log')};`,
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    site,
    '}',
  ].join('\n')
}

export interface Nginx {
  /** The https origin (loopback, the test certificate): PUBLIC_URL of the service behind it. */
  url: string
  /** The plain http origin, which sends everyone to `url`. */
  httpUrl: string
  /** What nginx logged (errors and warnings). */
  errors(): string
  close(): Promise<void>
}

const running = new Set<ChildProcess>()
let reapOnExit = false

/**
 * Debian's nginx, as the current user, in front of `upstream` (the service's own http origin),
 * configured from deploy/nginx.conf.example. Resolves once it answers over TLS. This process
 * stops checking certificates (see below). Killed when this process exits, if `close` was not called.
 *
 * @example
 * const nginx = await startNginx({ directory, httpsPort, httpPort, upstream: service.url })
 */
export async function startNginx(setup: { directory: string; httpsPort: number; httpPort: number; upstream: string }): Promise<Nginx> {
  // The certificate is a throwaway one, which the simulators here (Twilio's, in this process) are
  // told to accept as the front door's is: every peer of this process is on loopback.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
  for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(setup.directory, 'temp', kind), { recursive: true })
  const conf = join(setup.directory, 'nginx.conf')
  writeFileSync(conf, mainConfig(setup.directory, siteConfig(setup)))
  const errorLog = join(setup.directory, 'error.log')
  const child = spawn(NGINX, ['-p', setup.directory, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  if (!reapOnExit) {
    reapOnExit = true
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL')
    })
  }
  running.add(child)
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child)
      resolve()
    }),
  )
  let gone = false
  void exited.then(() => (gone = true))
  const errors = () => stderr + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '')
  const url = `https://127.0.0.1:${setup.httpsPort}`
  await until(
    async () =>
      gone ||
      (await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )),
    'nginx to answer',
    10_000,
  )
  if (gone) throw new Error(`nginx did not start:\n${errors()}`)
  return {
    url,
    httpUrl: `http://127.0.0.1:${setup.httpPort}`,
    errors,
    close: async () => {
      // SIGQUIT: nginx's graceful stop; what is still open after a moment is cut.
      child.kill('SIGQUIT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      await exited
      clearTimeout(timer)
    },
  }
}
