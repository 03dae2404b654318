import { isSafeNumber, parse } from 'lossless-json'

/** True when some integer in the value lost digits in JSON.parse (Shopify ids exceed 2^53). */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value)
  if (Array.isArray(value)) return value.some(hasUnsafeInteger)
  if (value && typeof value === 'object') return Object.values(value).some(hasUnsafeInteger)
  return false
}

/**
 * Parses a Shopify payload without corrupting the ids we read. Resource payloads (orders) carry
 * them as strings too (`admin_graphql_api_id`, for the order and its customer), which is where
 * we take them from, so the fast JSON.parse is exact for us. Payloads without them (the
 * compliance topics) are re-parsed losslessly when an integer was too large for a double:
 * it then comes back as a string of its exact digits. Throws SyntaxError on malformed JSON.
 */
export function parseShopifyJson(body: string): unknown {
  const fast: unknown = JSON.parse(body)
  const hasGid = typeof fast === 'object' && fast !== null && 'admin_graphql_api_id' in fast
  if (hasGid || !hasUnsafeInteger(fast)) return fast
  return parse(body, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits))
}
