import type { StoreSettings } from '../domain/settings.js'

/** The store's call tags that mean the call is over (all but `pending`), lower-cased. */
export function finalCallTags(settings: Pick<StoreSettings, 'tags'>): Set<string> {
  const { pending: _, ...final } = settings.tags
  return new Set(Object.values(final).map((t) => t.toLowerCase()))
}
