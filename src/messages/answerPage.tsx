import type { OrderItem } from '../domain/order.js'
import { type Language, pageTranslator } from '../i18n/index.js'
import { usePageWords } from '../pages/language.js'
import { Page } from '../pages/layout.js'

/** What the answer page shows of an order: what the customer bought and from whom, nothing about them. */
export interface AnswerOrder {
  /** The store's name as the merchant set it (companyName). */
  shop: string
  /** The order's number as the customer knows it ("#1071"). */
  name: string
  items: OrderItem[]
  total: string
  currency: string
}

/**
 * Where the customer stands with the order:
 * - `ask`: it waits for their answer: the two buttons;
 * - `answered`: their tap just closed it;
 * - `closed`: it was closed before (as `outcome`, or some other way when null), and `unchanged`
 *   says a tap just now changed nothing.
 */
export type AnswerShown =
  | { kind: 'ask' }
  | { kind: 'answered'; outcome: 'confirmed' | 'cancelled' }
  | { kind: 'closed'; outcome: 'confirmed' | 'cancelled' | null; unchanged: boolean }

/**
 * The page an SMS links to (`/a/<token>`): one order, and two big buttons posting back to the
 * page's own address, so it works without script, login or cookie on any phone's browser.
 */
export function AnswerPage(props: { order: AnswerOrder; shown: AnswerShown; lang: Language; here: string }) {
  const { order, shown } = props
  return (
    <Page title={pageTranslator(props.lang).t('answerPage.order', { order: order.name })} lang={props.lang} here={props.here}>
      <h1>{order.shop}</h1>
      <OrderSummary order={order} />
      {shown.kind === 'ask' && <AnswerButtons />}
      {shown.kind === 'answered' && <Answered outcome={shown.outcome} />}
      {shown.kind === 'closed' && <AlreadyClosed outcome={shown.outcome} unchanged={shown.unchanged} />}
    </Page>
  )
}

function OrderSummary(props: { order: AnswerOrder }) {
  const { t, money } = usePageWords()
  const { order } = props
  return (
    <section class="card" data-order-summary>
      <h2>{t('answerPage.order', { order: order.name })}</h2>
      <ul class="order-items">
        {order.items.map((item) => (
          <li>{t('answerPage.item', { quantity: item.quantity, title: item.title })}</li>
        ))}
      </ul>
      <p class="order-total">
        {t('answerPage.total')} <b data-total>{money(order.total, order.currency)}</b>
      </p>
    </section>
  )
}

function AnswerButtons() {
  const { t } = usePageWords()
  return (
    <>
      <p>{t('answerPage.question')}</p>
      {/* No action: the form posts to the page's own address, token and language included. */}
      <form method="post" class="answer">
        <button type="submit" name="answer" value="confirm" class="primary">
          {t('answerPage.confirm')}
        </button>
        <button type="submit" name="answer" value="cancel" class="critical">
          {t('answerPage.cancel')}
        </button>
      </form>
    </>
  )
}

function Answered(props: { outcome: 'confirmed' | 'cancelled' }) {
  const { t } = usePageWords()
  return (
    <div class={props.outcome === 'confirmed' ? 'notice success' : 'notice'} data-answer-result={props.outcome}>
      <p>
        <b>{t(`answerPage.${props.outcome}`)}</b>
      </p>
      <p>{t(`answerPage.${props.outcome}Text`)}</p>
    </div>
  )
}

function AlreadyClosed(props: { outcome: 'confirmed' | 'cancelled' | null; unchanged: boolean }) {
  const { t } = usePageWords()
  const said = props.outcome === 'confirmed' ? 'alreadyConfirmed' : props.outcome === 'cancelled' ? 'alreadyCancelled' : 'notWaiting'
  return (
    <div class="notice warning" data-answer-result="closed">
      <p>
        <b>{t(`answerPage.${said}`)}</b>
        {props.unchanged && ` ${t('answerPage.unchanged')}`}
      </p>
      <p>{t('answerPage.toChange')}</p>
    </div>
  )
}
