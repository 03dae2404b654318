import { eq } from 'drizzle-orm'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import { rateLimiter } from 'hono-rate-limiter'
import { orders } from '../db/schema.js'
import type { AppDeps } from '../deps.js'
import { isLanguage, type Language, languageOf, pageTranslator } from '../i18n/index.js'
import { problemPage } from '../pages/layout.js'
import { findStore } from '../stores/records.js'
import { addressBucket } from '../utils/clientAddress.js'
import { formBody } from '../utils/formBody.js'
import { type AnswerOrder, AnswerPage, type AnswerShown } from './answerPage.js'
import { answerFromCustomer, type CustomerAnswerDeps } from './customerAnswer.js'

/**
 * Requests one client address may make to answer pages in a window. A customer opens the page,
 * perhaps again, and taps once; customers of a mobile network can share one address (carrier
 * NAT), so the limit leaves room for many of them, and none for someone walking through tokens
 * (96-bit signatures make that hopeless anyway; the limit keeps it from costing us work).
 */
export const ANSWER_RATE_LIMIT = { limit: 60, windowMs: 10 * 60_000 }

/**
 * What every answer page answers with, a refusal included: never cached or indexed (the link is
 * the customer's alone), no referrer carrying the token elsewhere, nothing loaded or framed, and
 * a form that posts nowhere but here. The look is the inline stylesheet; there is no script.
 */
const PAGE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
}

export type AnswerRouteDeps = CustomerAnswerDeps & Pick<AppDeps, 'answerLinks' | 'storeDefaults' | 'clientAddress'>

/** An order as its answer page needs it, or undefined when there is none to show (gone, or its customer's data erased). */
interface OpenedOrder {
  orderId: number
  order: AnswerOrder
  /** The language its customer ordered in (the store's, unless the storefront said). */
  language: string
  /** How it was closed, when it was confirmed or cancelled already. */
  closedAs: 'confirmed' | 'cancelled' | null
  /** It will not be called or answered (cancelled or fulfilled in the store before its call, say). */
  skipped: boolean
}

/**
 * What an order shows before a tap: how it was closed, or the buttons. Whether a tap still closes
 * an order is answerFromCustomer's to decide; it says `closed` when not, and the page says so.
 */
const shownBefore = (o: OpenedOrder): AnswerShown =>
  o.closedAs || o.skipped ? { kind: 'closed', outcome: o.closedAs, unchanged: false } : { kind: 'ask' }

async function openOrder(deps: AnswerRouteDeps, orderId: number): Promise<OpenedOrder | undefined> {
  // Only what the page shows: no phone, name or address of the customer is read.
  const row = await deps.db
    .select({
      storeId: orders.storeId,
      name: orders.name,
      items: orders.items,
      total: orders.total,
      currency: orders.currency,
      language: orders.language,
      status: orders.status,
      outcome: orders.outcome,
      redactedAt: orders.redactedAt,
    })
    .from(orders)
    .where(eq(orders.id, orderId))
    .get()
  if (!row || row.redactedAt !== null) return undefined
  const store = await findStore(deps.db, row.storeId, deps.storeDefaults)
  if (!store) return undefined
  return {
    orderId,
    order: { shop: store.settings.companyName, name: row.name, items: row.items, total: row.total, currency: row.currency },
    language: row.language,
    closedAs: row.outcome === 'confirmed' || row.outcome === 'cancelled' ? row.outcome : null,
    skipped: row.status === 'skipped',
  }
}

/** The switch's `?lang=` when the customer used it (kept in the address, not a cookie), else `otherwise`. */
const languageAsked = (c: Context, otherwise: string): Language => {
  const asked = c.req.query('lang')
  return isLanguage(asked) ? asked : languageOf(otherwise)
}

/** A link that opens nothing, in Albanian unless the switch said: which store it was for is not told. */
function linkProblem(c: Context, reason: 'invalid' | 'expired') {
  const lang = languageAsked(c, 'sq')
  const { t } = pageTranslator(lang)
  return problemPage(c, reason === 'expired' ? 410 : 404, t(`answerPage.${reason}`), t(`answerPage.${reason}Text`), undefined, lang)
}

function render(c: Context, opened: OpenedOrder, shown: AnswerShown, status: 200 | 400 | 409 = 200) {
  const url = new URL(c.req.url)
  c.status(status)
  return c.html(<AnswerPage order={opened.order} shown={shown} lang={languageAsked(c, opened.language)} here={`${url.pathname}${url.search}`} />)
}

/**
 * `GET /a/:token` and `POST /a/:token`: the one-page answer an SMS links to when WhatsApp cannot
 * reach the customer (answerLink.ts signs the token). The page shows the shop, the order's
 * number, what was ordered and the total, in the customer's language, and two buttons; a tap
 * closes the order through answerFromCustomer as a reply would (channel `link`, the button's
 * words as the evidence). A second tap changes nothing and says so. No login, no cookie, no
 * script; limited per client address.
 *
 * @example
 * app.route('/a', answerRoutes(deps))
 */
export function answerRoutes(deps: AnswerRouteDeps) {
  const app = new Hono()

  const pageHeaders: MiddlewareHandler = async (c, next) => {
    await next()
    for (const [name, value] of Object.entries(PAGE_HEADERS)) c.header(name, value)
  }
  const perAddress = rateLimiter({
    ...ANSWER_RATE_LIMIT,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => addressBucket(deps.clientAddress(c)),
    handler: (c) => {
      const lang = languageAsked(c, 'sq')
      const { t } = pageTranslator(lang)
      return problemPage(c, 429, t('answerPage.tooMany'), t('answerPage.tooManyText'), undefined, lang)
    },
  })
  app.use('*', pageHeaders, perAddress)

  /** The token's order, or the page saying why the link opens nothing. */
  async function opened(c: Context): Promise<OpenedOrder | Response> {
    const checked = deps.answerLinks.verify(c.req.param('token') ?? '', deps.now())
    if (!checked.ok) return linkProblem(c, checked.reason)
    return (await openOrder(deps, checked.orderId)) ?? linkProblem(c, 'invalid')
  }

  app.get('/:token', async (c) => {
    const found = await opened(c)
    return found instanceof Response ? found : render(c, found, shownBefore(found))
  })

  // The form posts to itself: a post from another site's page (no same-origin Origin or Sec-Fetch-Site) is refused, as the dashboard's are.
  app.post('/:token', csrf(), async (c) => {
    const found = await opened(c)
    if (found instanceof Response) return found
    const { answer } = await formBody(c)
    if (answer !== 'confirm' && answer !== 'cancel') return render(c, found, shownBefore(found), 400)
    // The evidence is the button's words as the customer read them.
    const said = pageTranslator(languageAsked(c, found.language)).t(`answerPage.${answer}`)
    const result = await answerFromCustomer(deps, { orderId: found.orderId, answer, channel: 'link', said })
    if (result.ok) return render(c, found, { kind: 'answered', outcome: result.outcome })
    // Closed before this tap (a second tap, or an answer given another way): as it stands now.
    const now = result.reason === 'closed' ? await openOrder(deps, found.orderId) : undefined
    return now ? render(c, now, { kind: 'closed', outcome: now.closedAs, unchanged: true }, 409) : linkProblem(c, 'invalid')
  })

  return app
}
