import type { Context } from 'hono'
import { ApiError } from './errors.js'

export type FormBody = Record<string, string | File | (string | File)[]>

/**
 * A form post's fields, or a 400 that says the body is not a form. Hono's parseBody throws on a
 * malformed multipart body (no boundary, truncated parts), which would otherwise surface as a 500.
 *
 * @example
 * const form = await formBody(c) // { token: '…', next: '/' }
 */
export async function formBody(c: Context): Promise<FormBody> {
  try {
    return await c.req.parseBody()
  } catch {
    throw new ApiError(400, 'invalid_form', 'the body is not a form (application/x-www-form-urlencoded or multipart/form-data)')
  }
}
