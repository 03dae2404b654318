/**
 * Why a write to a store's order did not go through, in the three kinds the store writer acts on:
 * - `permanent`: the store will refuse it again (token revoked, order deleted, a scope missing);
 *   the write is marked failed, with this message for the merchant.
 * - `slow_down`: the store asked us to wait (`retryAfterMs`); not held against the write.
 * - `transient`: a 5xx, a timeout, a dropped connection; retried with growing waits, then failed.
 */
export class WriteBackError extends Error {
  constructor(
    readonly kind: 'permanent' | 'slow_down' | 'transient',
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message)
  }
}

/**
 * Where a store's own words begin in a write's error. What a store answers is shown to the
 * operator only (trimmed where it is read, restApi.ts): the address behind a store is whatever
 * was typed, so its answers are not ours to show a merchant (see `withoutStoreWords`).
 */
const STORE_SAID = ' The store said: '

/** Our sentence, then what the store answered, marked so a merchant's view can leave it out. */
export const withStoreWords = (ours: string, theirs: string) => `${ours}${STORE_SAID}${theirs.slice(0, 200)}`

/** A write's error as a merchant may see it: our sentence without the store's own words. */
export const withoutStoreWords = (message: string) => message.split(STORE_SAID)[0]!

/** The first line of an error's message, for the merchant and the log. */
export const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300)
