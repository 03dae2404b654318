import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Config } from '../config.js'
import type { ReadyConfig } from '../deps.js'
import { fromBase64, toBase64, toBase64Url } from '../utils/base64.js'
import { makePrivateDirectory, PRIVATE_FILE_MODE, tightenIfPresent } from '../utils/privateFiles.js'

export interface SandboxSecrets {
  config: ReadyConfig
  /** True when the admin token was made here (and should be shown to the person starting it). */
  generatedAdminToken: boolean
}

/**
 * Sandbox mode needs an admin token and an encryption key nobody had to create. They are made
 * once and kept beside the database (mode 0600), so a restart still opens the stores registered
 * before and the same token keeps working. Outside sandbox, config.ts has already required both.
 */
export function completeSandboxSecrets(config: Config): SandboxSecrets {
  if (config.adminToken && config.encryptionKey)
    return { config: { ...config, adminToken: config.adminToken, encryptionKey: config.encryptionKey }, generatedAdminToken: false }
  if (!config.sandbox) throw new Error('ADMIN_TOKEN and ENCRYPTION_KEY are required outside sandbox mode')

  const file = config.databasePath === ':memory:' ? undefined : join(dirname(config.databasePath), 'sandbox-secrets.json')
  let saved: { adminToken: string; encryptionKey: string } | undefined
  if (file && existsSync(file)) {
    tightenIfPresent(file)
    saved = JSON.parse(readFileSync(file, 'utf8'))
  }
  if (!saved) {
    saved = {
      adminToken: toBase64Url(crypto.getRandomValues(new Uint8Array(24))),
      encryptionKey: toBase64(crypto.getRandomValues(new Uint8Array(32))),
    }
    if (file) {
      // Made before the database, so this is where the data directory is created.
      makePrivateDirectory(dirname(file))
      writeFileSync(file, JSON.stringify(saved, null, 2), { mode: PRIVATE_FILE_MODE })
    }
  }
  return {
    config: {
      ...config,
      adminToken: config.adminToken ?? saved.adminToken,
      encryptionKey: config.encryptionKey ?? fromBase64(saved.encryptionKey)!,
    },
    generatedAdminToken: !config.adminToken,
  }
}
