import type { Context } from 'hono'
import { requireJsonContent } from '../stores/webhookRequest.js'
import { ApiError } from '../utils/errors.js'

/** The JSON body of an API request, or a 415/400 that says what is wrong with it. */
export async function jsonBody(c: Context): Promise<unknown> {
  requireJsonContent(c)
  try {
    return await c.req.json()
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`)
  }
}
