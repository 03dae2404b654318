import { memoize } from '../domain/memo.js'
import { fromBase64, toBase64Url } from './base64.js'

/**
 * Encrypts small secrets (store access tokens, API keys, webhook secrets) for storage with
 * AES-256-GCM. Each value is bound to a context string (e.g. the store id) as associated data,
 * so a ciphertext copied onto another row does not decrypt.
 *
 * Format: `v1.<iv>.<ciphertext+tag>`, both base64url.
 *
 * @example
 * const box = await createSecretBox(config.encryptionKey)
 * const sealed = await box.seal('shpat_…', store.id)
 * const token = await box.open(sealed, store.id)
 */
export interface SecretBox {
  seal(plaintext: string, context: string): Promise<string>
  open(sealed: string, context: string): Promise<string>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export async function createSecretBox(keyBytes: Uint8Array<ArrayBuffer>): Promise<SecretBox> {
  if (keyBytes.length !== 32) throw new Error('encryption key must be 32 bytes')
  const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt', 'decrypt'])
  // The same few secrets (each store's webhook secret) are opened on every webhook.
  const opened = memoize((entry: string) => {
    const [context, sealed] = JSON.parse(entry) as [string, string]
    return decrypt(key, sealed, context)
  })
  return {
    async seal(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, key, encoder.encode(plaintext))
      return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`
    },
    open: (sealed, context) => opened(JSON.stringify([context, sealed])),
  }
}

async function decrypt(key: CryptoKey, sealed: string, context: string): Promise<string> {
  const [version, ivText, dataText] = sealed.split('.')
  const iv = ivText ? fromBase64(ivText) : undefined
  const data = dataText ? fromBase64(dataText) : undefined
  if (version !== 'v1' || !iv || !data) throw new Error('not a sealed secret')
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, key, data)
  return decoder.decode(plain)
}
