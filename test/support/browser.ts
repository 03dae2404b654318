import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium (installed by .ci/run), headless, kept off the closed network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Whether browser tests can run here; on a machine without Chromium they are skipped with a note, in CI (.ci/run installs it) never. */
export function haveBrowser(what: string): boolean {
  const have = existsSync(CHROMIUM) || !!process.env.CI
  if (!have) console.warn(`${what} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`)
  return have
}

/** `extraArgs`: a test's own switches (a fake microphone, say). */
export const launchBrowser = (extraArgs: string[] = []): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] })
