/**
 * The one place for translated text: the catalogs (TypeScript modules, so the Worker bundles
 * them; nothing is read from disk), one i18next instance initialised synchronously at import,
 * and what the rest of callconfirm asks of it: the words of a store's notes (domain/evidence.ts
 * NoteWords), of a call's speech (domain/speakable.ts SpeechWords), and a page's translator with
 * its money and date formats. Any BCP 47 tag is accepted (`sq-AL`, `sq-XK`, `en-US`, `mk`); a
 * language we have no catalog for reads English.
 */
import i18next, { type TFunction } from 'i18next'
import { describeEvidence, type NoteWords, readEvidence } from '../domain/evidence.js'
import type { SpeechWords } from '../domain/speakable.js'
import type { Catalog } from './catalog.js'
import { en } from './en.js'
import { formatDateTime, formatMoney } from './format.js'
import { type PageCatalog, pagesEn } from './pages.en.js'
import { pagesSq } from './pages.sq.js'
import { sq } from './sq.js'

export { formatDateTime, formatMoney } from './format.js'

/** The languages with a catalog, Albanian first. */
export const LANGUAGES = ['sq', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

// `pages`: the pages' own texts (pages.en.ts), apart from the notes' and the agent's.
const resources = {
  sq: { translation: sq, pages: pagesSq },
  en: { translation: en, pages: pagesEn },
} satisfies Record<Language, { translation: Catalog; pages: PageCatalog }>

const i18n = i18next.createInstance()
void i18n.init({
  resources,
  lng: 'en',
  fallbackLng: 'en',
  ns: ['translation', 'pages'],
  supportedLngs: [...LANGUAGES],
  // Synchronous: the resources are here, and a Worker must not wait on an import-time promise.
  initAsync: false,
  // Notes and the agent's order are plain text; the pages escape what they render (hono/jsx).
  interpolation: { escapeValue: false },
  returnNull: false,
})

/**
 * Ours of a BCP 47 tag: `sq`, `sq-AL`, `sq-XK` → `sq`; `en-US` and every language we have no
 * catalog for → `en`.
 *
 * @example
 * languageOf('sq-XK') // → 'sq'
 * languageOf('mk')    // → 'en'
 */
export function languageOf(tag: string | null | undefined): Language {
  let language: string
  try {
    language = new Intl.Locale((tag ?? '').replace(/_/g, '-')).language
  } catch {
    return 'en'
  }
  return (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : 'en'
}

/**
 * The operator's language from a request's Accept-Language: the first of theirs, by weight, that
 * we have; else English. A page's language switch overrides it (and a store's pages use the
 * store's `language` setting instead).
 *
 * @example
 * languageFromAcceptLanguage('de-DE,de;q=0.9,sq;q=0.8,en;q=0.5') // → 'sq'
 */
export function languageFromAcceptLanguage(header: string | null | undefined): Language {
  const wanted = (header ?? '')
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { tag: tag.trim(), weight: q ? Number(q.slice(2)) : 1, order }
    })
    .filter((w) => w.tag && w.tag !== '*' && w.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
  for (const { tag } of wanted) {
    const language = languageOf(tag)
    if (language !== 'en' || tag.toLowerCase().startsWith('en')) return language
  }
  return 'en'
}

/** The tag in its canonical form (`sq_xk` → `sq-XK`) when it is of `language`; else the language alone (`mk` read in English: `en`). */
function localeIn(tag: string | null | undefined, language: Language): string {
  try {
    const [canonical] = Intl.getCanonicalLocales((tag ?? '').replace(/_/g, '-'))
    return canonical && new Intl.Locale(canonical).language === language ? canonical : language
  } catch {
    return language
  }
}

/** What a page or message in one language uses: its texts, and money and dates as its readers write them. */
export interface Translator {
  language: Language
  /** The tag to format with: the store's own (`sq-XK`) when it is in this language, else the language. */
  locale: string
  t: TFunction
  money(amount: string | number, currency: string): string
  dateTime(at: number, timeZone: string): string
}

/**
 * The translator for a store's language setting or an operator's choice.
 *
 * @example
 * const tr = translator('sq-AL')
 * tr.t('outcome.confirmed') // → 'Konfirmuar'
 * tr.money('8100.00', 'ALL') // → '8.100 L'
 */
export function translator(tag: string | null | undefined): Translator {
  const language = languageOf(tag)
  const locale = localeIn(tag, language)
  return {
    language,
    locale,
    t: i18n.getFixedT(language),
    money: (amount, currency) => formatMoney(amount, currency, locale),
    dateTime: (at, timeZone) => formatDateTime(at, timeZone, locale),
  }
}

/** A page's translator: `t` reads the pages' texts; `outcome` names an outcome as the notes do. */
export interface PageTranslator extends Translator {
  outcome(outcome: keyof Catalog['outcome']): string
}

/**
 * The translator for a page in `language` (a store's setting or the operator's choice).
 *
 * @example
 * pageTranslator('sq').t('action.callAgain') // → 'Telefono përsëri tani'
 */
export function pageTranslator(tag: string | null | undefined): PageTranslator {
  const base = translator(tag)
  return { ...base, t: i18n.getFixedT(base.language, 'pages'), outcome: (outcome) => base.t(`outcome.${outcome}`) }
}

/** Whether a value names one of our languages (a `lang` switch or cookie). */
export const isLanguage = (value: unknown): value is Language => (LANGUAGES as readonly unknown[]).includes(value)

/**
 * The words of the notes callconfirm writes on a store's orders, in the store's language.
 *
 * @example
 * noteWords('sq').outcome('confirmed') // → 'Konfirmuar'
 */
export function noteWords(tag: string | null | undefined): NoteWords {
  const { t, dateTime } = translator(tag)
  return {
    note: (key, values) => t(`note.${key}`, values),
    outcome: (outcome) => t(`outcome.${outcome}`),
    dateTime,
  }
}

/** The words the agent's order is prepared with, in the call's language. */
export function speechWords(tag: string | null | undefined): SpeechWords {
  const { t, language } = translator(tag)
  const numbers = resources[language].translation.speech.numbers
  return {
    speech: (key, values) => t(`speech.${key}`, values),
    currency: (code, count) => {
      // Lek, euro, dollar, denar in our catalogs; any other currency by its name in the language (CLDR).
      const fallback = code === 'minor' ? '' : (new Intl.DisplayNames(language, { type: 'currency' }).of(code) ?? code)
      return t(`speech.currency.${code}`, { count, defaultValue: fallback })
    },
    numberWord: (n) => (Number.isInteger(n) && n >= 1 && n < numbers.length ? numbers[n] : undefined),
  }
}

/**
 * An order's evidence, as the orders table keeps it, in sentences of `language` with times in
 * `timeZone`: what a page or the API shows. A sentence stored before evidence was structured is
 * shown as it is.
 *
 * @example
 * evidenceText('{"kind":"key","digit":"1"}', 'sq', 'Europe/Tirane') // → 'Shtypi 1 në tastierë për të konfirmuar.'
 */
export function evidenceText(stored: string | null, language: string, timeZone: string): string | null {
  const evidence = readEvidence(stored)
  return evidence === null ? null : describeEvidence(evidence, noteWords(language), timeZone)
}
