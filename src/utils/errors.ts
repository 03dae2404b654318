import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The one error type route code throws for a client mistake. It becomes
 * `{"error":{"code","message","field"?}}` with the given status (see app.ts onError).
 *
 * @example
 * throw new ApiError(404, 'store_not_found', `no store with id ${id}`)
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(status, { message })
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } }
  }
}

/** Refuses a body over `limit` bytes. Its rest is never read, so the connection is closed after. */
export function payloadTooLarge(c: Context, limit: number): never {
  c.header('Connection', 'close')
  throw new ApiError(413, 'payload_too_large', `the body is larger than ${limit / 1024} KiB`)
}
