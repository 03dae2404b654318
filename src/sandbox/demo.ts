/**
 * `npm run demo`: callconfirm in sandbox mode, from the terminal. Customers who behave in
 * different ways order from the two sample stores; each order goes through the real intake,
 * scheduler, voice bridge and write-back; progress is printed as it happens, and a table at the
 * end. Exits 0 only if every order ended as its customer's behaviour should make it end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config.js'
import { createLogger } from '../utils/log.js'
import { runDemo } from './demoRun.js'
import { completeSandboxSecrets } from './secrets.js'
import { startWithSandbox } from './start.js'

const directory = mkdtempSync(join(tmpdir(), 'callconfirm-demo-'))
// Everything simulated whatever the environment says: the demo never calls anyone or touches a real store.
const config = loadConfig({ SANDBOX: '1', PORT: '0', DATABASE_PATH: join(directory, 'demo.db'), LOG_LEVEL: 'warn' })
const ready = completeSandboxSecrets(config).config
const log = createLogger(ready.logLevel, (line) => process.stderr.write(`${line}\n`))
// DEMO_MODEL=real: the simulated model behaves as gpt-realtime is reported to (DEMO_SEED picks which of its bad days).
const realModel = process.env.DEMO_MODEL === 'real' ? { seed: Number(process.env.DEMO_SEED ?? 14) } : undefined
const { service, stores } = await startWithSandbox(ready, log, {}, { realModel })

let code = 1
try {
  if (!stores) throw new Error('the sample stores did not start')
  const model = realModel ? `a model that behaves like the real one (DEMO_SEED=${realModel.seed})` : 'an ideal model'
  code = (await runDemo({ url: service.url, adminToken: ready.adminToken, stores, model })) ? 0 : 1
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await service.close()
  rmSync(directory, { recursive: true, force: true })
}
process.exit(code)
