import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const work = mkdtempSync(join(tmpdir(), 'callconfirm-start-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Runs `npm start`'s command with only the given environment, as on a fresh machine. */
function start(env: Record<string, string>) {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
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
      const said = /^callconfirm: sandbox mode \(no TWILIO_ACCOUNT_SID.*\): open (http:\/\/localhost:\d+)\/ and sign in with admin token (\S{20,}); .*sample stores Dyqani Demo and Butiku Lule/.exec(plain[0]!)
      expect(said, plain[0]).not.toBeNull()
      const [, dashboard, token] = said!
      const health = await fetch(`${dashboard}/healthz`)
      expect(await health.json()).toMatchObject({ status: 'ok', sandbox: true })
      // The dashboard is there: signing in with the printed token opens the overview of the sample stores.
      const signedIn = await fetch(`${dashboard}/login`, { method: 'POST', headers: { origin: dashboard! }, body: new URLSearchParams({ token: token!, next: '/' }), redirect: 'manual' })
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

  it('with a wrong setting stops at once, naming the variable', async () => {
    const app = start({ PORT: 'eighty', DATABASE_PATH: join(work, 'bad', 'callconfirm.db') })
    expect(await app.exited).toBe(1)
    expect(app.err()).toContain('PORT:')
  })
})
