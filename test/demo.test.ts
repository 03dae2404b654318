import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

/** `npm run demo`'s command, with no credentials in the environment (a .env would not matter: the demo is always simulated). */
async function demo(env: Record<string, string> = {}) {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/sandbox/demo.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, out }
}

describe('npm run demo', () => {
  it('calls fourteen customers who behave differently (having missed the call, one rings back, one confirms on WhatsApp, one without WhatsApp cancels by SMS), prints each call as it happens and a table, and exits 0 when every outcome is right; with a model that behaves like the real one too', async () => {
    const [ideal, real] = await Promise.all([demo(), demo({ DEMO_MODEL: 'real' })])
    expect(ideal.code, ideal.out).toBe(0)
    const { out } = ideal
    // Progress as it happened: the greeting and the customer's own words.
    expect(out).toMatch(/agent: +Përshëndetje, ju flet asistenti automatik i Dyqani Demo/)
    expect(out).toMatch(/customer: Po, e konfirmoj porosinë\./)
    // The table: one row per behaviour, with what landed on the store's order.
    const row = (behaviour: string) => out.split('\n').find((l) => l.includes(` ${behaviour} `)) ?? ''
    expect(row('confirms')).toMatch(/confirmed +confirmed +call-confirmed +\d+ s +\$0\.\d{3} +ok$/)
    expect(row('cancels')).toMatch(/_callconfirm_outcome: cancelled, status cancelled/)
    expect(row('says_alo')).toMatch(/confirmed +confirmed .* ok$/)
    expect(row('changes_mind')).toMatch(/cancelled +cancelled .* ok$/)
    expect(row('voicemail')).toMatch(/voicemail +voicemail/)
    expect(row('asks_callback')).toMatch(/callback +callback at 18:00/)
    // The customer who asks for another address is left for a person: the review queue's.
    expect(row('asks_change')).toMatch(/needs_review +needs_review +call-needs-review .* ok$/)
    // The customer who missed the call rings the number back and confirms with the agent, who says why we had called.
    expect(row('calls_back')).toMatch(/confirmed +confirmed .* ok$/)
    expect(out).toMatch(/agent: +Përshëndetje, ju flet asistenti automatik i \S+ \S+\. Ju telefonuam më herët për porosinë tuaj #?\d+ në /)
    // Missed the call, then tapped "Konfirmo" on the WhatsApp template: confirmed, with the call's own tag.
    expect(row('confirms_on_whatsapp')).toMatch(/confirmed +confirmed +call-confirmed .* ok$/)
    expect(out).toMatch(/we on whatsapp: Dyqani Demo: ju lutemi konfirmoni porosinë #\d+/)
    expect(out).toMatch(/customer on whatsapp: Konfirmo/)
    // No WhatsApp on that phone: the SMS with the answer page's link went instead, and "2" cancelled.
    expect(row('cancels_by_sms')).toMatch(/cancelled +cancelled +_callconfirm_outcome: cancelled, status cancelled .* ok$/)
    expect(out).toMatch(/we on sms: .*\/a\/\S+ .*2 per ta anuluar/)
    expect(out).toMatch(/customer on sms: 2$/m)
    expect(out).toContain('14 of 14 orders ended as expected')
    // The same customers with the seeded real-model mode (it skips end_call, fails responses, transcribes late…).
    expect(real.code, real.out).toBe(0)
    expect(real.out).toContain('a model that behaves like the real one (DEMO_SEED=14)')
    expect(real.out).toContain('14 of 14 orders ended as expected')
  }, 240_000)
})
