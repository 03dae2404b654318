/**
 * `node --import ./test/support/moduleLog.mjs …`: appends the URL of every module the process
 * loads, one a line, to the file MODULE_LOG names. Start-up tests read it to see what a boot
 * really loaded, dynamic imports included.
 */
import { appendFileSync } from 'node:fs'
import { register } from 'node:module'
import { isMainThread } from 'node:worker_threads'

// Run as --import in the main thread, this file registers itself as the hooks module (which
// Node runs in a thread of its own).
if (isMainThread) register(import.meta.url)

export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context)
  appendFileSync(process.env.MODULE_LOG, `${url}\n`)
  return loaded
}
