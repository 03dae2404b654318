import { randomBytes } from 'node:crypto'
import type { Viewer } from '../dashboard/session.js'
import { sha256Hex } from '../utils/digest.js'

/** A talk page's token opens its socket within this long of the page being served. */
export const TALK_TOKEN_MS = 5 * 60_000
/** Test conversations at once across the service: each holds a Realtime session, which costs. */
export const MAX_TEST_CONVERSATIONS = 8
/** Tokens kept at most: minted with each page view, most are never spent. */
const MAX_TOKENS = 1_000

/** Why a test conversation could not begin now. */
export type Busy = 'store_busy' | 'service_busy'

/**
 * The dashboard's test conversations: one-time tokens, each bound to the viewer who opened the
 * talk page and the store it is for, and the places taken (one conversation per store, and at
 * most MAX_TEST_CONVERSATIONS in all). In memory: a token is spent on the process that minted it,
 * where its page's socket lands, and a test conversation does not outlive its process.
 *
 * @example
 * const token = talk.mint(viewer, storeId, now)      // with the page
 * const storeId = talk.spend(token, viewer, now)      // as its socket opens: once
 * const place = talk.occupy(storeId)                  // 'store_busy' or a release
 */
export function createTestConversations() {
  const tokens = new Map<string, { viewer: string; storeId: string; expiresAt: number }>()
  const live = new Set<string>()
  return {
    mint(viewer: Viewer, storeId: string, now: number): string {
      for (const [hash, t] of tokens) if (t.expiresAt <= now || tokens.size >= MAX_TOKENS) tokens.delete(hash)
      const token = randomBytes(24).toString('base64url')
      tokens.set(sha256Hex(token), { viewer: viewerKey(viewer), storeId, expiresAt: now + TALK_TOKEN_MS })
      return token
    },
    /** The store the token was minted for, if it is unspent, unexpired and this viewer's; it is spent either way. */
    spend(token: string, viewer: Viewer, now: number): string | undefined {
      const hash = sha256Hex(token)
      const found = tokens.get(hash)
      // Looked up by its hash: the map compares whole digests, never the token a character at a time.
      tokens.delete(hash)
      return found && found.expiresAt > now && found.viewer === viewerKey(viewer) ? found.storeId : undefined
    },
    /** Takes the store's place for a conversation: the function that gives it back, or why not. */
    occupy(storeId: string): (() => void) | Busy {
      if (live.has(storeId)) return 'store_busy'
      if (live.size >= MAX_TEST_CONVERSATIONS) return 'service_busy'
      live.add(storeId)
      return () => live.delete(storeId)
    },
  }
}

export type TestConversations = ReturnType<typeof createTestConversations>

/** A merchant's session at one link version: revoking the store's links voids the tokens minted under it too. */
export const viewerKey = (viewer: Viewer) => (viewer.kind === 'operator' ? 'operator' : `store:${viewer.storeId}:${viewer.linkVersion}`)
