/**
 * Money and dates as a store's people read them. Intl does the work (currency digits, month
 * names, time zones); where Albanian shops write something CLDR does not, the difference is made
 * here, once, and said why.
 */

/** Albanian shops write the lek as "L" (the sign on the banknotes); CLDR's symbol is the word "Lekë". */
const SHOP_SYMBOLS: Record<string, Record<string, string>> = { sq: { ALL: 'L' } }

/**
 * Albanian shops group thousands with a dot and write decimals with a comma, from 1.000 on
 * ("8.100 L", "49,90 €"). CLDR's Albanian groups with a narrow space and only from 10 000, which
 * no Albanian price tag does; so Intl still decides the digits, the sign and their order, and
 * only these two separators are swapped.
 */
const SHOP_SEPARATORS: Record<string, { group: string; decimal: string }> = { sq: { group: '.', decimal: ',' } }

const formats = new Map<string, Intl.NumberFormat>()
function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale} ${currency}`
  let format = formats.get(key)
  if (!format) {
    // 'always' groups 8100 too (Albanian CLDR waits for five digits; see SHOP_SEPARATORS).
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, useGrouping: 'always' })
    formats.set(key, format)
  }
  return format
}

/**
 * An amount in its currency, written as the store's shoppers read it. The currency's own digits
 * (ISO 4217 via Intl): the lek has none.
 *
 * @example
 * formatMoney('8100.00', 'ALL', 'sq-AL') // → '8.100 L' (a no-break space before the L)
 * formatMoney('49.9', 'EUR', 'sq-XK')    // → '49,90 €'
 * formatMoney('49.9', 'EUR', 'en')       // → '€49.90'
 */
export function formatMoney(amount: string | number, currency: string, locale: string): string {
  const value = Number(amount)
  if (!Number.isFinite(value) || !/^[A-Z]{3}$/.test(currency)) return `${amount} ${currency}`.trim()
  const language = new Intl.Locale(locale).language
  const symbol = SHOP_SYMBOLS[language]?.[currency]
  const separators = SHOP_SEPARATORS[language]
  return moneyFormat(locale, currency)
    .formatToParts(value)
    .map((part) =>
      part.type === 'currency' && symbol
        ? symbol
        : part.type === 'group' && separators
          ? separators.group
          : part.type === 'decimal' && separators
            ? separators.decimal
            : part.value,
    )
    .join('')
}

/**
 * A moment in the store's time zone, 24-hour clock in both our languages (Albanian shops do not
 * write "p.d."), with the month in words so no reader swaps day and month.
 *
 * @example
 * formatDateTime(Date.parse('2026-12-01T17:00:00Z'), 'Europe/Tirane', 'sq') // → '1 dhjetor 2026 në 18:00'
 * formatDateTime(Date.parse('2026-12-01T17:00:00Z'), 'Europe/Tirane', 'en') // → 'December 1, 2026 at 18:00'
 */
export function formatDateTime(at: number, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(at)
}
