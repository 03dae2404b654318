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

/** The first line of an error's message, for the merchant and the log. */
export const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300)
