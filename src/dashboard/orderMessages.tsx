import type { OrderView } from '../orders/views.js'
import { usePageWords } from '../pages/language.js'

/** A message's cost: fractions of a cent, so to the tenth of a cent. */
const cost = (usd: number | null) => (usd === null ? '–' : `$${usd.toFixed(3)}`)

/**
 * The WhatsApp messages and SMS of an order (src/messages/), ours and the customer's, with the
 * status Twilio last reported, its error code when it failed, and what it cost; times in the
 * store's zone.
 */
export function OrderMessages(props: { order: Pick<OrderView, 'messages'>; timezone: string }) {
  const tr = usePageWords()
  const { t } = tr
  return (
    <>
      <h2>{t('messages.title')}</h2>
      {props.order.messages.length ? (
        <div class="table">
          <table data-messages>
            <thead>
              <tr>
                <th>{t('attempt.started')}</th>
                <th>{t('messages.title')}</th>
                <th>{t('messages.status')}</th>
                <th>{t('messages.cost')}</th>
              </tr>
            </thead>
            <tbody>
              {props.order.messages.map((m) => (
                <tr data-message={m.id} data-status={m.status}>
                  <td>{m.createdAt ? tr.dateTime(Date.parse(m.createdAt), props.timezone) : '–'}</td>
                  <td>
                    <b>
                      {t(m.direction === 'inbound' ? 'messages.fromCustomer' : 'messages.toCustomer')} ({t(`messages.${m.channel}`)}):
                    </b>{' '}
                    {m.body}
                  </td>
                  <td>
                    {t(`messages.status_${m.status}`, { defaultValue: m.status })}
                    {m.errorCode !== null && <span class="hint"> ({t('messages.errorCode', { code: m.errorCode })})</span>}
                  </td>
                  <td>{cost(m.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="hint">{t('messages.none')}</p>
      )}
    </>
  )
}
