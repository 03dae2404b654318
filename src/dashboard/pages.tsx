import type { Child } from 'hono/jsx'
import type { AccountHold } from '../calls/accountHold.js'
import type { WaitReason } from '../domain/dialPolicy.js'
import { memoize } from '../domain/memo.js'
import { OUTCOMES } from '../domain/order.js'
import { type Language, type PageTranslator, pageTranslator } from '../i18n/index.js'
import { type OrderView, type StoreHold, storeWritesSettled } from '../orders/views.js'
import { AdminChrome, type AdminFrame, frameHead } from '../pages/embedded.js'
import { usePageWords } from '../pages/language.js'
import { LanguageSwitch, Page } from '../pages/layout.js'
import { SECTIONS } from '../pages/sections.js'
import type { PlatformName } from '../stores/platform.js'
import { OrderMessages } from './orderMessages.js'
import { CallRecordings, recordingOnItsWay } from './recordingRoutes.js'
import { frameOf, type Viewer } from './session.js'
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
  /** The store's language setting: its merchant's pages speak it. */
  language: string
}

const percent = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`)
const usd = (v: number | null) => (v === null ? '–' : `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`)
/** A moment in the store's time zone, as the page's language writes it ("1 dhjetor 2026 në 18:00"). */
const when = (tr: PageTranslator, iso: string | null, store: StoreName | undefined) =>
  iso ? tr.dateTime(Date.parse(iso), store?.timezone ?? 'UTC') : '–'
function seconds(s: number | null | undefined) {
  if (s === null || s === undefined) return '–'
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`
}

/** Why calls wait, in words: an order's page and list say it of one order, the overview of a store. */
function waitWords(tr: PageTranslator, reason: WaitReason, store: StoreName | undefined): string {
  if (reason === 'store_daily_limit' && !store) return tr.t('wait.store_daily_limit_unknown')
  // twilio_account: a merchant reads this too; the service's account is none of their business, nor theirs to fix.
  return tr.t(`wait.${reason}`, { limit: store?.dailyCallLimit })
}

const weekdayTime = memoize((key: string) => {
  const [locale, timeZone] = key.split(' ')
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
})

/** "Waiting: the store reached its limit of 20 calls today; next try Sun 09:00" (the store's time). */
export function waitingText(tr: PageTranslator, reason: WaitReason, nextCallAt: string | null, store: StoreName | undefined): string {
  if (reason === 'store_awaiting_approval') return tr.t('wait.awaitingApproval')
  const why = waitWords(tr, reason, store)
  // Due already: it goes out when the pause lifts, not at a time of its own.
  if (reason === 'twilio_account' || !nextCallAt || !store) return tr.t('wait.waiting', { why })
  return tr.t('wait.waitingNext', { why, at: weekdayTime(`${tr.locale} ${store.timezone}`).format(Date.parse(nextCallAt)) })
}

/** Where an order stands, in a word: its outcome, or what it waits for. */
export function Standing(props: {
  order: Pick<OrderView, 'status' | 'outcome' | 'skipReason' | 'nextCallAt' | 'waitReason'>
  store?: StoreName | undefined
}) {
  const { status, outcome, skipReason, nextCallAt, waitReason } = props.order
  const tr = usePageWords()
  if (outcome && status === 'done') return <span class={`badge ${outcome}`}>{tr.outcome(outcome)}</span>
  if (status === 'calling') return <span class="badge">{tr.t('standing.onThePhone')}</span>
  if (status === 'queued' && waitReason)
    return (
      <span class="badge" data-wait={waitReason}>
        {waitingText(tr, waitReason, nextCallAt, props.store)}
      </span>
    )
  if (status === 'queued') return <span class="badge">{tr.t('standing.nextCall', { at: when(tr, nextCallAt, props.store) })}</span>
  const why = skipReason ? tr.t(`skip.${skipReason}`, { defaultValue: skipReason.replaceAll('_', ' ') }) : ''
  return <span class="badge">{tr.t('standing.notCalled', { why })}</span>
}

/**
 * The dashboard's frame: a top bar with who is signed in and "Sign out" (on one line at any
 * width), the sections beside the page on a desktop and above it on a phone. `lang`: the page's
 * language (routes.tsx sets `c.var.pageLanguage`); `here`: this page's address, for the switch.
 */
export function DashboardPage(props: { title: string; viewer: Viewer; lang: Language; here: string; children?: Child }) {
  const frame = frameOf(props.viewer)
  return (
    <Page title={props.title} lang={props.lang} layout="app" head={frameHead(frame)}>
      {frame ? <InAdmin {...props} frame={frame} /> : <DashboardFrame {...props} />}
    </Page>
  )
}

/** Inside the Shopify admin, the admin is the frame: its sidebar has the sections, its title bar the title; no sign-out. */
function InAdmin(props: { title: string; here: string; frame: AdminFrame; children?: Child }) {
  return (
    <>
      <AdminChrome frame={props.frame} title={props.title} />
      <main class="page wide">
        <LanguageSwitch here={props.here} />
        {props.children}
      </main>
    </>
  )
}

/** Inside the Page, so that its words are the page's language. */
function DashboardFrame(props: { title: string; viewer: Viewer; here: string; children?: Child }) {
  const operator = props.viewer.kind === 'operator'
  const { t } = usePageWords()
  return (
    <>
      <header class="topbar">
        <a class="brand" href="/">
          callconfirm
        </a>
        <span class="who">{operator ? t('frame.operator') : t('frame.yourStore')}</span>
        <LanguageSwitch here={props.here} />
        {/* The operator opens each store's settings from Stores; a merchant has their one store's. */}
        {!operator && <a href="/your-settings">{t('frame.settings')}</a>}
        <form method="post" action="/logout">
          <button type="submit">{t('frame.signOut')}</button>
        </form>
      </header>
      <div class="frame">
        <nav class="sections" aria-label={t('frame.sections')}>
          {SECTIONS.filter(([, , operatorOnly]) => operator || !operatorOnly).map(([href, label]) => (
            <a href={href} aria-current={t(label) === props.title ? 'page' : undefined}>
              {t(label)}
            </a>
          ))}
        </nav>
        <main class="page wide">{props.children}</main>
      </div>
    </>
  )
}

/** The operator's sign-in, in their language; `wrong`: the token given was not the admin token. */
export function LoginPage(props: { next: string; wrong?: boolean; lang: Language }) {
  const here = `/login?${new URLSearchParams({ next: props.next })}`
  return (
    <Page title={pageTranslator(props.lang).t('login.title')} lang={props.lang} here={here}>
      <LoginForm {...props} />
    </Page>
  )
}

function LoginForm(props: { next: string; wrong?: boolean }) {
  const { t } = usePageWords()
  return (
    <>
      <h1>callconfirm</h1>
      {props.wrong && <p class="problem">{t('login.wrong')}</p>}
      <form method="post" action="/login" class="card">
        <input type="hidden" name="next" value={props.next} />
        <label for="token">{t('login.token')}</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <p class="hint">{t('login.hint')}</p>
        <button type="submit" class="primary">
          {t('login.submit')}
        </button>
      </form>
    </>
  )
}

/** Store, outcome and dates, as a GET form, so a filtered view is a link one can share. */
export function Filters(props: { action: string; stores: StoreName[]; viewer: Viewer; query: Record<string, string>; outcome?: boolean }) {
  const q = props.query
  const tr = usePageWords()
  const { t } = tr
  return (
    <form class="filters" method="get" action={props.action}>
      {props.viewer.kind === 'operator' && props.stores.length > 1 && (
        <label>
          {t('filters.store')}
          <select name="storeId">
            <option value="">{t('filters.allStores')}</option>
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
          {t('filters.outcome')}
          <select name="outcome">
            <option value="">{t('filters.any')}</option>
            {OUTCOMES.map((value) => (
              <option value={value} selected={q.outcome === value}>
                {tr.outcome(value)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('filters.from')}
        <input type="date" name="from" value={q.from ?? ''} />
      </label>
      <label>
        {t('filters.to')}
        <input type="date" name="to" value={q.to ?? ''} />
      </label>
      <button type="submit">{t('filters.show')}</button>
    </form>
  )
}

/** The period's key figures, one card each: what it is, the figure, what it is made of. */
export function StatCards(props: { stats: CallStats }) {
  const s = props.stats
  const { t } = usePageWords()
  const card = (id: string, label: string, value: string, detail: string) => (
    <div class="card" data-stat={id}>
      <span class="stat-label">{label}</span>
      <b class="stat-value">{value}</b>
      <span class="stat-detail">{detail}</span>
    </div>
  )
  return (
    <div class="cards" data-refresh="stats">
      {card(
        'confirmation-rate',
        t('stat.confirmed'),
        percent(s.confirmationRate),
        t('stat.confirmedDetail', { confirmed: s.outcomes.confirmed, decided: s.decided }),
      )}
      {card('answer-rate', t('stat.answered'), percent(s.answerRate), t('stat.answeredDetail', { answered: s.answered, calls: s.calls }))}
      {card(
        'first-call',
        t('stat.firstCall'),
        seconds(s.firstCallSeconds?.median),
        t('stat.firstCallDetail', { p90: seconds(s.firstCallSeconds?.p90) }),
      )}
      {card('cost-per-confirmed', t('stat.costPerConfirmed'), usd(s.costPerConfirmedUsd), t('stat.costDetail', { cost: usd(s.costUsd) }))}
      {card('orders', t('stat.orders'), String(s.orders), t('stat.ordersDetail', { open: s.inProgress }))}
    </div>
  )
}

export function OutcomeTable(props: { stats: CallStats; query: Record<string, string> }) {
  const base = new URLSearchParams(Object.entries(props.query).filter(([k, v]) => v && ['storeId', 'from', 'to'].includes(k)))
  const tr = usePageWords()
  return (
    <table data-refresh="outcomes">
      <tbody>
        {OUTCOMES.map((outcome) => {
          const link = new URLSearchParams(base)
          link.set('outcome', outcome)
          return (
            <tr data-outcome={outcome}>
              <td>
                <a href={`/orders?${link}`}>{tr.outcome(outcome)}</a>
              </td>
              <td>{props.stats.outcomes[outcome]}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** Confirmed orders by how the customer said yes, each a count and its share of the decided orders. */
export function ConfirmationChannels(props: { stats: CallStats }) {
  const { t } = usePageWords()
  return (
    <div class="table" data-refresh="confirmed-by">
      <table>
        <thead>
          <tr>
            <th>{t('overview.channel')}</th>
            <th>{t('overview.channelConfirmed')}</th>
            <th>{t('overview.channelShare')}</th>
          </tr>
        </thead>
        <tbody>
          {props.stats.confirmedBy.map((c) => (
            <tr data-channel={c.channel}>
              <td>{t(`overview.via.${c.channel}`)}</td>
              <td>{c.orders}</td>
              <td>{percent(c.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The service's own times, for the operator across every store: in UTC, and saying so. */
const utc = (tr: PageTranslator, ms: number) => `${tr.dateTime(ms, 'UTC')} UTC`

/**
 * The banner while Twilio refuses the account and no call goes out. The operator reads what is
 * wrong, since when, what to do, and when it was and will be checked; a merchant only that calls
 * are paused by the service and resume by themselves (the account is not theirs to see).
 */
export function ServiceHoldBanner(props: { hold: AccountHold | undefined; viewer: Viewer }) {
  const { hold } = props
  const tr = usePageWords()
  const { t } = tr
  if (!hold) return null
  if (props.viewer.kind === 'merchant')
    return (
      <p class="notice warning" data-service-hold="paused">
        <b>{t('hold.merchantTitle')}</b> {t('hold.merchantText')}
      </p>
    )
  const checked = hold.probes === 0 ? t('hold.notChecked') : t('hold.lastChecked', { at: utc(tr, hold.checkedAt), count: hold.probes })
  const checks =
    hold.problem === 'rate' ? t('hold.resumesAt', { at: utc(tr, hold.nextProbeAt) }) : t('hold.nextCheck', { checked, at: utc(tr, hold.nextProbeAt) })
  // `words`: Twilio's refusal as the operator needs it to act (accountHold.ts), in English.
  return (
    <p class="notice warning" data-service-hold={hold.problem}>
      <b>{t('hold.title')}</b> {hold.words} {t('hold.since', { at: utc(tr, hold.since) })} {checks}
    </p>
  )
}

/** The overview's notices: each store whose calls are held back, why, and how many orders wait. */
export function HeldBackNotices(props: { holds: StoreHold[]; stores: StoreName[]; viewer: Viewer }) {
  const tr = usePageWords()
  const { t } = tr
  return (
    <>
      {props.holds.map((hold) => {
        const store = props.stores.find((s) => s.id === hold.storeId)
        const orders = hold.waiting === 0 ? t('hold.noneWait') : t('hold.wait', { count: hold.waiting })
        return (
          <p class="notice warning" data-hold={hold.reason} data-store={hold.storeId}>
            <b>{store?.name ?? hold.storeId}</b>: {waitWords(tr, hold.reason, store)} — {orders}.
            {props.viewer.kind === 'operator' && (hold.reason === 'store_awaiting_approval' || hold.reason === 'store_daily_limit') && (
              <>
                {' '}
                <a href="/stores">{hold.reason === 'store_awaiting_approval' ? t('hold.approve') : t('hold.raise')}</a>.
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
  const tr = usePageWords()
  const { t } = tr
  if (!props.orders.length) return <p class="hint">{t('orders.none')}</p>
  return (
    <div class="table">
      <table>
        <thead>
          <tr>
            <th>{t('orders.order')}</th>
            <th class="hide-narrow">{t('orders.store')}</th>
            <th>{t('orders.customer')}</th>
            <th>{t('orders.standing')}</th>
            <th class="hide-narrow">{t('orders.received')}</th>
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
              <td class="hide-narrow">{when(tr, o.createdAt, storeOf(o.storeId))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * What the call bridge noted in the transcript (voice/callBridge.ts, in its own English), in the
 * page's language: a key pressed, a callback asked for, the answer recorded.
 */
function systemLine(tr: PageTranslator, text: string, store: StoreName | undefined): string {
  const pressed = /^Pressed (\d|\*|#) on the keypad$/.exec(text)
  if (pressed) return tr.t('transcript.pressed', { digit: pressed[1] })
  const callBack = /^Call back at (\S+)$/.exec(text)
  if (callBack && !Number.isNaN(Date.parse(callBack[1]!))) return tr.t('transcript.callBack', { at: when(tr, callBack[1]!, store) })
  const recorded = /^Recorded: (\w+)$/.exec(text)
  const outcome = OUTCOMES.find((o) => o === recorded?.[1])
  return outcome ? tr.t('transcript.recorded', { outcome: tr.outcome(outcome) }) : text
}

/** How a call went, in words: Twilio's status, and who picked up when it was not a person. */
function attemptStatus(tr: PageTranslator, a: OrderView['attempts'][number]): string {
  const status = tr.t(`attempt.${a.status}`, { defaultValue: a.status.replaceAll('_', ' ') })
  if (!a.answeredBy || a.answeredBy === 'human') return status
  return `${status} (${tr.t(`attempt.answeredBy_${a.answeredBy}`, { defaultValue: tr.t('attempt.answeredBy_unknown') })})`
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
  const tr = usePageWords()
  const { t } = tr
  return (
    <div id="live" data-settled={String(isSettled(order, props.now))}>
      <p data-standing>
        <Standing order={order} store={props.store} /> {order.evidence}
      </p>
      <h2>{t('attempt.calls')}</h2>
      {order.attempts.length ? (
        <div class="table">
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>{t('attempt.status')}</th>
                <th>{t('attempt.started')}</th>
                <th>{t('attempt.length')}</th>
                <th class="hide-narrow">{t('attempt.ended')}</th>
                <th>{t('attempt.cost')}</th>
              </tr>
            </thead>
            <tbody>
              {order.attempts.map((a) => (
                <tr data-attempt={a.number}>
                  <td>{a.number}</td>
                  <td>{attemptStatus(tr, a)}</td>
                  <td>{when(tr, a.startedAt, props.store)}</td>
                  <td>{seconds(a.durationSeconds)}</td>
                  <td class="hide-narrow">
                    {a.endReason ? t(`end.${a.endReason}`, { defaultValue: a.endReason.replaceAll('_', ' ') }) : (a.error ?? '–')}
                  </td>
                  <td>{usd(a.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="hint">{t('attempt.noCall')}</p>
      )}
      <CallRecordings order={order} />
      <h2>{t('transcript.title')}</h2>
      <div class="transcript" data-transcript>
        {order.transcript.length ? (
          order.transcript.map((turn) => (
            <p class={turn.speaker}>
              <b>{turn.speaker === 'agent' ? t('transcript.agent') : turn.speaker === 'customer' ? t('transcript.customer') : ''}</b>{' '}
              {turn.speaker === 'system' ? systemLine(tr, turn.text, props.store) : turn.text}
            </p>
          ))
        ) : (
          <p class="hint">{t('transcript.nothing')}</p>
        )}
      </div>
      <OrderMessages order={order} timezone={props.store?.timezone ?? 'UTC'} />
      <h2>{t('writes.title')}</h2>
      <ul>
        {order.storeWrites.map((w) => (
          <li>
            {t(`writes.${w.kind}`)}: {t(`writes.${w.status}`)}
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
  lang: Language
  here: string
}) {
  const { order } = props
  const title = pageTranslator(props.lang).t('orders.title', { name: order.name })
  return (
    <DashboardPage title={title} viewer={props.viewer} lang={props.lang} here={props.here}>
      <OrderSummary order={order} store={props.store} />
      {props.actions}
      <OrderLive order={order} store={props.store} extra={props.extra} now={props.now} />
      <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: LIVE_SCRIPT }} />
    </DashboardPage>
  )
}

/** The order's name, customer, items and total, in the store's currency as its shoppers write it. */
function OrderSummary(props: { order: OrderView; store?: StoreName | undefined }) {
  const { order } = props
  const tr = usePageWords()
  return (
    <>
      <h1>
        {tr.t('orders.title', { name: order.name })} <span class="hint">{props.store?.name}</span>
      </h1>
      <p>
        {order.customerName ?? tr.t('orders.customer')}
        {order.city && `, ${order.city}`} · {order.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')} ·{' '}
        <span data-total>{tr.money(order.total, order.currency)}</span>
      </p>
    </>
  )
}
