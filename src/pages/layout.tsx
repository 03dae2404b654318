import type { Context } from 'hono'
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Plain, readable on a phone, no scripts or fonts from elsewhere. */
const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45 }
  body { max-width: 44rem; margin: 0 auto; padding: 1rem }
  h1 { font-size: 1.4rem } h2 { font-size: 1.1rem; margin-top: 1.6rem }
  label { display: block; margin: .7rem 0 .2rem; font-weight: 600 }
  input, select { font: inherit; padding: .45rem; width: 100%; box-sizing: border-box; max-width: 24rem }
  input[type=checkbox] { width: auto; margin-right: .4rem }
  .row { display: flex; gap: .8rem; flex-wrap: wrap } .row > div { flex: 1 1 9rem }
  .hint { color: GrayText; font-size: .9rem; margin: .2rem 0 }
  .notice { padding: .7rem 1rem; border-radius: .4rem; background: #e8f5e9; color: #1b5e20 }
  .problem { padding: .7rem 1rem; border-radius: .4rem; background: #fdecea; color: #8a1c10 }
  button { font: inherit; padding: .6rem 1.4rem; margin-top: 1.2rem; cursor: pointer }
  code { word-break: break-all }
`

/** `head`: what must come first in the head (App Bridge's client id and script, inside Shopify's admin). */
export function Page(props: { title: string; head?: Child; children?: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          {props.head}
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{props.title} · callconfirm</title>
          <style dangerouslySetInnerHTML={{ __html: STYLE }} />
        </head>
        <body>{props.children}</body>
      </html>
    </>
  )
}

/** A page that says one thing went wrong, and what to do about it. */
export function ProblemPage(props: { title: string; message: string; retryUrl?: string }) {
  return (
    <Page title={props.title}>
      <h1>{props.title}</h1>
      <p class="problem">{props.message}</p>
      {props.retryUrl && (
        <p>
          <a href={props.retryUrl}>Start again</a>
        </p>
      )}
    </Page>
  )
}

/** Answers with a ProblemPage and its status. */
export function problemPage(c: Context, status: ContentfulStatusCode, title: string, message: string, retryUrl?: string) {
  c.status(status)
  return c.html(<ProblemPage title={title} message={message} retryUrl={retryUrl} />)
}
