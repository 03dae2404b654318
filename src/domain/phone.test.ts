import { describe, expect, it } from 'vitest'
import { lineTypeRefusal, maskPhone, parsePhone } from './phone.js'

describe("reading customers' phone numbers", () => {
  it.each([
    // Kosovo mobiles as customers type them
    ['044 123 456', ['XK'], '+38344123456'],
    ['049-123-456', ['XK'], '+38349123456'],
    ['045123456', ['XK', 'AL'], '+38345123456'],
    ['+383 44 123 456', ['AL'], '+38344123456'],
    ['00383 43 123 456', ['AL'], '+38343123456'],
    // Albanian mobiles and landlines
    ['069 123 4567', ['AL'], '+355691234567'],
    ['0682345678', ['AL'], '+355682345678'],
    ['+355 67 234 5678', ['XK'], '+355672345678'],
    ['00355 69 876 5432', ['XK'], '+355698765432'],
    ['04 222 3333', ['AL'], '+35542223333'],
    // A Kosovo address with an Albanian mobile: the store's country is the fallback
    ['0691234567', ['XK', 'AL'], '+355691234567'],
  ])('%s with countries %j reads as %s', (raw, countries, e164) => {
    expect(parsePhone(raw, countries)?.e164).toBe(e164)
  })

  it.each([
    ['', ['AL']],
    ['12', ['AL']],
    ['555-555-SHIP', ['US']],
    ['0691234567', ['XK']],
    ['not a phone', ['AL', 'XK']],
  ])('%j is not a number we can dial (countries %j)', (raw, countries) => {
    expect(parsePhone(raw, countries)).toBeUndefined()
  })

  it('masks a number down to its country code and last two digits', () => {
    expect(maskPhone('+355691234567')).toBe('+355…67')
    expect(maskPhone(null)).toBe('(none)')
    expect(maskPhone('+355691234567')).not.toContain('9123')
  })
})

describe("which numbers are a customer's own phone", () => {
  it.each([
    ['+355691234567', 'an Albanian mobile'],
    ['+35542223333', 'a Tirana landline'],
    ['+38344123456', 'a Kosovo mobile'],
    ['+38338123456', 'a Prishtina landline'],
    ['+14407123456', 'a US number that may be either'],
  ])('%s (%s) may be called', (e164) => {
    expect(lineTypeRefusal(e164)).toBeUndefined()
  })

  it.each([
    ['+355900123', 'a premium-rate number'],
    ['+38390012345', 'a premium-rate number'],
    ['+449012345678', 'a premium-rate number'],
    ['+355808123', 'a shared-cost number'],
    ['+3558001234', 'a toll-free number'],
    ['+38380012345', 'a toll-free number'],
    ['+445512345678', 'a universal access (UAN) number'],
    ['+445612345678', 'a VoIP number'],
    ['+447012345678', 'a personal (forwarding) number'],
    ['+447640123456', 'a pager number'],
    ['+4781212345', 'a voicemail access number'],
    ['+35542000111', 'a number of no known type'],
  ])('%s is never called: it is %s', (e164, kind) => {
    const refusal = lineTypeRefusal(e164)
    expect(refusal).toContain(kind)
    expect(refusal).toContain(maskPhone(e164))
    expect(refusal).not.toContain(e164.slice(4, -2))
  })
})
