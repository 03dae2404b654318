import { sameSecret } from '../utils/digest.js'
import { purposeMac } from '../utils/hmac.js'

/**
 * The key in a call's media-stream URL (`/twilio/media-stream/<key>`): `<attemptId>.<MAC>`, the
 * MAC keyed by a key derived from ENCRYPTION_KEY. Twilio's `<Stream url>` takes no query string,
 * so the call is named in the path; the Worker routes each stream to its call's own Durable
 * Object by it (worker.ts), and the MAC means a stranger's guessed URL reaches no object at all.
 * It proves only where to route: the one-time token in `start` is what lets a stream in
 * (streamAdmission.ts), on either runtime.
 *
 * @example
 * const keys = createStreamKeys(config.encryptionKey)
 * keys.attemptOf(keys.key('att_x')) // → 'att_x'
 */
export interface StreamKeys {
  key(attemptId: string): string
  /** The attempt a key names, or undefined when it is not one of ours. */
  attemptOf(key: string): string | undefined
}

export function createStreamKeys(encryptionKey: Uint8Array): StreamKeys {
  const full = purposeMac(encryptionKey, 'callconfirm media streams')
  // 128 bits: unguessable, and short enough for a URL Twilio logs.
  const mac = (attemptId: string) => full(attemptId).slice(0, 22)
  return {
    key: (attemptId) => `${attemptId}.${mac(attemptId)}`,
    attemptOf(key) {
      const cut = key.lastIndexOf('.')
      if (cut <= 0) return undefined
      const attemptId = key.slice(0, cut)
      return sameSecret(key.slice(cut + 1), mac(attemptId)) ? attemptId : undefined
    },
  }
}
