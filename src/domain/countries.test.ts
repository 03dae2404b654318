import { describe, expect, it } from 'vitest'
import { defaultCallableCountries, isCountryCode, languageForCountry, timezoneForCountry } from './countries.js'

describe('country defaults', () => {
  it('speaks Albanian to Albania and Kosovo', () => {
    expect(languageForCountry('AL')).toBe('sq')
    expect(languageForCountry('XK')).toBe('sq')
    expect(languageForCountry('MK')).toBe('mk')
    expect(languageForCountry('DE')).toBe('de')
  })

  it('uses the local time zone, Kosovo included, and UTC where a country has several', () => {
    expect(timezoneForCountry('AL')).toBe('Europe/Tirane')
    expect(timezoneForCountry('XK')).toBe('Europe/Belgrade')
    expect(timezoneForCountry('DE')).toBe('Europe/Berlin')
    expect(timezoneForCountry('US')).toBe('UTC')
  })

  it('lets Albanian and Kosovar stores call the Albanian-speaking neighbours by default', () => {
    expect(defaultCallableCountries('AL')).toEqual(['AL', 'XK', 'MK', 'ME'])
    expect(defaultCallableCountries('XK')).toEqual(['XK', 'AL', 'MK', 'ME'])
    expect(defaultCallableCountries('DE')).toEqual(['DE'])
  })

  it('knows Kosovo and rejects codes that are no country', () => {
    expect(isCountryCode('XK')).toBe(true)
    expect(isCountryCode('QQ')).toBe(false)
    expect(isCountryCode('al')).toBe(false)
  })
})
