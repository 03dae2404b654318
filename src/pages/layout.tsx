import type { Context } from 'hono'
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { type Language, pageTranslator } from '../i18n/index.js'
import { PageWords, switchHref, usePageWords } from './language.js'
import { STYLESHEET } from './theme.js'

/**
 * Every page, in the Shopify admin and standalone alike: Polaris's look (theme.ts), inline, with
 * no script, font or stylesheet from elsewhere. `head`: what must come first in the head (App
 * Bridge's client id and script, inside Shopify's admin). `layout`: a centred column for a form
 * (the default), or `app` when the caller brings its own frame (the dashboard's bar and sections).
 * `lang`: the page's language (language.ts chooses it); everything inside reads its words with
 * usePageWords(). `here`: the page's own address, for the language switch (a form page shows it
 * above the form; the dashboard's bar has its own).
 */
export function Page(props: { title: string; lang?: Language; here?: string; head?: Child; layout?: 'page' | 'app'; children?: Child }) {
  const lang = props.lang ?? 'en'
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          {props.head}
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{props.title} · callconfirm</title>
          <style dangerouslySetInnerHTML={{ __html: STYLESHEET }} />
        </head>
        <body>
          <PageWords.Provider value={pageTranslator(lang)}>
            {props.layout === 'app' ? (
              props.children
            ) : (
              <main class="page">
                {props.here && <LanguageSwitch here={props.here} />}
                {props.children}
              </main>
            )}
          </PageWords.Provider>
        </body>
      </html>
    </>
  )
}

/** "Shqip · English": each language's name in itself, the page's own not a link. */
const LANGUAGE_NAMES: ReadonlyArray<readonly [Language, string]> = [
  ['sq', 'Shqip'],
  ['en', 'English'],
]

/** The language switch: the same page in each of our languages. */
export function LanguageSwitch(props: { here: string }) {
  const { language, t } = usePageWords()
  return (
    <nav class="language" aria-label={t('frame.language')} data-language-switch>
      {LANGUAGE_NAMES.map(([tag, name], i) => (
        <>
          {i > 0 && ' · '}
          {tag === language ? (
            <b lang={tag}>{name}</b>
          ) : (
            <a href={switchHref(props.here, tag)} lang={tag} hreflang={tag}>
              {name}
            </a>
          )}
        </>
      ))}
    </nav>
  )
}

/** A page that says one thing went wrong, and what to do about it (the caller's words, in `lang`). */
export function ProblemPage(props: { title: string; message: string; retryUrl?: string; lang?: Language }) {
  return (
    <Page title={props.title} lang={props.lang}>
      <h1>{props.title}</h1>
      <p class="problem">{props.message}</p>
      {props.retryUrl && <RetryLink href={props.retryUrl} />}
    </Page>
  )
}

function RetryLink(props: { href: string }) {
  const { t } = usePageWords()
  return (
    <p>
      <a href={props.href}>{t('problem.startAgain')}</a>
    </p>
  )
}

/** Answers with a ProblemPage and its status. */
export function problemPage(c: Context, status: ContentfulStatusCode, title: string, message: string, retryUrl?: string, lang?: Language) {
  c.status(status)
  return c.html(<ProblemPage title={title} message={message} retryUrl={retryUrl} lang={lang} />)
}
