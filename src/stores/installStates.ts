import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { installStates } from '../db/schema.js'
import { sha256Hex } from '../utils/digest.js'
import type { PlatformName } from './platform.js'

/** SHA-256 of a state (hex), as it is stored: a copy of the database cannot finish someone's install. */
export const installStateHash = (state: string) => sha256Hex(state)

/**
 * The most install states kept at once, whatever their age. Installs are begun by strangers
 * (no account is needed to ask), so a flood must meet a ceiling, not a growing table; past it new
 * installs are refused until old states are pruned (rate limits per address come first).
 */
export const MAX_INSTALL_STATES = 5000

/**
 * How long a state is kept after it expires. Nothing can be done with it by then, but its return
 * page may still be open (a WooCommerce connect's lasts as long as the state did), and a late
 * answer is better told "took too long" than "not started here".
 */
const KEPT_AFTER_EXPIRY_MS = 3600_000

/**
 * Remembers a state handed to a merchant's browser for an install of `domain`; false (nothing
 * stored) when MAX_INSTALL_STATES are outstanding. `browserHash`: SHA-256 of the cookie given to
 * the browser that began it, when only that browser may see the result.
 */
export async function rememberInstallState(
  db: Db,
  install: { platform: PlatformName; domain: string; state: string; browserHash?: string },
  now: number,
  ttlMs: number,
): Promise<boolean> {
  await db.delete(installStates).where(lt(installStates.expiresAt, now - KEPT_AFTER_EXPIRY_MS))
  // One statement, so requests racing at the ceiling cannot all pass it.
  const inserted = await db.all(sql`
    insert into ${installStates} (state_hash, platform, domain, expires_at, created_at, browser_hash)
    select ${installStateHash(install.state)}, ${install.platform}, ${install.domain}, ${now + ttlMs}, ${now}, ${install.browserHash ?? null}
    where (select count(*) from ${installStates}) < ${MAX_INSTALL_STATES}
    returning state_hash`)
  return inserted.length === 1
}

export type InstallStateCheck = { ok: true; domain: string } | { ok: false; reason: 'unknown' | 'expired' | 'used' }

/**
 * Spends a state: it must be one we issued for this platform, unexpired and unused. Spending is
 * one conditional update, so two callbacks racing with the same state cannot both pass.
 * `pendingKeys` (sealed) are stored by the same update, for the install to finish from.
 */
export async function spendInstallState(
  db: Db,
  platform: PlatformName,
  state: string,
  now: number,
  pendingKeys?: string,
): Promise<InstallStateCheck> {
  const stateHash = installStateHash(state)
  const spent = await db
    .update(installStates)
    .set({ usedAt: now, ...(pendingKeys ? { pendingKeys } : {}) })
    .where(and(eq(installStates.stateHash, stateHash), eq(installStates.platform, platform), isNull(installStates.usedAt)))
    .returning({ domain: installStates.domain, expiresAt: installStates.expiresAt })
  const row = spent[0]
  if (row && row.expiresAt > now) return { ok: true, domain: row.domain }
  if (row) {
    // Too late: nothing will be done with the keys, so they are not kept either.
    if (pendingKeys) await db.update(installStates).set({ pendingKeys: null }).where(eq(installStates.stateHash, stateHash))
    return { ok: false, reason: 'expired' }
  }
  const known = await db
    .select({ usedAt: installStates.usedAt })
    .from(installStates)
    .where(and(eq(installStates.stateHash, stateHash), eq(installStates.platform, platform)))
    .get()
  return { ok: false, reason: known ? 'used' : 'unknown' }
}

/** The sealed keys of a spent state whose install is not finished yet. */
export async function pendingKeysOf(db: Db, stateHash: string): Promise<string | undefined> {
  const row = await db.select({ pendingKeys: installStates.pendingKeys }).from(installStates).where(eq(installStates.stateHash, stateHash)).get()
  return row?.pendingKeys ?? undefined
}

/** Records how a spent state's install ended (the store it went into, or why not) and drops its keys. */
export async function finishInstallState(db: Db, stateHash: string, outcome: { storeId: string } | { failure: string }): Promise<void> {
  await db
    .update(installStates)
    .set({ pendingKeys: null, storeId: 'storeId' in outcome ? outcome.storeId : null, failure: 'failure' in outcome ? outcome.failure : null })
    .where(eq(installStates.stateHash, stateHash))
}

export interface SpentInstall {
  domain: string
  browserHash: string | null
  /** Set once the install went into a store. */
  storeId: string | null
  /** Set once it did not, and why. */
  failure: string | null
}

/** A state spent within the last `withinMs`, for its return page; undefined for any other. */
export async function recentlySpentInstall(
  db: Db,
  platform: PlatformName,
  state: string,
  now: number,
  withinMs: number,
): Promise<SpentInstall | undefined> {
  const row = await db
    .select()
    .from(installStates)
    .where(and(eq(installStates.stateHash, installStateHash(state)), eq(installStates.platform, platform)))
    .get()
  if (!row?.usedAt || row.usedAt <= now - withinMs) return undefined
  return { domain: row.domain, browserHash: row.browserHash, storeId: row.storeId, failure: row.failure }
}
