import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { purposeMac } from '../utils/hmac.js'
import { ANSWER_LINK_TTL_MS, createAnswerLinks, loggablePath } from './answerLink.js'

describe('answer links', () => {
  const links = createAnswerLinks(randomBytes(32), 'https://confirm.dyqani.al')
  const now = Date.parse('2026-11-21T12:34:56Z')
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1)
  /** A token's order (base36), expiry (hours, base36) and signature. */
  const partsOf = (url: string) => {
    const token = tokenOf(url)
    return [token.slice(0, -20), token.slice(-20, -16), token.slice(-16)] as const
  }

  it('open the order they were made for until they expire, at least 72 hours on', () => {
    const { url, expiresAt } = links.link(1071, now)
    expect(url.startsWith('https://confirm.dyqani.al/a/')).toBe(true)
    expect(expiresAt).toBeGreaterThanOrEqual(now + ANSWER_LINK_TTL_MS)
    expect(expiresAt).toBeLessThan(now + ANSWER_LINK_TTL_MS + 3600_000)
    expect(links.verify(tokenOf(url), now)).toEqual({ ok: true, orderId: 1071, expiresAt })
    expect(links.verify(tokenOf(url), expiresAt - 1)).toEqual({ ok: true, orderId: 1071, expiresAt })
    expect(links.verify(tokenOf(url), expiresAt)).toEqual({ ok: false, reason: 'expired' })
  })

  it('fit an SMS: under 60 characters with a typical domain, even for a large order id', () => {
    const { url } = createAnswerLinks(randomBytes(32), 'https://callconfirm.example.com').link(9_999_999, now)
    expect(url.length).toBeLessThan(60)
    // Only characters a phone's SMS app keeps inside a link.
    expect(tokenOf(url)).toMatch(/^[A-Za-z0-9._-]+$/)
  })

  it('refuse a token whose order, expiry or signature was changed, or made with another key', () => {
    const [order, hours, mac] = partsOf(links.link(1071, now).url)
    expect(links.verify(`${order}${hours}${mac}`, now).ok).toBe(true)
    expect(links.verify(`${(1072).toString(36)}${hours}${mac}`, now)).toEqual({ ok: false, reason: 'invalid' })
    expect(links.verify(`${order}${(parseInt(hours, 36) + 1).toString(36)}${mac}`, now)).toEqual({ ok: false, reason: 'invalid' })
    expect(links.verify(`${order}${hours}${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now)).toEqual({ ok: false, reason: 'invalid' })
    expect(links.verify(`${order}${hours}${mac.slice(0, -1)}`, now)).toEqual({ ok: false, reason: 'invalid' })
    const foreign = createAnswerLinks(randomBytes(32), 'https://confirm.dyqani.al').link(1071, now).url
    expect(links.verify(tokenOf(foreign), now)).toEqual({ ok: false, reason: 'invalid' })
    expect(links.verify('nonsense', now)).toEqual({ ok: false, reason: 'invalid' })
    expect(links.verify('', now)).toEqual({ ok: false, reason: 'invalid' })
  })

  it('do not open with a signature made under the same key for another of our links', () => {
    const key = randomBytes(32)
    const own = createAnswerLinks(key, 'https://confirm.dyqani.al')
    const [order, hours] = partsOf(own.link(5, now).url)
    const body = `${order}${hours}`
    const settingsMac = purposeMac(key, 'callconfirm settings links')(body).slice(0, 16)
    expect(own.verify(`${body}${settingsMac}`, now)).toEqual({ ok: false, reason: 'invalid' })
  })

  it('are logged without their signature, and other paths as they are', () => {
    const path = new URL(links.link(1071, now).url).pathname
    const [order, hours, mac] = partsOf(path)
    expect(loggablePath(path)).toBe(`/a/${order}${hours}…`)
    expect(loggablePath(path)).not.toContain(mac)
    expect(loggablePath('/api/orders/12')).toBe('/api/orders/12')
    expect(loggablePath('/a/short')).toBe('/a/short')
  })
})
