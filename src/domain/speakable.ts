import type { OrderItem } from './order.js'

/**
 * The order as a voice says it. A TTS voice reads plain digits well in the language it speaks
 * ("8100" → "tetë mijë e njëqind"), and reads grouped, decimal or coded amounts badly ("8100.00
 * ALL" → "eight thousand one hundred point zero zero A L L"); so amounts are digits without
 * separators followed by the currency's word, and cents, when a currency has them and the amount
 * does, follow as their own number. Writing every number out in words is no better for the voice
 * and worse for the model, which must still understand it. Small quantities are words, because
 * "2 × Atlete" is read "two times"; variant separators ("42 / E zezë") become pauses (commas)
 * and a size its word ("numri 42"). Product titles and option values are never translated: the
 * customer knows their order by those words.
 */

/** The call language's words for speech: src/i18n `speechWords(language)` makes one. `count` picks the plural form. */
export interface SpeechWords {
  speech(key: SpeechKey, values?: Record<string, string | number>): string
  /** The currency's name in words ("lekë", "euro"), for `count` of it. */
  currency(code: string, count: number): string
  /** 1 to 10 as a word, else undefined. */
  numberWord(n: number): string | undefined
}

export type SpeechKey = 'item' | 'moreItems' | 'numberSize' | 'letterSize' | 'amount' | 'amountWithCents' | 'calledAbout'

const MAX_ITEMS = 8
const LETTER_SIZE = /^(X{0,3}S|M|X{0,4}L|\dXL)$/i
const NUMBER_SIZE = /^\d{1,3}([.,]5)?$/

const fractionDigits = new Map<string, number>()
/** How many minor digits the currency has (ISO 4217, through Intl): the lek none, the euro two. */
function minorDigits(currency: string): number {
  let digits = fractionDigits.get(currency)
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      digits = 2
    }
    fractionDigits.set(currency, digits)
  }
  return digits
}

/**
 * An amount as the agent says it.
 *
 * @example
 * spokenAmount('8100.00', 'ALL', speechWords('sq')) // → '8100 lekë'
 * spokenAmount('49.90', 'EUR', speechWords('sq'))   // → '49 euro e 90 centë'
 */
export function spokenAmount(total: string, currency: string, w: SpeechWords): string {
  const value = Number(total)
  const code = currency.trim().toUpperCase()
  if (!Number.isFinite(value) || !/^[A-Z]{3}$/.test(code)) return `${total} ${currency}`.trim()
  const scale = 10 ** minorDigits(code)
  const minor = Math.round(Math.abs(value) * scale)
  const whole = Math.floor(minor / scale)
  const cents = minor % scale
  const currencyWord = w.currency(code, whole)
  return cents === 0
    ? w.speech('amount', { whole, currency: currencyWord })
    : w.speech('amountWithCents', { whole, currency: currencyWord, cents, minor: w.currency('minor', cents) })
}

/** One option value of a variant ("42", "XL", "E zezë") as said: sizes with their word, a capital that only starts a title lowered. */
function spokenOption(value: string, w: SpeechWords): string {
  if (NUMBER_SIZE.test(value)) return w.speech('numberSize', { value })
  if (LETTER_SIZE.test(value)) return w.speech('letterSize', { value: value.toUpperCase() })
  // "E zezë" mid-sentence is "e zezë"; "iPhone", "USB-C" and other words with capitals inside stay as written.
  return /^\p{Lu}[^\p{Lu}]*$/u.test(value) ? value[0]!.toLowerCase() + value.slice(1) : value
}

/**
 * An item's title with its variant made speakable: Shopify names a variant "Title - 42 / E zezë",
 * WooCommerce "Title - 42, E zezë". The title is left as it is.
 *
 * @example
 * spokenTitle('Atlete vrapimi - 42 / E zezë', speechWords('sq')) // → 'Atlete vrapimi, numri 42, e zezë'
 */
export function spokenTitle(title: string, w: SpeechWords): string {
  const cut = title.lastIndexOf(' - ')
  if (cut <= 0) return title.trim()
  const options = title
    .slice(cut + 3)
    .split(/\s*[/,]\s*/)
    .map((o) => o.trim())
    .filter(Boolean)
  return [title.slice(0, cut).trim(), ...options.map((o) => spokenOption(o, w))].join(', ')
}

/** One line of the order: "dy copë Çantë shpine" (a quantity of ten or less in words). */
export function spokenItem(item: OrderItem, w: SpeechWords): string {
  return w.speech('item', { quantity: w.numberWord(item.quantity) ?? item.quantity, title: spokenTitle(item.title, w) })
}

/**
 * The items as the agent reads them back; after eight, how many more.
 *
 * @example
 * spokenItems([{ title: 'Atlete vrapimi - 42 / E zezë', quantity: 1 }], speechWords('sq'))
 * // → ['një copë Atlete vrapimi, numri 42, e zezë']
 */
export function spokenItems(items: readonly OrderItem[], w: SpeechWords): string[] {
  const listed = items.slice(0, MAX_ITEMS).map((item) => spokenItem(item, w))
  const more = items.length - MAX_ITEMS
  return more > 0 ? [...listed, w.speech('moreItems', { count: more })] : listed
}
