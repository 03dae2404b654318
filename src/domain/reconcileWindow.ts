/**
 * How far back a store is asked for the orders no webhook brought us. Every order created at or
 * after the answer is asked for; what we already hold among them is left alone by intake.
 */

/** What the store's history says about where the gap may begin. Times are Unix milliseconds. */
export interface ReconcileFacts {
  now: number
  /** When the store was installed (`stores.created_at`): nothing placed before it is ours to call. */
  installedAt: number
  /** Up to when the store was last asked, in full (`stores.reconciled_at`); null before its first pass. */
  reconciledAt: number | null
  /** When the newest order we hold for the store was placed, by the store's clock; null when we hold none. */
  newestPlacedAt: number | null
}

/**
 * Ten minutes: far more than a store's clock drifts from ours, and it covers orders created in the
 * second a pass asked about. Asking twice costs only the listing; intake ignores what it holds.
 */
export const RECONCILE_OVERLAP_MS = 10 * 60_000

export interface ReconcilePolicy {
  /** Orders older than this are never asked for (RECONCILE_LOOKBACK_HOURS). */
  lookbackMs: number
  /** Asked for twice rather than missed: the store's clock against ours, and orders in the same second. */
  overlapMs: number
}

/**
 * The earliest creation time to ask a store for. A store asked before is asked from where that
 * pass reached: every order created before it was seen then, including one whose delivery alone
 * failed while later ones arrived (WooCommerce does not retry). A store never asked is asked from
 * the newest order it sent us, or from its install. Never before the install, never beyond the
 * lookback, and always a little overlap.
 *
 * @example
 * reconcileSince({ now, installedAt, reconciledAt: null, newestPlacedAt: now - 3_600_000 }, { lookbackMs: 72 * 3_600_000, overlapMs: 600_000 })
 * // → now - 70 minutes
 */
export function reconcileSince(facts: ReconcileFacts, policy: ReconcilePolicy): number {
  const from = (facts.reconciledAt ?? facts.newestPlacedAt ?? facts.installedAt) - policy.overlapMs
  return Math.max(from, facts.installedAt, facts.now - policy.lookbackMs)
}
