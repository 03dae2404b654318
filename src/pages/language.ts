import type { Context as RequestContext } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { createContext, useContext } from 'hono/jsx'
import { isLanguage, type Language, languageFromAcceptLanguage, type PageTranslator, pageTranslator } from '../i18n/index.js'

/**
 * Which language a page speaks. A merchant's pages speak their store's `language` setting, the
 * operator's their Accept-Language; the header's "Shqip · English" switch (`?lang=`) overrides
 * either and is kept in a `lang` cookie, so the next page speaks it too.
 */
const COOKIE = 'lang'
const YEAR_S = 365 * 24 * 3600

/** The language the reader chose with the switch, if they did (only one of ours counts). */
export function chosenLanguage(c: RequestContext): Language | undefined {
  const asked = c.req.query('lang')
  if (isLanguage(asked)) {
    // Not a secret, so readable by nothing but the server anyway; Lax like the session cookie.
    setCookie(c, COOKIE, asked, { path: '/', sameSite: 'Lax', httpOnly: true, maxAge: YEAR_S, secure: new URL(c.req.url).protocol === 'https:' })
    return asked
  }
  const kept = getCookie(c, COOKIE)
  return isLanguage(kept) ? kept : undefined
}

/** The page's language: the reader's choice, else `otherwise` (a store's language setting). */
export const pageLanguage = (c: RequestContext, otherwise: string): Language => chosenLanguage(c) ?? pageTranslator(otherwise).language

/** The operator's pages: their choice, else their browser's Accept-Language. */
export const operatorLanguage = (c: RequestContext): Language => chosenLanguage(c) ?? languageFromAcceptLanguage(c.req.header('accept-language'))

/** The words of a page before the store is known: the reader's choice, else their browser's language. */
export function readerWords(c: RequestContext): { lang: Language; t: PageTranslator['t'] } {
  const lang = operatorLanguage(c)
  return { lang, t: pageTranslator(lang).t }
}

/** The translator of the page being rendered: layout.tsx's Page provides it to everything inside. */
export const PageWords = createContext<PageTranslator>(pageTranslator('en'))
export const usePageWords = () => useContext(PageWords)

/** `here` with the switch's `lang` set: the same page in the other language. */
export function switchHref(here: string, language: Language): string {
  const url = new URL(here, 'https://callconfirm.invalid')
  url.searchParams.set('lang', language)
  return `${url.pathname}${url.search}`
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The language of the page being answered, set once per request by the dashboard (routes.tsx). */
    pageLanguage: Language
  }
}

/** What a page's frame takes from the request: its language and its own address (for the switch). */
export function pageAt(c: RequestContext): { lang: Language; here: string } {
  const url = new URL(c.req.url)
  // A session token (inside the Shopify admin) is good for a minute and for this page alone.
  url.searchParams.delete('id_token')
  return { lang: c.get('pageLanguage') ?? operatorLanguage(c), here: `${url.pathname}${url.search}` }
}
