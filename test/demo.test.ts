import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

describe('npm run demo', () => {
  it('calls eight customers who behave differently, prints each call as it happens and a table, and exits 0 when every outcome is right', async () => {
    // `npm run demo`'s command, with no credentials in the environment (a .env would not matter: the demo is always simulated).
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/sandbox/demo.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code, out).toBe(0)
    // Progress as it happened: the greeting and the customer's own words.
    expect(out).toMatch(/agent: +Përshëndetje, ju flet asistenti automatik i Dyqani Demo/)
    expect(out).toMatch(/customer: Po, e konfirmoj porosinë\./)
    // The table: one row per behaviour, with what landed on the store's order.
    const row = (behaviour: string) => out.split('\n').find((l) => l.includes(` ${behaviour} `)) ?? ''
    expect(row('confirms')).toMatch(/confirmed +confirmed +call-confirmed +\d+ s +\$0\.\d{3} +ok$/)
    expect(row('cancels')).toMatch(/_callconfirm_outcome: cancelled, status cancelled/)
    expect(row('voicemail')).toMatch(/voicemail +voicemail/)
    expect(row('asks_callback')).toMatch(/callback +callback at 18:00/)
    expect(out).toContain('8 of 8 orders ended as expected')
  }, 240_000)
})
