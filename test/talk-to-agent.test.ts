import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { callAttempts, transcriptLines } from '../src/db/schema.js'
import { speak } from '../src/sandbox/speech.js'
import type { SandboxRun } from '../src/sandbox/start.js'
import { findStore } from '../src/stores/records.js'
import { haveBrowser } from './support/browser.js'
import { silentWav } from './support/fakeMicrophone.js'
import { type SandboxWithBrowser, startSandboxWithBrowser } from './support/sandboxBrowser.js'

const browserHere = haveBrowser('talk-to-your-agent test')
const ADMIN_TOKEN = 'talk-test-admin-token-0123456789'

let world: SandboxWithBrowser
let run: SandboxRun
let browser: Browser

beforeAll(async () => {
  if (!browserHere) return
  world = await startSandboxWithBrowser({
    adminToken: ADMIN_TOKEN,
    browserArgs: (directory) => [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${silentWav(directory)}`,
    ],
  })
  ;({ run, browser } = world)
}, 60_000)
afterAll(() => world?.close())

const url = (path: string) => `${run.service.url}${path}`
const api = async (path: string) =>
  (await fetch(url(path), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as Promise<Record<string, any>>
const storeNamed = (name: string) => run.stores!.stores.find((s) => s.name === name)!

async function signIn(page: Page) {
  await page.goto(url('/login'))
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(url('/'))
}

/** A merchant's session, opened from their store's settings link. */
async function merchantPage(storeId: string): Promise<Page> {
  const store = (await findStore(run.service.deps.db, storeId, run.service.deps.storeDefaults))!
  const token = new URL(run.service.deps.settingsLinks.link(store, Date.now()).url).searchParams.get('t')!
  const page = await browser.newPage()
  await page.goto(url(`/enter?t=${token}`))
  return page
}

/** A WebSocket to `path` with these headers, once open, with the first message it will bring; the status it was refused with otherwise. */
function openSocket(path: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; firstMessage: Promise<unknown> } | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url(path).replace(/^http/, 'ws'), { headers })
    // Listened for from the start: a refusal comes right after the upgrade.
    const firstMessage = new Promise<unknown>((heard) => socket.once('message', (data) => heard(JSON.parse(String(data)))))
    socket.on('open', () => resolve({ socket, firstMessage }))
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('error', () => resolve(0))
  })
}

describe.skipIf(!browserHere)('talking to your agent', () => {
  it("greets the merchant with the shop's name through the speakers, takes a keyed answer as the outcome, and writes nothing anywhere", async () => {
    const callsBefore = run.simulators.twilio!.calls.length
    const page = await browser.newPage()
    await signIn(page)
    await page.getByRole('link', { name: 'Talk to your agent' }).click()
    await page.getByRole('link', { name: 'Dyqani Demo' }).click()
    await expect(page.locator('h1').textContent()).resolves.toContain('Dyqani Demo')

    await page.getByRole('button', { name: 'Start' }).click()
    // The agent's line is transcribed once its whole greeting is generated: several seconds in the sandbox.
    await page.locator('#transcript .agent', { hasText: 'Dyqani Demo' }).first().waitFor({ timeout: 30_000 })
    // The greeting's audio came over the socket and played through the page's audio context; the microphone went the other way.
    await page.waitForFunction(() => (window as any).talk.framesPlayed > 10, null, { timeout: 15_000 })
    const counts = await page.evaluate(() => (window as any).talk)
    expect(counts.framesReceived).toBeGreaterThanOrEqual(counts.framesPlayed)
    expect(counts.framesSent).toBeGreaterThan(10)

    await page.getByRole('button', { name: '1 · confirm' }).click()
    const outcome = page.locator('#outcome[data-outcome="confirmed"]')
    await outcome.waitFor({ timeout: 10_000 })
    await expect(outcome.textContent()).resolves.toContain('Confirmed')
    // The key cut the greeting short (the agent's queued audio was dropped); the goodbye follows, and once the page
    // says it has played (its marks answered) the conversation ends by itself, well before the bridge's grace of 15 s.
    await page.locator('#talk[data-state="ended"]').waitFor({ timeout: 10_000 })
    const heard = await page.evaluate(() => (window as any).talk)
    expect(heard.clears).toBeGreaterThan(0)
    expect(heard.marksAnswered).toBeGreaterThan(0)
    await expect(page.locator('#transcript .system').allTextContents()).resolves.toContain('Pressed 1 on the keypad')

    // No order, call, cost or store write came of it.
    expect((await api('/api/orders')).orders).toEqual([])
    expect(await api('/api/stats')).toMatchObject({ orders: 0, calls: 0, costUsd: 0 })
    expect(run.simulators.twilio!.calls.length).toBe(callsBefore)
    const { db } = run.service.deps
    expect([...db.select().from(callAttempts).all(), ...db.select().from(transcriptLines).all()]).toEqual([])
    await page.close()
  }, 60_000)

  it('calls the merchant\'s own phone with "Call me" and shows the spoken answer as the outcome, writing nothing', async () => {
    const twilio = run.simulators.twilio!
    const phone = '+355691234500'
    // The merchant's phone answers, hears the greeting out, and says yes: synthetic speech, over Twilio's own stream.
    twilio.script(phone, { kind: 'human', ringMs: 100, script: { turns: [{ say: speak('Po, e konfirmoj.') }] } })
    const page = await browser.newPage()
    await signIn(page)
    await page.goto(url(`/talk?store=${storeNamed('Dyqani Demo').id}`))
    await page.getByLabel('Your phone').fill('+355 69 123 4500')
    await page.getByRole('button', { name: 'Call me' }).click()
    await page.waitForURL(/&call=/)

    const outcome = page.locator('#outcome[data-outcome="confirmed"]')
    await outcome.waitFor({ timeout: 45_000 })
    await expect(outcome.textContent()).resolves.toContain('Po, e konfirmoj')
    await page.locator('#talk[data-state="ended"]').waitFor({ timeout: 20_000 })
    await expect(page.locator('#transcript .agent').first().textContent()).resolves.toContain('Dyqani Demo')
    await expect(page.locator('#transcript .customer').allTextContents()).resolves.toContainEqual(expect.stringContaining('Po, e konfirmoj.'))

    // A real call through Twilio, hung up by the agent; nothing of it in the database.
    const call = twilio.calls.find((c) => c.to === phone)
    expect(call?.status).toBe('completed')
    // Its callbacks are taken in (no attempt to update, and no error in Twilio's console), its stream had no error.
    expect(call!.callbacks.length).toBeGreaterThan(0)
    expect(call!.callbacks.map((c) => c.status)).toEqual(call!.callbacks.map(() => 204))
    expect(call!.errors).toEqual([])
    expect((await api('/api/orders')).orders).toEqual([])
    const { db } = run.service.deps
    expect([...db.select().from(callAttempts).all(), ...db.select().from(transcriptLines).all()]).toEqual([])
    await page.close()
  }, 90_000)

  it('opens the socket only for the session and the one-time token minted with the page', async () => {
    const page = await browser.newPage()
    await signIn(page)
    const store = storeNamed('Butiku Lule')
    await page.goto(url(`/talk?store=${store.id}`))
    const socketPath = (await page.locator('#talk').getAttribute('data-socket'))!
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')

    // A stranger with the token and no session is sent to sign in; with the session and no token, or a wrong one, refused.
    await expect(openSocket(socketPath)).resolves.toBe(303)
    await expect(openSocket('/talk/socket', { cookie })).resolves.toBe(403)
    await expect(openSocket('/talk/socket?token=not-a-token', { cookie })).resolves.toBe(403)
    // The token opens it once.
    const first = await openSocket(socketPath, { cookie })
    if (typeof first === 'number') throw new Error(`the token was refused (${first})`)
    await expect(openSocket(socketPath, { cookie })).resolves.toBe(403)
    // While that conversation is on, another one for the same store is turned away, with the reason for the page.
    await page.reload()
    const second = await openSocket((await page.locator('#talk').getAttribute('data-socket'))!, { cookie })
    if (typeof second === 'number') throw new Error(`the second token was refused (${second})`)
    await expect(second.firstMessage).resolves.toEqual({ event: 'refused', reason: 'store_busy' })
    first.socket.close()
    second.socket.close()
    await page.close()
  })

  it("does not let a merchant open another store's talk page", async () => {
    const own = storeNamed('Dyqani Demo')
    const other = storeNamed('Butiku Lule')
    const page = await merchantPage(own.id)
    expect((await page.goto(url(`/talk?store=${own.id}`)))?.status()).toBe(200)
    const res = await page.goto(url(`/talk?store=${other.id}`))
    expect(res?.status()).toBe(404)
    await expect(page.locator('#talk').count()).resolves.toBe(0)
    await page.close()
  })
})
