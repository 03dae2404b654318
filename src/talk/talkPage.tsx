import { DashboardPage, type StoreName } from '../dashboard/pages.js'
import { frameOf, type Viewer } from '../dashboard/session.js'
import type { CallFacts } from '../domain/agentPrompt.js'
import { shortItems } from '../domain/agentPrompt.js'
import { OUTCOMES } from '../domain/order.js'
import { type Language, type PageTranslator, pageTranslator } from '../i18n/index.js'
import { usePageWords } from '../pages/language.js'
import { TALK_SCRIPT } from './browserAudio.js'
import type { Busy } from './testConversations.js'

const STYLE = `
  .keypad { display: flex; gap: .6rem } .keypad button { min-width: 4.5rem }
  .controls button { margin-right: .6rem }
  #outcome { font-weight: 600 }
`

/** Why a test conversation could not begin, in words (the catalog's English: testCallRoutes.ts's problem page). */
export const BUSY_WORDS: Record<Busy, string> = {
  store_busy: pageTranslator('en').t('talk.store_busy'),
  service_busy: pageTranslator('en').t('talk.service_busy'),
}

/** The words the page's script shows (browserAudio.ts), in the page's language: the outcomes, its states, why a conversation could not begin. */
const SCRIPT_WORDS = [
  'start',
  'startAgain',
  'agent',
  'you',
  'callbackAt',
  'refused',
  'askingMic',
  'noMic',
  'connected',
  'over',
  'unknownCall',
  'ringing',
  'live',
  'ended',
  'store_busy',
  'service_busy',
] as const
function scriptLabels(tr: PageTranslator): Record<string, string> {
  const words = Object.fromEntries(SCRIPT_WORDS.map((key) => [key, tr.t(`talk.${key}`)]))
  return { ...Object.fromEntries(OUTCOMES.map((o) => [o, tr.outcome(o)])), ...words }
}

/**
 * "Talk to your agent": the merchant hears the agent as a customer will (the store's voice,
 * language and name, a sample order) through the microphone, before switching calls on.
 */
export function TalkPage(props: {
  store: StoreName
  facts: CallFacts
  socketPath: string
  /** A test call this page placed, to follow. */
  callPath?: string
  callsPerDay: number
  viewer: Viewer
  lang: Language
  here: string
  nonce: string
  minutes: number
}) {
  const { facts } = props
  const tr = pageTranslator(props.lang)
  const t = (key: string, values?: Record<string, unknown>) => tr.t(`talk.${key}`, values)
  return (
    <DashboardPage title={t('title')} viewer={props.viewer} lang={props.lang} here={props.here}>
      <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      <h1>
        {t('title')} <span class="hint">{props.store.name}</span>
      </h1>
      <p>{t('intro', { order: facts.orderName, items: shortItems(facts.items), total: tr.money(facts.total, facts.currency) })}</p>
      <p class="hint">{t('hint', { minutes: props.minutes })}</p>
      <div
        id="talk"
        data-socket={props.socketPath}
        data-call={props.callPath}
        data-worklet="/talk/capture.js"
        data-labels={JSON.stringify(scriptLabels(tr))}
        data-state="idle"
      >
        <p class="controls">
          <button type="button" id="start">
            {t('start')}
          </button>
          <button type="button" id="stop" disabled>
            {t('stop')}
          </button>
        </p>
        <p id="status" class="hint">
          {t('pressStart')}
        </p>
        <p class="keypad">
          <button type="button" data-key="1" disabled>
            {t('key1')}
          </button>
          <button type="button" data-key="2" disabled>
            {t('key2')}
          </button>
        </p>
        <p id="outcome" class="notice" hidden />
        <h2>{t('transcript')}</h2>
        <div id="transcript" class="transcript" />
      </div>
      <h2>{t('orCall')}</h2>
      <form method="post" action="/talk/call" class="filters">
        <input type="hidden" name="store" value={props.store.id} />
        <label>
          {t('yourPhone')}
          <input name="phone" type="tel" autocomplete="tel" required />
        </label>
        <button type="submit">{t('callMe')}</button>
      </form>
      <p class="hint">{t('callHint', { count: props.callsPerDay })}</p>
      <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: TALK_SCRIPT }} />
    </DashboardPage>
  )
}

/** The operator's way in: which store's agent to talk to. */
export function TalkStoreChoice(props: { stores: StoreName[]; viewer: Viewer; lang: Language; here: string }) {
  return (
    <DashboardPage title={pageTranslator(props.lang).t('talk.title')} viewer={props.viewer} lang={props.lang} here={props.here}>
      <TalkChoice stores={props.stores} />
    </DashboardPage>
  )
}

function TalkChoice(props: { stores: StoreName[] }) {
  const { t } = usePageWords()
  return (
    <>
      <h1>{t('talk.title')}</h1>
      <p>{t('talk.choose')}</p>
      <ul>
        {props.stores.map((s) => (
          <li>
            <a href={`/talk?store=${encodeURIComponent(s.id)}`}>{s.name}</a>
          </li>
        ))}
      </ul>
    </>
  )
}

/** The overview's link to the page. */
export function TalkLink(props: { stores: StoreName[]; viewer: Viewer }) {
  const only = props.viewer.kind === 'merchant' ? props.stores[0] : undefined
  const { t } = usePageWords()
  return (
    <section>
      <h2>{t('talk.hear')}</h2>
      {frameOf(props.viewer) ? (
        // Inside the Shopify admin: in a tab of its own, where the browser may lend it the microphone.
        <form method="post" action="/talk/outside" target="_blank" rel="noopener">
          <button type="submit">{t('talk.title')}</button>
          <span class="hint">{t('talk.linkHint')}</span>
        </form>
      ) : (
        <p>
          <a href={only ? `/talk?store=${encodeURIComponent(only.id)}` : '/talk'}>{t('talk.title')}</a>
          <span class="hint">{t('talk.linkHint')}</span>
        </p>
      )}
    </section>
  )
}
