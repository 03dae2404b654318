import { memoize } from '../domain/memo.js'
import { OUTCOME_LABELS } from '../domain/outcomeLabels.js'
import { evidenceText } from '../i18n/index.js'
import type { ReviewLine } from '../orders/reviewQueue.js'
import { type ActionableOrder, ActionButtons, type ActionFeedback, ActionMessage, MoreActions, PhoneShown, StoreAdminLink } from './orderActions.js'
import { DashboardPage, type StoreName } from './pages.js'
import type { Viewer } from './session.js'

const storeTime = memoize(
  (timeZone: string) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }),
)

/** `Tue 1 Dec, 14:05`, in the store's own time zone. */
export const inStoreTime = (at: number, store: StoreName | undefined) => storeTime(store?.timezone ?? 'UTC').format(at)

const actionable = (line: ReviewLine): ActionableOrder => ({ ...line, writeFailed: line.writeError !== null })

/** Why the order is in the queue, in words. */
function Reason(props: { line: ReviewLine; store: StoreName | undefined }) {
  const { line } = props
  return (
    <>
      {line.outcome && <span class={`badge ${line.outcome}`}>{OUTCOME_LABELS[line.outcome]}</span>}{' '}
      {evidenceText(line.evidence, 'en', props.store?.timezone ?? 'UTC')}
      {line.writeError && <p class="problem">The store's order does not show this: our last write to it failed ({line.writeError}).</p>}
    </>
  )
}

export interface ReviewPageProps {
  viewer: Viewer
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
  const storeOf = (id: string) => props.stores.find((s) => s.id === id)
  const operator = props.viewer.kind === 'operator'
  return (
    <DashboardPage title="Review" viewer={props.viewer}>
      <h1>Review</h1>
      <p class="hint">
        Orders a person should look at: the customer asked for a change or gave no clear answer, nobody or a voicemail answered, the number was wrong,
        the call failed, or the store did not take our write. Newest first.
      </p>
      <ActionMessage {...props.feedback} />
      {props.lines.length === 0 ? (
        <p class="hint" data-queue-empty>
          Nothing needs you now.
        </p>
      ) : (
        <>
          <form id="bulk" method="post" action="/review" class="filters">
            <span>Selected orders:</span>
            <button type="submit" name="do" value="call_again">
              Call again now
            </button>
            <button type="submit" name="do" value="confirm">
              Mark confirmed
            </button>
            <button type="submit" name="do" value="cancel">
              Mark cancelled
            </button>
          </form>
          <div class="table">
            <table data-review-queue>
              <thead>
                <tr>
                  <th>
                    <span class="hide-narrow">Select</span>
                  </th>
                  <th>Order</th>
                  <th>Why</th>
                  <th>Customer's last words</th>
                  <th class="hide-narrow">Since</th>
                  <th>Phone</th>
                  <th>Actions</th>
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
                        <input type="checkbox" form="bulk" name="orders" value={String(line.id)} aria-label={`Select ${line.name}`} />
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
                      <td class="hide-narrow">{inStoreTime(line.updatedAt, store)}</td>
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
              <a href={props.more}>Older orders</a>
            </p>
          )}
        </>
      )}
    </DashboardPage>
  )
}
