import type { Child } from 'hono/jsx'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Outcome } from '../domain/order.js'
import type { PageTranslator } from '../i18n/index.js'
import { type ActionResult, ORDER_ACTIONS, type OrderAction } from '../orders/orderActions.js'
import { MAX_NOTE_CHARS } from '../orders/orderNotes.js'
import type { ActionRefusal } from '../orders/refusals.js'
import { REVIEW_OUTCOMES } from '../orders/reviewQueue.js'
import { usePageWords } from '../pages/language.js'
import { platformOf } from '../stores/platforms.js'
import type { FormBody } from '../utils/formBody.js'
import { type StoreName, waitingText } from './pages.js'
import { maskedPhone } from './phoneMask.js'

/** What the page says about the action just taken: what happened, or why nothing did. */
export interface ActionFeedback {
  notice?: string | undefined
  problem?: string | undefined
}

/** The order as its controls need it: where it stands, and whether the store has our last write. */
export interface ActionableOrder {
  id: number
  name: string
  storeId: string
  platformOrderId: string
  status: string
  outcome: Outcome | null
  phone: string | null
  writeFailed: boolean
}

const isReviewOutcome = (outcome: Outcome | null) => REVIEW_OUTCOMES.some((o) => o === outcome)
/** Closed without an answer: it may be called again, at its number or a corrected one. */
const callable = (o: ActionableOrder) => o.status === 'done' && isReviewOutcome(o.outcome)
/** Needs a person and is not on the phone: it may be marked confirmed or cancelled. */
const markable = (o: ActionableOrder) => o.status !== 'calling' && (callable(o) || o.writeFailed)

/** The action a form asks for, if it is one there is. */
export const actionOf = (form: FormBody): OrderAction | 'show_phone' | undefined =>
  form.do === 'show_phone' ? 'show_phone' : ORDER_ACTIONS.find((a) => a === form.do)

const text = (form: FormBody, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined)
/** The phone number and note a form carries, for the actions that take them. */
export const actionInput = (form: FormBody) => ({ phone: text(form, 'phone'), note: text(form, 'note') })

/** Countries by their names in the page's language, as a list of `type` ("Albania and Kosovo", "Shqipëri ose Kosovë"). */
function countryList(codes: readonly string[], tr: PageTranslator, type: 'conjunction' | 'disjunction'): string {
  const names = new Intl.DisplayNames(tr.locale, { type: 'region' })
  const name = (code: string) => {
    try {
      return names.of(code) ?? code
    } catch {
      return code
    }
  }
  return new Intl.ListFormat(tr.locale, { type }).format(codes.map(name))
}

/**
 * Why an action was refused, in a sentence in the page's language.
 *
 * @example
 * refusalText({ kind: 'callCap', calls: 2, cap: 2 }, pageTranslator('en'))
 * // → 'This order has had 2 calls, the most one order gets (2); it is not called again. Nothing was changed.'
 */
export function refusalText(refusal: ActionRefusal, tr: PageTranslator): string {
  const { t } = tr
  switch (refusal.kind) {
    case 'skipped':
      return refusal.skipReason ? t('refusal.skipped', { why: t(`skip.${refusal.skipReason}`) }) : t('refusal.closedNoOutcome')
    case 'closed':
      return refusal.outcome
        ? t('refusal.closed', { outcome: tr.outcome(refusal.outcome).toLocaleLowerCase(tr.locale) })
        : t('refusal.closedNoOutcome')
    case 'noPhone':
      return t('refusal.noPhone', { fix: t('action.fixAndCall') })
    case 'notAPhone':
      return t('refusal.notAPhone', { countries: countryList(refusal.countries, tr, 'disjunction') })
    case 'notALine':
      return t('refusal.notALine', { line: t(`refusal.line.${refusal.line}`) })
    case 'otherCountry': {
      const countries = countryList(refusal.countries, tr, 'conjunction')
      return refusal.country
        ? t('refusal.otherCountry', { country: countryList([refusal.country], tr, 'conjunction'), countries })
        : t('refusal.noCountry', { countries })
    }
    default:
      return t(`refusal.${refusal.kind}`, refusal)
  }
}

/** What an action did, in a sentence in the page's language. */
export function feedbackFor(
  result: ActionResult,
  order: Pick<ActionableOrder, 'name'>,
  store: StoreName | undefined,
  tr: PageTranslator,
): ActionFeedback {
  const { t } = tr
  const name = order.name
  if (!result.ok) return { problem: `${name}: ${refusalText(result.refusal, tr)}` }
  switch (result.did) {
    case 'called': {
      const number = result.newNumber ? t('feedback.atNewNumber') : ''
      if (result.awaitingApproval) return { notice: t('feedback.queuedAwaiting', { name, number }) }
      if (result.waitReason) {
        // The reason alone, without the badge's "Waiting: ".
        const why = waitingText(tr, result.waitReason, new Date(result.at).toISOString(), store).replace(/^[^:]*: /, '')
        return { notice: t('feedback.queuedWaiting', { name, number, why }) }
      }
      if (result.pausedForService) return { notice: t('feedback.queuedPaused', { name, number }) }
      return { notice: t('feedback.calling', { name, number }) }
    }
    case 'marked':
      return { notice: t('feedback.marked', { name, outcome: tr.outcome(result.outcome).toLocaleLowerCase(tr.locale) }) }
    case 'noted':
      return { notice: t('feedback.noted', { name }) }
    case 'rewritten':
      return { notice: t('feedback.rewritten', { name, count: result.writes }) }
  }
}

/** Several orders' results in a notice and a problem, each naming the orders. */
export function bulkFeedback(results: ActionFeedback[]): ActionFeedback {
  const join = (parts: Array<string | undefined>) => parts.filter(Boolean).join(' ') || undefined
  return { notice: join(results.map((r) => r.notice)), problem: join(results.map((r) => r.problem)) }
}

export function ActionMessage(props: ActionFeedback) {
  return (
    <>
      {props.notice && (
        <p class="notice success" role="status" data-action-notice>
          {props.notice}
        </p>
      )}
      {props.problem && (
        <p class="problem" role="alert" data-action-problem>
          {props.problem}
        </p>
      )}
    </>
  )
}

/**
 * Where an order's forms go: its own page (`/orders/:id`), or the queue (`/review`, which names
 * the order in the form). Each control is a form of its own, so Enter in a note sends the note.
 */
export interface ActionTarget {
  action: string
  /** The order, named in the form when the action's path does not name it. */
  orderId?: number | undefined
}

function ActionForm(props: { target: ActionTarget; class?: string; children?: Child }) {
  return (
    // Inline, so a control sits in the sentence or the cell it belongs to.
    <form method="post" action={props.target.action} class={props.class} style="display:inline">
      {props.target.orderId !== undefined && <input type="hidden" name="order" value={String(props.target.orderId)} />}
      {props.children}
    </form>
  )
}

/** The customer's number, masked until a person asks to see it (which is logged), with the control that shows it. */
export function PhoneShown(props: { order: ActionableOrder; target: ActionTarget; shown?: string | undefined }) {
  const { order } = props
  const { t } = usePageWords()
  if (!order.phone) return <span class="hint">{t('action.noNumber')}</span>
  if (props.shown) return <span data-phone="shown">{parsePhoneNumberFromString(props.shown)?.formatInternational() ?? props.shown}</span>
  return (
    <ActionForm target={props.target}>
      <span data-phone="masked">{maskedPhone(order.phone)}</span>{' '}
      <button type="submit" name="do" value="show_phone" class="link">
        {t('action.show')}
      </button>
    </ActionForm>
  )
}

/** The order's page in its store's admin. */
export function StoreAdminLink(props: { order: ActionableOrder; store: StoreName | undefined }) {
  const { store } = props
  const { t } = usePageWords()
  if (!store) return null
  const platform = platformOf(store)
  return (
    <a href={platform.orderAdminUrl(store.domain, props.order.platformOrderId)} target="_blank" rel="noopener noreferrer" data-store-admin>
      {t('action.openIn', { platform: platform.label })}
    </a>
  )
}

/** The words on each one-press action's button. */
const BUTTON_WORDS = {
  call_again: 'action.callAgain',
  confirm: 'action.confirm',
  cancel: 'action.cancel',
  write_again: 'action.writeAgain',
} as const satisfies Partial<Record<OrderAction, string>>

/** One press, one action: the button sends `do=<action>` with its form. */
export function DoButton(props: { action: keyof typeof BUTTON_WORDS }) {
  const { t } = usePageWords()
  return (
    <button type="submit" name="do" value={props.action}>
      {t(BUTTON_WORDS[props.action])}
    </button>
  )
}

/** The buttons for what can be done to the order as it stands. */
export function ActionButtons(props: { order: ActionableOrder; target: ActionTarget }) {
  const { order } = props
  return (
    <ActionForm target={props.target} class="actions">
      {callable(order) && order.phone && <DoButton action="call_again" />}
      {markable(order) && (
        <>
          <DoButton action="confirm" />
          <DoButton action="cancel" />
        </>
      )}
      {order.writeFailed && <DoButton action="write_again" />}
    </ActionForm>
  )
}

/** Correct the number and call; add a note. Folded away in a queue row, open on the order's page. */
export function MoreActions(props: { order: ActionableOrder; target: ActionTarget; open?: boolean }) {
  const { order, target } = props
  const id = `${target.orderId === undefined ? 'order' : 'row'}-${order.id}`
  const { t } = usePageWords()
  return (
    <details open={props.open}>
      <summary>{t('action.more')}</summary>
      {callable(order) && (
        <ActionForm target={target}>
          <input type="hidden" name="do" value="fix_phone" />
          <label for={`${id}-phone`}>{t('action.rightNumber')}</label>
          <input id={`${id}-phone`} name="phone" type="tel" autocomplete="off" placeholder="069 123 4567" maxlength={40} required />
          <button type="submit">{t('action.fixAndCall')}</button>
        </ActionForm>
      )}
      <ActionForm target={target}>
        <input type="hidden" name="do" value="note" />
        <label for={`${id}-note`}>{t('action.note')}</label>
        <input id={`${id}-note`} name="note" maxlength={MAX_NOTE_CHARS} autocomplete="off" required />
        <button type="submit">{t('action.addNote')}</button>
      </ActionForm>
    </details>
  )
}

/** The order page's actions: its phone, its link in the store, and what can be done to it. */
export function OrderActionsPanel(props: {
  order: ActionableOrder
  store: StoreName | undefined
  feedback: ActionFeedback
  shownPhone?: string | undefined
}) {
  const { order } = props
  const target = { action: `/orders/${order.id}` }
  const { t } = usePageWords()
  return (
    <section data-order-actions>
      <ActionMessage {...props.feedback} />
      {/* A div: a form inside a paragraph would end the paragraph. */}
      <div>
        {t('action.phone')} <PhoneShown order={order} target={target} shown={props.shownPhone} /> ·{' '}
        <StoreAdminLink order={order} store={props.store} />
      </div>
      <ActionButtons order={order} target={target} />
      <MoreActions order={order} target={target} open />
    </section>
  )
}
