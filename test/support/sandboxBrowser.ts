import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import type { OrderView } from '../../src/orders/views.js'
import { completeSandboxSecrets } from '../../src/sandbox/secrets.js'
import { type SandboxRun, startWithSandbox } from '../../src/sandbox/start.js'
import { createLogger } from '../../src/utils/log.js'
import { launchBrowser } from './browser.js'

/** callconfirm as `npm start` runs it with no credentials, and Debian's Chromium to drive it. */
export interface SandboxWithBrowser {
  run: SandboxRun
  browser: Browser
  /** The run's own folder (its database; a test may put files there). */
  directory: string
  url(path: string): string
  /** The operator's API, as JSON. */
  api<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T>
  close(): Promise<void>
}

/**
 * Starts the sandbox (simulated Twilio, OpenAI and the two sample stores, installed as their
 * merchants would) on a database in a fresh folder, and a headless Chromium. `log`: where the
 * service's log lines go (none by default); `browserArgs`: a test's own switches, given the folder.
 */
export async function startSandboxWithBrowser(setup: {
  adminToken: string
  log?: (line: string) => void
  browserArgs?: (directory: string) => string[]
}): Promise<SandboxWithBrowser> {
  const directory = mkdtempSync(join(tmpdir(), 'callconfirm-browser-'))
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(directory, 'callconfirm.db'),
    ADMIN_TOKEN: setup.adminToken,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: setup.log ? 'info' : 'silent',
  })
  const run = await startWithSandbox(completeSandboxSecrets(config).config, setup.log ? createLogger('info', setup.log) : createLogger('silent'))
  const browser = await launchBrowser(setup.browserArgs?.(directory))
  const url = (path: string) => `${run.service.url}${path}`
  return {
    run,
    browser,
    directory,
    url,
    async api<T>(path: string, init: RequestInit = {}) {
      const headers = { authorization: `Bearer ${setup.adminToken}`, 'content-type': 'application/json', ...init.headers }
      return (await fetch(url(path), { ...init, headers })).json() as Promise<T>
    },
    async close() {
      await browser.close()
      await run.service.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** Waits until the order is as `check` wants it and every write to its store is delivered; says where it stands if it never is. */
export async function settledOrder(world: Pick<SandboxWithBrowser, 'api'>, id: number, check: (o: OrderView) => boolean, timeoutMs = 50_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const order = await world.api<OrderView>(`/api/orders/${id}`)
    if (check(order) && order.storeWrites.every((w) => w.status === 'done')) return order
    if (Date.now() > until)
      throw new Error(`order ${id} did not settle: ${JSON.stringify({ status: order.status, outcome: order.outcome, writes: order.storeWrites })}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}
