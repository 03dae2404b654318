import type { Context } from 'hono'
import { ApiError } from './errors.js'

export type FormBody = Record<string, string | File | (string | File)[]>

/**
 * A form post's fields, or a 400 that says the body is not a form. Hono's parseBody throws on a
 * malformed multipart body (no boundary, truncated parts), which would otherwise surface as a 500.
 *
 * @example
 * const form = await formBody(c) // { token: '…', next: '/' }
 * const picked = await formBody(c, { all: true }) // { orders: ['12', '15'], do: 'confirm' }
 */
export async function formBody(c: Context, options: { all?: boolean } = {}): Promise<FormBody> {
  try {
    // `all`: a field sent more than once (the review queue's checkboxes) keeps every value, not the last.
    return await c.req.parseBody({ all: options.all ?? false })
  } catch {
    throw new ApiError(400, 'invalid_form', 'the body is not a form (application/x-www-form-urlencoded or multipart/form-data)')
  }
}
