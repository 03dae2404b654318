import type { Context } from 'hono'
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { STYLESHEET } from './theme.js'

/**
 * Every page, in the Shopify admin and standalone alike: Polaris's look (theme.ts), inline, with
 * no script, font or stylesheet from elsewhere. `head`: what must come first in the head (App
 * Bridge's client id and script, inside Shopify's admin). `layout`: a centred column for a form
 * (the default), or `app` when the caller brings its own frame (the dashboard's bar and sections).
 */
export function Page(props: { title: string; head?: Child; layout?: 'page' | 'app'; children?: Child }) {
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
          <style dangerouslySetInnerHTML={{ __html: STYLESHEET }} />
        </head>
        <body>{props.layout === 'app' ? props.children : <main class="page">{props.children}</main>}</body>
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
