import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, LIVE_ENV, PUBLIC_URL } from './support/service.js'
import { ROOT, spawnServer } from './support/spawnServer.js'

const work = mkdtempSync(join(tmpdir(), 'callconfirm-start-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Runs `npm start`'s command with only the given environment, as on a fresh machine; `nodeArgs` go to Node. */
function start(env: Record<string, string>, nodeArgs: string[] = []) {
  const child = spawnServer({ PATH: process.env.PATH ?? '', HOME: work, ...env }, { nodeArgs })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

async function until(check: () => boolean, ms = 15_000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('starting callconfirm', () => {
  it('with no credentials runs in sandbox mode, says so in one line, serves, and stops cleanly', async () => {
    const app = start({ PORT: '0', DATABASE_PATH: join(work, 'db', 'callconfirm.db') })
    try {
      await until(() => app.out().includes('"msg":"listening"'))
      const lines = app.out().trim().split('\n')
      const plain = lines.filter((l) => !l.startsWith('{'))
      expect(plain).toHaveLength(1)
      const said =
        /^callconfirm: sandbox mode \(no TWILIO_ACCOUNT_SID.*\): open (http:\/\/localhost:\d+)\/ and sign in with admin token (\S{20,}); .*sample stores Dyqani Demo and Butiku Lule/.exec(
          plain[0]!,
        )
      expect(said, plain[0]).not.toBeNull()
      const [, dashboard, token] = said!
      const health = await fetch(`${dashboard}/healthz`)
      expect(await health.json()).toMatchObject({ status: 'ok', sandbox: true })
      // The dashboard is there: signing in with the printed token opens the overview of the sample stores.
      const signedIn = await fetch(`${dashboard}/login`, {
        method: 'POST',
        headers: { origin: dashboard! },
        body: new URLSearchParams({ token: token!, next: '/' }),
        redirect: 'manual',
      })
      expect(signedIn.status).toBe(303)
      const overview = await fetch(`${dashboard}/`, { headers: { cookie: signedIn.headers.getSetCookie()[0]!.split(';')[0]! } })
      const html = await overview.text()
      expect(html).toContain('Place a test order')
      expect(html).toContain('Dyqani Demo (Shopify)')
      expect(html).toContain('Butiku Lule (WooCommerce)')
    } finally {
      app.child.kill('SIGTERM')
    }
    expect(await app.exited).toBe(0)
  })

  it('live (SANDBOX=0) loads not one module of the sandbox: no simulator, no sample store, no synthesised speech', async () => {
    const moduleLog = join(work, 'live-modules.txt')
    const env = { ...LIVE_ENV, PORT: '0', HOST: '127.0.0.1', PUBLIC_URL, ADMIN_TOKEN, ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }
    // moduleLog.mjs writes down every module the process loads, dynamic imports included.
    const app = start({ ...env, DATABASE_PATH: join(work, 'live', 'callconfirm.db'), MODULE_LOG: moduleLog }, [
      '--import',
      './test/support/moduleLog.mjs',
    ])
    try {
      await until(() => app.out().includes('"msg":"listening"'))
      expect(
        app
          .out()
          .split('\n')
          .filter((l) => l && !l.startsWith('{')),
      ).toEqual([])
    } finally {
      app.child.kill('SIGTERM')
    }
    expect(await app.exited).toBe(0)
    const ours = readFileSync(moduleLog, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith(`file://${ROOT}/src/`))
      .map((url) => url.slice(`file://${ROOT}/`.length))
    // The log saw the boot: the entry, the service and the dashboard were loaded.
    expect(ours).toEqual(expect.arrayContaining(['src/server.ts', 'src/service.ts', 'src/dashboard/routes.tsx']))
    expect(ours.filter((path) => path.startsWith('src/sandbox/'))).toEqual([])
  })

  it('with a wrong setting stops at once, naming the variable', async () => {
    const app = start({ PORT: 'eighty', DATABASE_PATH: join(work, 'bad', 'callconfirm.db') })
    expect(await app.exited).toBe(1)
    expect(app.err()).toContain('PORT:')
  })
})
