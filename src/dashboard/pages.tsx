import type { Child } from 'hono/jsx'
import type { AccountHold } from '../calls/accountHold.js'
import type { WaitReason } from '../domain/dialPolicy.js'
import { memoize } from '../domain/memo.js'
import type { Outcome } from '../domain/order.js'
import { OUTCOME_LABELS } from '../domain/outcomeLabels.js'
import { type OrderView, type StoreHold, storeWritesSettled } from '../orders/views.js'
import { Page } from '../pages/layout.js'
import type { PlatformName } from '../stores/platform.js'
import { CallRecordings, recordingOnItsWay } from './recordingRoutes.js'
import type { Viewer } from './session.js'
import type { CallStats } from './stats.js'

/** The overview's chart lives in dayChart.tsx; the routes take the overview's parts from here. */
export { DayChart } from './dayChart.js'

export interface StoreName {
  id: string
  name: string
  platform: PlatformName
  /** The shop's domain or site URL: its orders' pages in its own admin are there. */
  domain: string
  /** The store's time zone and calls a day, to say when and why its calls wait. */
  timezone: string
  dailyCallLimit: number
}

const percent = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`)
const usd = (v: number | null) => (v === null ? '–' : `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`)
const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '–')
function seconds(s: number | null | undefined) {
  if (s === null || s === undefined) return '–'
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`
}

/** Why calls wait, in words: an order's page and list say it of one order, the overview of a store. */
const WAIT_WORDS: Record<WaitReason, (store: StoreName | undefined) => string> = {
  store_awaiting_approval: () => 'waiting for the operator to approve this store',
  store_daily_limit: (store) =>
    store ? `the store reached its limit of ${store.dailyCallLimit} calls today` : 'the store reached its daily limit of calls',
  service_daily_limit: () => "calls across the service reached today's limit",
  service_daily_spend: () => "the service reached today's spending limit",
  daily_limit_reached: () => 'this number had its calls for today',
  outside_calling_hours: () => "outside the store's calling hours",
  // A merchant reads this too: the service's account is none of their business, nor theirs to fix.
  twilio_account: () => 'calls are paused for the whole service for now; they resume by themselves',
}

const weekdayTime = memoize(
  (timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
)

/** "Waiting: the store reached its limit of 20 calls today; next try Sun 09:00" (the store's time). */
export function waitingText(reason: WaitReason, nextCallAt: string | null, store: StoreName | undefined): string {
  if (reason === 'store_awaiting_approval') return 'Waiting for the operator to approve this store'
  // Due already: it goes out when the pause lifts, not at a time of its own.
  if (reason === 'twilio_account') return `Waiting: ${WAIT_WORDS[reason](store)}`
  const next = nextCallAt && store ? `; next try ${weekdayTime(store.timezone).format(Date.parse(nextCallAt))}` : ''
  return `Waiting: ${WAIT_WORDS[reason](store)}${next}`
}

/** Where an order stands, in a word: its outcome, or what it waits for. */
export function Standing(props: {
  order: Pick<OrderView, 'status' | 'outcome' | 'skipReason' | 'nextCallAt' | 'waitReason'>
  store?: StoreName | undefined
}) {
  const { status, outcome, skipReason, nextCallAt, waitReason } = props.order
  if (outcome && status === 'done') return <span class={`badge ${outcome}`}>{OUTCOME_LABELS[outcome]}</span>
  if (status === 'calling') return <span class="badge">On the phone</span>
  if (status === 'queued' && waitReason)
    return (
      <span class="badge" data-wait={waitReason}>
        {waitingText(waitReason, nextCallAt, props.store)}
      </span>
    )
  if (status === 'queued') return <span class="badge">Next call {when(nextCallAt)}</span>
  return <span class="badge">Not called: {skipReason?.replaceAll('_', ' ')}</span>
}

/** The dashboard's sections; Stores is the operator's alone. */
const SECTIONS: ReadonlyArray<readonly [href: string, label: string, operatorOnly?: true]> = [
  ['/', 'Overview'],
  ['/orders', 'Calls'],
  ['/review', 'Review'],
  ['/stores', 'Stores', true],
]

/**
 * The dashboard's frame: a top bar with who is signed in and "Sign out" (on one line at any
 * width), the sections beside the page on a desktop and above it on a phone.
 */
export function DashboardPage(props: { title: string; viewer: Viewer; children?: Child }) {
  const operator = props.viewer.kind === 'operator'
  return (
    <Page title={props.title} layout="app">
      <header class="topbar">
        <a class="brand" href="/">
          callconfirm
        </a>
        <span class="who">{operator ? 'Operator' : 'Your store'}</span>
        {/* The operator opens each store's settings from Stores; a merchant has their one store's. */}
        {!operator && <a href="/your-settings">Settings</a>}
        <form method="post" action="/logout">
          <button type="submit">Sign out</button>
        </form>
      </header>
      <div class="frame">
        <nav class="sections" aria-label="Sections">
          {SECTIONS.filter(([, , operatorOnly]) => operator || !operatorOnly).map(([href, label]) => (
            <a href={href} aria-current={label === props.title ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <main class="page wide">{props.children}</main>
      </div>
    </Page>
  )
}

export function LoginPage(props: { next: string; problem?: string }) {
  return (
    <Page title="Sign in">
      <h1>callconfirm</h1>
      {props.problem && <p class="problem">{props.problem}</p>}
      <form method="post" action="/login" class="card">
        <input type="hidden" name="next" value={props.next} />
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <p class="hint">
          The ADMIN_TOKEN this callconfirm runs with (sandbox mode prints it at start). Merchants open their dashboard from their settings page.
        </p>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </Page>
  )
}

/** Store, outcome and dates, as a GET form, so a filtered view is a link one can share. */
export function Filters(props: { action: string; stores: StoreName[]; viewer: Viewer; query: Record<string, string>; outcome?: boolean }) {
  const q = props.query
  return (
    <form class="filters" method="get" action={props.action}>
      {props.viewer.kind === 'operator' && props.stores.length > 1 && (
        <label>
          Store
          <select name="storeId">
            <option value="">All stores</option>
            {props.stores.map((s) => (
              <option value={s.id} selected={q.storeId === s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {props.outcome && (
        <label>
          Outcome
          <select name="outcome">
            <option value="">Any</option>
            {Object.entries(OUTCOME_LABELS).map(([value, label]) => (
              <option value={value} selected={q.outcome === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        From
        <input type="date" name="from" value={q.from ?? ''} />
      </label>
      <label>
        To
        <input type="date" name="to" value={q.to ?? ''} />
      </label>
      <button type="submit">Show</button>
    </form>
  )
}

/** The period's key figures, one card each: what it is, the figure, what it is made of. */
export function StatCards(props: { stats: CallStats }) {
  const s = props.stats
  const card = (id: string, label: string, value: string, detail: string) => (
    <div class="card" data-stat={id}>
      <span class="stat-label">{label}</span>
      <b class="stat-value">{value}</b>
      <span class="stat-detail">{detail}</span>
    </div>
  )
  return (
    <div class="cards" data-refresh="stats">
      {card('confirmation-rate', 'Confirmed', percent(s.confirmationRate), `${s.outcomes.confirmed} of ${s.decided} decided`)}
      {card('answer-rate', 'Answered', percent(s.answerRate), `${s.answered} of ${s.calls} calls`)}
      {card('first-call', 'Order to first call', seconds(s.firstCallSeconds?.median), `median; p90 ${seconds(s.firstCallSeconds?.p90)}`)}
      {card('cost-per-confirmed', 'Cost per confirmed order', usd(s.costPerConfirmedUsd), `${usd(s.costUsd)} in all`)}
      {card('orders', 'Orders to call', String(s.orders), `${s.inProgress} still open`)}
    </div>
  )
}

export function OutcomeTable(props: { stats: CallStats; query: Record<string, string> }) {
  const base = new URLSearchParams(Object.entries(props.query).filter(([k, v]) => v && ['storeId', 'from', 'to'].includes(k)))
  return (
    <table data-refresh="outcomes">
      <tbody>
        {Object.entries(OUTCOME_LABELS).map(([outcome, label]) => {
          const link = new URLSearchParams(base)
          link.set('outcome', outcome)
          return (
            <tr data-outcome={outcome}>
              <td>
                <a href={`/orders?${link}`}>{label}</a>
              </td>
              <td>{props.stats.outcomes[outcome as Outcome]}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

const utc = (ms: number) => `${when(new Date(ms).toISOString())} UTC`

/**
 * The banner while Twilio refuses the account and no call goes out. The operator reads what is
 * wrong, since when, what to do, and when it was and will be checked; a merchant only that calls
 * are paused by the service and resume by themselves (the account is not theirs to see).
 */
export function ServiceHoldBanner(props: { hold: AccountHold | undefined; viewer: Viewer }) {
  const { hold } = props
  if (!hold) return null
  if (props.viewer.kind === 'merchant')
    return (
      <p class="notice warning" data-service-hold="paused">
        <b>Calls are paused by the service for now.</b> Your orders wait and are called as soon as it resumes; nothing needs doing on your side.
      </p>
    )
  const checks =
    hold.problem === 'rate'
      ? `Calls resume by themselves at ${utc(hold.nextProbeAt)}.`
      : `${hold.probes === 0 ? 'Not checked yet' : `Last checked ${utc(hold.checkedAt)}: not right yet (${hold.probes} ${hold.probes === 1 ? 'check' : 'checks'})`}; next check ${utc(hold.nextProbeAt)}. Calls resume by themselves once a check finds the account right.`
  return (
    <p class="notice warning" data-service-hold={hold.problem}>
      <b>Calls are paused for every store.</b> {hold.words} Since {utc(hold.since)}. {checks}
    </p>
  )
}

/** The overview's notices: each store whose calls are held back, why, and how many orders wait. */
export function HeldBackNotices(props: { holds: StoreHold[]; stores: StoreName[]; viewer: Viewer }) {
  return (
    <>
      {props.holds.map((hold) => {
        const store = props.stores.find((s) => s.id === hold.storeId)
        const orders = hold.waiting === 0 ? 'no orders wait yet' : hold.waiting === 1 ? '1 order waits' : `${hold.waiting} orders wait`
        return (
          <p class="notice warning" data-hold={hold.reason} data-store={hold.storeId}>
            <b>{store?.name ?? hold.storeId}</b>: {WAIT_WORDS[hold.reason](store)} — {orders}.
            {props.viewer.kind === 'operator' && (hold.reason === 'store_awaiting_approval' || hold.reason === 'store_daily_limit') && (
              <>
                {' '}
                <a href="/stores">{hold.reason === 'store_awaiting_approval' ? 'Approve it' : 'Raise its limit'} on the Stores page</a>.
              </>
            )}
          </p>
        )
      })}
    </>
  )
}

export function OrdersTable(props: {
  orders: Array<
    Pick<
      OrderView,
      | 'id'
      | 'name'
      | 'storeId'
      | 'customerName'
      | 'city'
      | 'status'
      | 'outcome'
      | 'skipReason'
      | 'nextCallAt'
      | 'waitReason'
      | 'createdAt'
      | 'total'
      | 'currency'
    >
  >
  stores: StoreName[]
}) {
  const storeOf = (id: string) => props.stores.find((s) => s.id === id)
  const storeName = (id: string) => storeOf(id)?.name ?? id
  if (!props.orders.length) return <p class="hint">No orders match.</p>
  return (
    <div class="table">
      <table>
        <thead>
          <tr>
            <th>Order</th>
            <th class="hide-narrow">Store</th>
            <th>Customer</th>
            <th>Where it stands</th>
            <th class="hide-narrow">Received</th>
          </tr>
        </thead>
        <tbody>
          {props.orders.map((o) => (
            <tr data-order={o.id}>
              <td>
                <a href={`/orders/${o.id}`}>{o.name}</a>
              </td>
              <td class="hide-narrow">{storeName(o.storeId)}</td>
              <td>
                {o.customerName ?? '–'}
                {o.city && <span class="hint"> · {o.city}</span>}
              </td>
              <td>
                <Standing order={o} store={storeOf(o.storeId)} />
              </td>
              <td class="hide-narrow">{when(o.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const WRITE_KINDS: Record<OrderView['storeWrites'][number]['kind'], string> = {
  pending: 'Marked as pending',
  outcome: 'The outcome',
  withdrawn: 'Pending mark removed',
  note: 'A note',
}
const WRITE_STATUSES: Record<OrderView['storeWrites'][number]['status'], string> = {
  queued: 'waiting to be written',
  sending: 'being written',
  done: 'written',
  failed: 'failed',
}

/**
 * Whether the order page has stopped changing by itself: no call on the line or due within the
 * minute (an order of a store awaiting approval is due but waits for a person), and every write
 * to the store delivered or given up.
 */
export function isSettled(order: OrderView, now: number): boolean {
  const due = order.nextCallAt !== null && Date.parse(order.nextCallAt) <= now + 60_000 && order.waitReason !== 'store_awaiting_approval'
  const callSoon = order.status === 'calling' || (order.status === 'queued' && due)
  return !callSoon && storeWritesSettled(order) && !recordingOnItsWay(order, now)
}

/** The part of an order's page that changes while the call happens; the page reloads it until it settles. */
export function OrderLive(props: { order: OrderView; store?: StoreName | undefined; extra?: Child; now: number }) {
  const { order } = props
  return (
    <div id="live" data-settled={String(isSettled(order, props.now))}>
      <p data-standing>
        <Standing order={order} store={props.store} /> {order.evidence}
      </p>
      <h2>Calls</h2>
      {order.attempts.length ? (
        <div class="table">
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Status</th>
                <th>Started</th>
                <th>Length</th>
                <th class="hide-narrow">How it ended</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {order.attempts.map((a) => (
                <tr data-attempt={a.number}>
                  <td>{a.number}</td>
                  <td>
                    {a.status}
                    {a.answeredBy && a.answeredBy !== 'human' ? ` (${a.answeredBy})` : ''}
                  </td>
                  <td>{when(a.startedAt)}</td>
                  <td>{seconds(a.durationSeconds)}</td>
                  <td class="hide-narrow">{a.endReason?.replaceAll('_', ' ') ?? a.error ?? '–'}</td>
                  <td>{usd(a.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="hint">No call yet.</p>
      )}
      <CallRecordings order={order} />
      <h2>Transcript</h2>
      <div class="transcript" data-transcript>
        {order.transcript.length ? (
          order.transcript.map((t) => (
            <p class={t.speaker}>
              <b>{t.speaker === 'agent' ? 'Agent' : t.speaker === 'customer' ? 'Customer' : ''}</b> {t.text}
            </p>
          ))
        ) : (
          <p class="hint">Nothing said yet.</p>
        )}
      </div>
      <h2>On the store's order</h2>
      <ul>
        {order.storeWrites.map((w) => (
          <li>
            {WRITE_KINDS[w.kind]}: {WRITE_STATUSES[w.status]}
            {w.lastError && <span class="hint"> ({w.lastError})</span>}
          </li>
        ))}
      </ul>
      {props.extra}
    </div>
  )
}

/** Reloads the live part every second and a half until it says it is settled. */
const LIVE_SCRIPT = `
const live = () => document.getElementById('live')
async function poll() {
  if (live().dataset.settled === 'true') return
  try {
    const res = await fetch(location.pathname + '/live', { headers: { accept: 'text/html' } })
    if (res.ok) live().outerHTML = await res.text()
  } catch {}
  setTimeout(poll, 1500)
}
setTimeout(poll, 1500)
`

/** `actions`: what a person can do on the order (orderActions.tsx), with what the last action did. */
export function OrderPage(props: {
  order: OrderView
  store?: StoreName
  extra?: Child
  now: number
  viewer: Viewer
  nonce: string
  actions?: Child
}) {
  const { order } = props
  return (
    <DashboardPage title={`Order ${order.name}`} viewer={props.viewer}>
      <h1>
        Order {order.name} <span class="hint">{props.store?.name}</span>
      </h1>
      <p>
        {order.customerName ?? 'Customer'}
        {order.city && `, ${order.city}`} · {order.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')} · {order.total} {order.currency}
      </p>
      {props.actions}
      <OrderLive order={order} store={props.store} extra={props.extra} now={props.now} />
      <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: LIVE_SCRIPT }} />
    </DashboardPage>
  )
}
