/**
 * Remembers the results of a pure function of one string. Bounded: past `max` entries the
 * oldest is forgotten, so hostile input cannot grow it without limit.
 *
 * @example
 * const zoneOf = memoize(timezoneForCountry)
 */
export function memoize<R>(fn: (key: string) => R, max = 1000): (key: string) => R {
  const cache = new Map<string, R>()
  return (key) => {
    if (cache.has(key)) return cache.get(key) as R
    const value = fn(key)
    if (cache.size >= max) cache.delete(cache.keys().next().value as string)
    cache.set(key, value)
    return value
  }
}
