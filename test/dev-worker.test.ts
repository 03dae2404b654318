import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { describe, expect, it } from 'vitest'
import { freePort, until } from './support/wait.js'

const root = join(import.meta.dirname, '..')
/** wrangler dev serves https with a certificate of its own, which nothing here should trust but this test. */
const itsCertificate = new Agent({ connect: { rejectUnauthorized: false } })

describe('npm run dev:worker', () => {
  it("runs the Worker in local workerd, installs the sample stores into it, takes the demo's fourteen customers through it (one rings back, two write back), then stays up until stopped", async () => {
    const port = await freePort()
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/sandbox/workerDev.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      await until(() => out.includes('Ctrl-C stops it') || child.exitCode !== null, 'the demo to finish through the Worker', 150_000)
      expect(out, out).toContain('14 of 14 orders ended as expected')
      expect(out).toMatch(/agent: +Përshëndetje, ju flet asistenti automatik i Dyqani Demo/)
      expect(out).toContain(`The Worker is at https://127.0.0.1:${port}/`)
      // Still serving, over https with wrangler's certificate.
      const health = await fetch(`https://127.0.0.1:${port}/healthz`, { dispatcher: itsCertificate })
      expect(await health.json()).toMatchObject({ status: 'ok', sandbox: false })
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    // wrangler and workerd went with it.
    await until(
      () =>
        fetch(`https://127.0.0.1:${port}/healthz`, { dispatcher: itsCertificate }).then(
          () => false,
          () => true,
        ),
      'the Worker to be gone',
      10_000,
    )
  }, 180_000)
})
