import { z } from 'zod'
import type { IncomingOrder } from '../domain/order.js'
import { firstProblem } from '../domain/validation.js'
import { ApiError } from '../utils/errors.js'

/** Platforms send `null`, `""` or nothing for an absent text; all three read as undefined. */
export const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim()))

/** An id that may arrive as a number or a string (ids are kept as strings). */
export const id = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String)

/**
 * A numeric id that JSON.parse may have rounded (beyond 2^53): kept only when exact, so the
 * caller falls back to an exact source (Shopify's gid strings).
 */
export const roundedId = z
  .union([z.string().min(1), z.number()])
  .nullish()
  .transform((v) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined))

/** Parses a webhook payload with `schema`, or answers 400 naming the field that is wrong. */
export function parsePayload<T extends z.ZodType>(schema: T, payload: unknown): z.output<T> {
  const parsed = schema.safeParse(payload)
  if (parsed.success) return parsed.data
  const { field, message } = firstProblem(parsed.error)
  throw new ApiError(400, 'invalid_payload', `order payload: ${message}`, field)
}

/** "Arben" + "Krasniqi" → "Arben Krasniqi"; undefined when both are missing. */
export function fullName(first: string | undefined, last: string | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ').trim()
  return name || undefined
}

/** Distinct non-empty values in their first order. */
export function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))]
}

/**
 * A page of orders from what a store listed: each item read with `read` (undefined: not an order
 * yet, left out), or, when it is not an order we can read, named in `unreadable` with what is
 * wrong, so one odd order never holds back the rest.
 */
export function readOrdersPage<T>(
  items: readonly T[],
  read: (item: T) => IncomingOrder | undefined,
): { orders: IncomingOrder[]; unreadable: string[] } {
  const page = { orders: [] as IncomingOrder[], unreadable: [] as string[] }
  for (const item of items) {
    try {
      const order = read(item)
      if (order) page.orders.push(order)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      const id = (item as { id?: unknown } | null)?.id
      page.unreadable.push(`order ${typeof id === 'string' || typeof id === 'number' ? id : '(no id)'}: ${error.message}`)
    }
  }
  return page
}
