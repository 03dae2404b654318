import { describe, expect, it } from 'vitest'
import { formatDateTime, formatMoney } from './format.js'

const NBSP = '\u00a0'

describe('money as the store’s shoppers read it', () => {
  it.each([
    ['lek in Albania: no decimals, thousands grouped with a dot, the sign L', '8100.00', 'ALL', 'sq-AL', `8.100${NBSP}L`],
    ['a large lek amount', '1234567', 'ALL', 'sq', `1.234.567${NBSP}L`],
    ['lek rounded: the lek has no minor unit', '999.60', 'ALL', 'sq', `1.000${NBSP}L`],
    ['the euro in Kosovo: a decimal comma', '49.9', 'EUR', 'sq-XK', `49,90${NBSP}€`],
    ['the euro with thousands', '1049.9', 'EUR', 'sq-XK', `1.049,90${NBSP}€`],
    ['the euro in English', '49.9', 'EUR', 'en', '€49.90'],
    ['the lek in English, as CLDR writes it', '8100.00', 'ALL', 'en-US', `ALL${NBSP}8,100`],
    ['an amount that is not a number is left as it came', 'n/a', 'ALL', 'sq', 'n/a ALL'],
  ])('%s', (_, amount, currency, locale, written) => {
    expect(formatMoney(amount, currency, locale)).toBe(written)
  })
})

describe('a moment in the store’s time zone', () => {
  const at = Date.parse('2026-12-01T17:00:00Z')
  it.each([
    ['Albanian, Tirana time, 24-hour clock', 'Europe/Tirane', 'sq', '1 dhjetor 2026 në 18:00'],
    ['English, Tirana time, 24-hour clock', 'Europe/Tirane', 'en', 'December 1, 2026 at 18:00'],
    ['Kosovo keeps Belgrade’s time', 'Europe/Belgrade', 'sq-XK', '1 dhjetor 2026 në 18:00'],
    ['across midnight in another zone', 'Asia/Tokyo', 'en', 'December 2, 2026 at 02:00'],
  ])('%s', (_, zone, locale, written) => {
    expect(formatDateTime(at, zone, locale)).toBe(written)
  })
})
