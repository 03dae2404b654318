import type { Config } from './config.js'
import type { Db } from './db/index.js'
import type { SaveOrder } from './orders/intake.js'
import type { StoreDefaults } from './stores/records.js'
import type { Logger } from './utils/log.js'
import type { SecretBox } from './utils/secretBox.js'

/** A config whose generated secrets (sandbox) are filled in. */
export type ReadyConfig = Config & { adminToken: string; encryptionKey: Uint8Array<ArrayBuffer> }

/** What the HTTP app needs from its runtime; built by service.ts on Node, by worker.ts on Workers. */
export interface AppDeps {
  config: ReadyConfig
  db: Db
  box: SecretBox
  log: Logger
  /** Durable, idempotent order write (group-committed on Node). */
  saveOrder: SaveOrder
  storeDefaults: StoreDefaults
  now: () => number
}
