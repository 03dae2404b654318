import type { Context } from 'hono'

/**
 * Twilio's REST error body (`{code, message, more_info, status}`), as its API answers a refusal:
 * 401 with 20003 for bad credentials, 404 with 20404 for what is not there.
 *
 * @example
 * return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`)
 */
export function twilioError(c: Context, status: 400 | 401 | 404 | 416 | 429 | 500 | 503, code: number, message: string) {
  return c.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status)
}
