import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSettingsLinks } from './link.js'

describe('settings links', () => {
  const links = createSettingsLinks(randomBytes(32), 'https://callconfirm.test')
  const now = Date.parse('2026-11-21T12:00:00Z')

  it('open the store they were made for until they expire', () => {
    const token = links.token('st_abc.def', now + 60_000)
    expect(links.verify(token, now)).toEqual({ ok: true, storeId: 'st_abc.def', expiresAt: now + 60_000 })
    expect(links.verify(token, now + 60_000)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuse a token whose store, expiry or signature was changed, or made with another key', () => {
    const token = links.token('st_abc', now + 60_000)
    const [store, expires, mac] = token.split('.') as [string, string, string]
    expect(links.verify(`st_abd.${expires}.${mac}`, now).ok).toBe(false)
    expect(links.verify(`${store}.${(now + 3600_000).toString(36)}.${mac}`, now).ok).toBe(false)
    expect(links.verify(`${store}.${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now).ok).toBe(false)
    expect(links.verify(createSettingsLinks(randomBytes(32), 'https://callconfirm.test').token('st_abc', now + 60_000), now).ok).toBe(false)
    expect(links.verify('nonsense', now)).toEqual({ ok: false, reason: 'invalid' })
  })
})
