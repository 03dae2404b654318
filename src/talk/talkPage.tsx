import { DashboardPage, type StoreName } from '../dashboard/pages.js'
import type { Viewer } from '../dashboard/session.js'
import type { CallFacts } from '../domain/agentPrompt.js'
import { shortItems } from '../domain/agentPrompt.js'
import { OUTCOME_LABELS } from '../domain/outcomeLabels.js'
import { TALK_SCRIPT } from './browserAudio.js'
import type { Busy } from './testConversations.js'

const STYLE = `
  .keypad { display: flex; gap: .6rem } .keypad button { min-width: 4.5rem }
  .controls button { margin-right: .6rem }
  #outcome { font-weight: 600 }
`

/** Why a test conversation could not begin, in words. */
export const BUSY_WORDS: Record<Busy, string> = {
  store_busy: 'A test conversation is already on for this store. Try again once it has ended.',
  service_busy: 'Too many test conversations are on right now. Try again in a minute.',
}

/** What the page's script says in words: the outcomes, why a conversation could not begin, how a test call stands. */
const LABELS: Record<string, string> = {
  ...OUTCOME_LABELS,
  ...BUSY_WORDS,
  ringing: 'Calling your phone…',
  live: 'On the call: answer as a customer would.',
  ended: 'The call is over.',
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
  nonce: string
  minutes: number
}) {
  const { facts } = props
  return (
    <DashboardPage title="Talk to your agent" viewer={props.viewer}>
      <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      <h1>
        Talk to your agent <span class="hint">{props.store.name}</span>
      </h1>
      <p>
        Hear your agent as your customers will: your store's name, voice and language, calling about a sample order ({facts.orderName}:{' '}
        {shortItems(facts.items)}, {facts.total} {facts.currency}). Answer it as a customer would, by voice or with the keypad.
      </p>
      <p class="hint">
        A test conversation writes nothing to your store and counts in no statistics. It lasts {props.minutes} minutes at most. Use headphones if you
        can, so the agent does not hear itself.
      </p>
      <div
        id="talk"
        data-socket={props.socketPath}
        data-call={props.callPath}
        data-worklet="/talk/capture.js"
        data-labels={JSON.stringify(LABELS)}
        data-state="idle"
      >
        <p class="controls">
          <button type="button" id="start">
            Start
          </button>
          <button type="button" id="stop" disabled>
            Stop
          </button>
        </p>
        <p id="status" class="hint">
          Press Start and allow the microphone.
        </p>
        <p class="keypad">
          <button type="button" data-key="1" disabled>
            1 · confirm
          </button>
          <button type="button" data-key="2" disabled>
            2 · cancel
          </button>
        </p>
        <p id="outcome" class="notice" hidden />
        <h2>Transcript</h2>
        <div id="transcript" class="transcript" />
      </div>
      <h2>Or let it call you</h2>
      <form method="post" action="/talk/call" class="filters">
        <input type="hidden" name="store" value={props.store.id} />
        <label>
          Your phone
          <input name="phone" type="tel" autocomplete="tel" required />
        </label>
        <button type="submit">Call me</button>
      </form>
      <p class="hint">
        A real call to your own phone, about the same sample order; nothing is written to your store. {props.callsPerDay} test calls a day.
      </p>
      <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: TALK_SCRIPT }} />
    </DashboardPage>
  )
}

/** The operator's way in: which store's agent to talk to. */
export function TalkStoreChoice(props: { stores: StoreName[]; viewer: Viewer }) {
  return (
    <DashboardPage title="Talk to your agent" viewer={props.viewer}>
      <h1>Talk to your agent</h1>
      <p>Choose the store whose agent you want to hear.</p>
      <ul>
        {props.stores.map((s) => (
          <li>
            <a href={`/talk?store=${encodeURIComponent(s.id)}`}>{s.name}</a>
          </li>
        ))}
      </ul>
    </DashboardPage>
  )
}

/** The overview's link to the page. */
export function TalkLink(props: { stores: StoreName[]; viewer: Viewer }) {
  const only = props.viewer.kind === 'merchant' ? props.stores[0] : undefined
  return (
    <section>
      <h2>Hear your agent</h2>
      <p>
        <a href={only ? `/talk?store=${encodeURIComponent(only.id)}` : '/talk'}>Talk to your agent</a>
        <span class="hint"> · with your microphone, before your customers hear it.</span>
      </p>
    </section>
  )
}
