import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSettingsLinks } from './link.js'

describe('settings links', () => {
  const links = createSettingsLinks(randomBytes(32), 'https://callconfirm.test')
  const now = Date.parse('2026-11-21T12:00:00Z')

  it('open the store they were made for, at its link version, until they expire', () => {
    const token = links.token({ id: 'st_abc.def', linkVersion: 3 }, now + 60_000)
    expect(links.verify(token, now)).toEqual({ ok: true, storeId: 'st_abc.def', version: 3, expiresAt: now + 60_000 })
    expect(links.verify(token, now + 60_000)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuse a token whose store, version, expiry or signature was changed, or made with another key', () => {
    const token = links.token({ id: 'st_abc', linkVersion: 1 }, now + 60_000)
    const [store, version, expires, mac] = token.split('.') as [string, string, string, string]
    expect(links.verify(`st_abd.${version}.${expires}.${mac}`, now).ok).toBe(false)
    expect(links.verify(`${store}.2.${expires}.${mac}`, now).ok).toBe(false)
    expect(links.verify(`${store}.${version}.${(now + 3600_000).toString(36)}.${mac}`, now).ok).toBe(false)
    expect(links.verify(`${store}.${version}.${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now).ok).toBe(false)
    expect(
      links.verify(createSettingsLinks(randomBytes(32), 'https://callconfirm.test').token({ id: 'st_abc', linkVersion: 1 }, now + 60_000), now).ok,
    ).toBe(false)
    expect(links.verify('nonsense', now)).toEqual({ ok: false, reason: 'invalid' })
  })
})
