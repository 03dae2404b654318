import { createHash } from 'node:crypto'
import { and, eq, isNull, lt } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { installStates } from '../db/schema.js'
import type { Platform } from './records.js'

const hash = (state: string) => createHash('sha256').update(state).digest('hex')

/** Remembers a state handed to a merchant's browser for an install of `domain`. */
export async function rememberInstallState(db: Db, platform: Platform, domain: string, state: string, now: number, ttlMs: number): Promise<void> {
  // Old states are of no use to anyone: drop them as new ones come.
  await db.delete(installStates).where(lt(installStates.expiresAt, now - 24 * 3600_000))
  await db.insert(installStates).values({ stateHash: hash(state), platform, domain, expiresAt: now + ttlMs, createdAt: now })
}

export type InstallStateCheck = { ok: true; domain: string } | { ok: false; reason: 'unknown' | 'expired' | 'used' }

/**
 * Spends a state: it must be one we issued for this platform, unexpired and unused. Spending is
 * one conditional update, so two callbacks racing with the same state cannot both pass.
 */
export async function spendInstallState(db: Db, platform: Platform, state: string, now: number): Promise<InstallStateCheck> {
  const stateHash = hash(state)
  const spent = await db
    .update(installStates)
    .set({ usedAt: now })
    .where(and(eq(installStates.stateHash, stateHash), eq(installStates.platform, platform), isNull(installStates.usedAt)))
    .returning({ domain: installStates.domain, expiresAt: installStates.expiresAt })
  const row = spent[0]
  if (row) return row.expiresAt > now ? { ok: true, domain: row.domain } : { ok: false, reason: 'expired' }
  const known = await db.select({ usedAt: installStates.usedAt }).from(installStates).where(and(eq(installStates.stateHash, stateHash), eq(installStates.platform, platform))).get()
  return { ok: false, reason: known ? 'used' : 'unknown' }
}

/** The domain of an install whose state was spent within the last `withinMs` (its return page). */
export async function recentlySpentInstall(db: Db, platform: Platform, state: string, now: number, withinMs: number): Promise<string | undefined> {
  const row = await db
    .select({ domain: installStates.domain, usedAt: installStates.usedAt })
    .from(installStates)
    .where(and(eq(installStates.stateHash, hash(state)), eq(installStates.platform, platform)))
    .get()
  return row?.usedAt && row.usedAt > now - withinMs ? row.domain : undefined
}
