import type { Context } from 'hono'
import { ApiError, payloadTooLarge } from '../utils/errors.js'

/** The request stream @hono/node-server hands over as `c.env.incoming`. */
interface NodeIncoming extends AsyncIterable<Uint8Array> {
  readableFlowing: boolean | null
  readableEnded: boolean
}

/** Shopify orders with hundreds of lines run to a few hundred KB; anything past this is not an order. */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024

/**
 * Reads a webhook body raw (it is checked byte for byte against its signature), refusing one
 * larger than WEBHOOK_BODY_LIMIT: by its declared length before reading, else while reading.
 *
 * On Node it reads @hono/node-server's request stream itself: going through `c.req` (or Hono's
 * bodyLimit, which touches `c.req.raw.body`) builds a full fetch Request with an AbortSignal and
 * a web stream for every webhook, about a tenth of intake's CPU. Anywhere else (Workers), or if
 * something already started reading the stream, it takes the standard path.
 */
export async function rawBody(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(c.req.header('content-length') ?? 0) > WEBHOOK_BODY_LIMIT) payloadTooLarge(c, WEBHOOK_BODY_LIMIT)
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming
  const stream: AsyncIterable<Uint8Array> | null =
    incoming && incoming.readableFlowing === null && !incoming.readableEnded ? incoming : c.req.raw.body
  const chunks: Uint8Array[] = []
  let size = 0
  if (stream)
    for await (const chunk of stream) {
      size += chunk.length
      if (size > WEBHOOK_BODY_LIMIT) payloadTooLarge(c, WEBHOOK_BODY_LIMIT)
      chunks.push(chunk)
    }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
}

export function requireJsonContent(c: Context): void {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type))
    throw new ApiError(415, 'unsupported_media_type', `expected Content-Type: application/json, got ${type ? `"${type}"` : 'none'}`)
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The body as JSON, or a 400 that says the JSON is malformed. */
export function parseJsonBody(body: Uint8Array, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(decoder.decode(body))
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`)
  }
}
