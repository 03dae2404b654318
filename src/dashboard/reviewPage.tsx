import { evidenceText, type Language, pageTranslator } from '../i18n/index.js'
import { BULK_ACTIONS } from '../orders/orderActions.js'
import type { ReviewLine } from '../orders/reviewQueue.js'
import { usePageWords } from '../pages/language.js'
import {
  type ActionableOrder,
  ActionButtons,
  type ActionFeedback,
  ActionMessage,
  DoButton,
  MoreActions,
  PhoneShown,
  StoreAdminLink,
} from './orderActions.js'
import { DashboardPage, type StoreName } from './pages.js'
import type { Viewer } from './session.js'

const actionable = (line: ReviewLine): ActionableOrder => ({ ...line, writeFailed: line.writeError !== null })

/** Why the order is in the queue, in words. */
function Reason(props: { line: ReviewLine; store: StoreName | undefined }) {
  const { line } = props
  const tr = usePageWords()
  return (
    <>
      {line.outcome && <span class={`badge ${line.outcome}`}>{tr.outcome(line.outcome)}</span>}{' '}
      {evidenceText(line.evidence, tr.language, props.store?.timezone ?? 'UTC')}
      {line.writeError && <p class="problem">{tr.t('review.writeFailed', { error: line.writeError })}</p>}
    </>
  )
}

export interface ReviewPageProps {
  viewer: Viewer
  lang: Language
  /** The page's own address, for the language switch. */
  here: string
  stores: StoreName[]
  lines: ReviewLine[]
  /** The next page of older orders, if there is one. */
  more?: string | undefined
  feedback: ActionFeedback
  /** The one number a person asked to see. */
  shown?: { orderId: number; phone: string } | undefined
}

/**
 * The review queue: every order a person has to look at (no answer to ship on, or a store write
 * that failed for good), with why, what the customer last said, when (in the store's time), the
 * number masked, and what can be done — one order at a time, or on the selected ones at once.
 * The table sits outside every form: each row's controls are forms of their own, and the
 * checkboxes belong to the bulk form above the table.
 */
export function ReviewPage(props: ReviewPageProps) {
  const title = pageTranslator(props.lang).t('frame.review')
  return (
    <DashboardPage title={title} viewer={props.viewer} lang={props.lang} here={props.here}>
      <ReviewQueue {...props} />
    </DashboardPage>
  )
}

function ReviewQueue(props: ReviewPageProps) {
  const storeOf = (id: string) => props.stores.find((s) => s.id === id)
  const operator = props.viewer.kind === 'operator'
  const tr = usePageWords()
  const { t } = tr
  return (
    <>
      <h1>{t('frame.review')}</h1>
      <p class="hint">{t('review.intro')}</p>
      <ActionMessage {...props.feedback} />
      {props.lines.length === 0 ? (
        <p class="hint" data-queue-empty>
          {t('review.empty')}
        </p>
      ) : (
        <>
          <form id="bulk" method="post" action="/review" class="filters">
            <span>{t('review.selected')}</span>
            {BULK_ACTIONS.map((action) => (
              <DoButton action={action} />
            ))}
          </form>
          <div class="table">
            <table data-review-queue>
              <thead>
                <tr>
                  <th>
                    <span class="hide-narrow">{t('review.select')}</span>
                  </th>
                  <th>{t('orders.order')}</th>
                  <th>{t('review.why')}</th>
                  <th>{t('review.lastWords')}</th>
                  <th class="hide-narrow">{t('review.since')}</th>
                  <th>{t('review.phone')}</th>
                  <th>{t('review.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {props.lines.map((line) => {
                  const store = storeOf(line.storeId)
                  const order = actionable(line)
                  const target = { action: '/review', orderId: line.id }
                  return (
                    <tr data-order={line.id}>
                      <td>
                        <input
                          type="checkbox"
                          form="bulk"
                          name="orders"
                          value={String(line.id)}
                          aria-label={t('review.selectOrder', { name: line.name })}
                        />
                      </td>
                      <td>
                        <a href={`/orders/${line.id}`}>{line.name}</a>
                        {operator && <span class="hint"> · {store?.name ?? line.storeId}</span>}
                        <br />
                        <StoreAdminLink order={order} store={store} />
                      </td>
                      <td data-reason>
                        <Reason line={line} store={store} />
                      </td>
                      <td data-last-words>{line.lastWords ? `“${line.lastWords}”` : <span class="hint">–</span>}</td>
                      <td class="hide-narrow">{tr.dateTime(line.updatedAt, store?.timezone ?? 'UTC')}</td>
                      <td>
                        <PhoneShown order={order} target={target} shown={props.shown?.orderId === line.id ? props.shown.phone : undefined} />
                      </td>
                      <td>
                        <ActionButtons order={order} target={target} />
                        <MoreActions order={order} target={target} />
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          {props.more && (
            <p>
              <a href={props.more}>{t('overview.olderOrders')}</a>
            </p>
          )}
        </>
      )}
    </>
  )
}
