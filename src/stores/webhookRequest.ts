import type { Context } from 'hono'
import { ApiError } from '../utils/errors.js'

/** Webhook bodies are checked byte for byte against their signature, so read them raw. */
export async function rawBody(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await c.req.arrayBuffer())
}

export function requireJsonContent(c: Context): void {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type))
    throw new ApiError(415, 'unsupported_media_type', `expected Content-Type: application/json, got ${type ? `"${type}"` : 'none'}`)
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The body as JSON, or a 400 that says the JSON is malformed. */
export function parseJsonBody(body: Uint8Array, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(decoder.decode(body))
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`)
  }
}
