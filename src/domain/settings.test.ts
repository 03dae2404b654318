import { describe, expect, it } from 'vitest'
import { changeSettings, defaultSettings, readSettings } from './settings.js'

const defaults = defaultSettings({ country: 'XK', companyName: 'Dyqani', voice: 'marin' })

describe('store settings', () => {
  it('start from sensible defaults for the country', () => {
    expect(defaults).toMatchObject({
      enabled: true,
      language: 'sq',
      timezone: 'Europe/Belgrade',
      callingHours: { start: '09:00', end: '20:00' },
      retryDelaysMinutes: [15, 120, 1080],
      callOrders: 'cod',
      tags: { pending: 'call-pending', confirmed: 'call-confirmed', noAnswer: 'call-no-answer' },
    })
  })

  it('change one nested field and keep its siblings', () => {
    const r = changeSettings(defaults, { callingHours: { end: '18:30' }, tags: { confirmed: 'COD Confirmed' } })
    expect(r.ok && r.settings.callingHours).toEqual({ start: '09:00', end: '18:30' })
    expect(r.ok && r.settings.tags.pending).toBe('call-pending')
  })

  it.each([
    [{ callingHours: { start: '25:00' } }, 'callingHours.start'],
    [{ callingHours: { start: '21:00' } }, 'callingHours.end'],
    [{ retryDelaysMinutes: [15, -5] }, 'retryDelaysMinutes.1'],
    [{ timezone: 'Europe/Prishtina' }, 'timezone'],
    [{ language: 'not a language' }, 'language'],
    [{ callOrders: 'some' }, 'callOrders'],
    [{ allowedCountries: ['AL', 'QQ'] }, 'allowedCountries.1'],
    [{ tags: { confirmed: 'a,b' } }, 'tags.confirmed'],
    [{ tags: { shipped: 'x' } }, 'tags.shipped'],
    [{ favouriteColour: 'red' }, 'favouriteColour'],
    [{ enabled: 'yes' }, 'enabled'],
  ])('reject %j naming %s', (change, field) => {
    const r = changeSettings(defaults, change)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.field).toBe(field)
  })

  it('normalise what they accept', () => {
    const r = changeSettings(defaults, { language: 'SQ-al', allowedCountries: ['xk'], actions: { wooStatusOnConfirmed: 'wc-processing' } })
    expect(r.ok && [r.settings.language, r.settings.allowedCountries, r.settings.actions.wooStatusOnConfirmed]).toEqual([
      'sq-AL',
      ['XK'],
      'processing',
    ])
  })

  it("read back from storage keep the merchant's valid choices when one stored value has become invalid", () => {
    const s = readSettings({ companyName: 'Shop X', timezone: 'Mars/Olympus' }, defaults)
    expect(s.companyName).toBe('Shop X')
    expect(s.timezone).toBe('Europe/Belgrade')
  })
})
