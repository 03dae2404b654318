import type { Child } from 'hono/jsx'
import { OUTCOMES } from '../domain/order.js'
import { OUTCOME_LABELS } from '../domain/outcomeLabels.js'
import { OUTCOME_TAG } from '../domain/writeBack.js'
import { Page } from '../pages/layout.js'
import { platformOf } from '../stores/platforms.js'
import type { Store } from '../stores/records.js'

/** The voices OpenAI's Realtime models speak with. */
const VOICES = ['marin', 'cedar', 'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse']
/** Languages of our markets first; any BCP 47 tag the store already has is offered too. */
const LANGUAGES: Array<[string, string]> = [
  ['sq', 'Shqip (Albanian)'],
  ['en', 'English'],
  ['mk', 'Македонски (Macedonian)'],
  ['sr', 'Српски (Serbian)'],
  ['it', 'Italiano'],
  ['de', 'Deutsch'],
  ['el', 'Ελληνικά (Greek)'],
  ['tr', 'Türkçe'],
]
const WOO_STATUSES = ['processing', 'on-hold', 'completed', 'cancelled', 'pending']
/** Each tag's field: the one set while the call waits, then one per outcome, named as the dashboard names it. */
const TAG_LABELS: ReadonlyArray<readonly [keyof Store['settings']['tags'], string]> = [
  ['pending', 'While waiting for the call'],
  ...OUTCOMES.map((outcome) => [OUTCOME_TAG[outcome], OUTCOME_LABELS[outcome]] as const),
]

/** How each after-the-call action is asked for: a box to tick, or the WooCommerce status to move the order to. */
export const ACTION_CONTROLS: Record<keyof Store['settings']['actions'], { kind: 'checkbox' | 'status'; label: string }> = {
  cancelOnDecline: { kind: 'checkbox', label: 'Cancel the order when the customer declines (no refund, no email to the customer)' },
  holdUntilConfirmed: { kind: 'checkbox', label: 'Hold fulfillment until the customer confirms' },
  wooStatusOnConfirmed: { kind: 'status', label: 'Status when confirmed' },
  wooStatusOnCancelled: { kind: 'status', label: 'Status when cancelled' },
}

export interface SettingsPageProps {
  store: Store
  /** The signed token the form posts back with. */
  token: string
  notice?: string
  problem?: { field: string; message: string }
  /** Inside the Shopify admin: App Bridge needs the app's client id. */
  shopifyApiKey?: string
}

function Field(props: { name: string; label: string; hint?: string; problem?: SettingsPageProps['problem']; children: Child }) {
  const wrong = props.problem && (props.problem.field === props.name || props.problem.field.startsWith(`${props.name}.`))
  return (
    <div>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint">{props.hint}</p>}
      {wrong && (
        <p class="field-error" id={`${props.name}-problem`}>
          {props.problem!.message}
        </p>
      )}
    </div>
  )
}

/** The merchant's settings, one form, saved whole. */
export function SettingsPage({ store, token, notice, problem, shopifyApiKey }: SettingsPageProps) {
  const s = store.settings
  // Only the settings the store's platform acts on.
  const fields = platformOf(store).settingsFields
  const checkboxes = fields.actions.filter((key) => ACTION_CONTROLS[key].kind === 'checkbox')
  const statuses = fields.actions.filter((key) => ACTION_CONTROLS[key].kind === 'status')
  const languages = LANGUAGES.some(([tag]) => tag === s.language) ? LANGUAGES : [[s.language, s.language] as [string, string], ...LANGUAGES]
  return (
    <Page
      title="Settings"
      head={
        shopifyApiKey && (
          <>
            <meta name="shopify-api-key" content={shopifyApiKey} />
            <script src="https://cdn.shopify.com/shopifycloud/app-bridge.js" />
          </>
        )
      }
    >
      <h1>callconfirm for {s.companyName}</h1>
      <p class="subtitle">
        {store.domain} · {/* A new tab: inside Shopify's admin the dashboard's session cookie would be a third-party one. */}
        <a href={`/enter?t=${token}`} target="_blank" rel="noopener">
          See your calls
        </a>
      </p>
      {notice && (
        <p class="notice success" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <p class="problem" role="alert">
          Not saved: {problem.field ? `${problem.field} ${problem.message}` : problem.message}
        </p>
      )}
      <form method="post" action="/settings" class="card">
        <input type="hidden" name="t" value={token} />
        <label>
          <input type="checkbox" name="enabled" checked={s.enabled} /> Call new orders
        </label>

        <h2>The call</h2>
        <Field name="companyName" label="Shop name the agent says" problem={problem}>
          <input id="companyName" name="companyName" value={s.companyName} required maxlength={80} />
        </Field>
        <div class="row">
          <Field name="language" label="Language" problem={problem}>
            <select id="language" name="language">
              {languages.map(([tag, name]) => (
                <option value={tag} selected={tag === s.language}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
          <Field name="voice" label="Voice" problem={problem}>
            <select id="voice" name="voice">
              {(VOICES.includes(s.voice) ? VOICES : [s.voice, ...VOICES]).map((v) => (
                <option selected={v === s.voice}>{v}</option>
              ))}
            </select>
          </Field>
        </div>
        <label>
          <input type="checkbox" name="recordCalls" checked={s.recordCalls} aria-describedby="recordCalls-hint" /> Record calls
        </label>
        <p class="hint" id="recordCalls-hint">
          The agent tells the customer at the start of the call that it is recorded. Both sides are recorded, played on the order's page, and deleted
          with the call's transcript.
        </p>

        <h2>When to call</h2>
        <div class="row">
          <Field name="callingHours.start" label="From" problem={problem}>
            <input id="callingHours.start" name="callingHours.start" type="time" value={s.callingHours.start} required />
          </Field>
          <Field name="callingHours.end" label="Until" problem={problem}>
            <input id="callingHours.end" name="callingHours.end" type="time" value={s.callingHours.end} required />
          </Field>
        </div>
        <Field name="timezone" label="Time zone" hint="IANA name, e.g. Europe/Tirane or Europe/Belgrade (Kosovo)." problem={problem}>
          <input id="timezone" name="timezone" value={s.timezone} required />
        </Field>
        <Field
          name="retryDelaysMinutes"
          label="Call again after (minutes)"
          hint="One number per retry, separated by commas. Empty: call once."
          problem={problem}
        >
          <input id="retryDelaysMinutes" name="retryDelaysMinutes" value={s.retryDelaysMinutes.join(', ')} inputmode="numeric" />
        </Field>
        <Field name="callOrders" label="Which orders to call" problem={problem}>
          <select id="callOrders" name="callOrders">
            <option value="cod" selected={s.callOrders === 'cod'}>
              Cash on delivery only
            </option>
            <option value="all" selected={s.callOrders === 'all'}>
              Every order
            </option>
          </select>
        </Field>

        {fields.tags && (
          <>
            <h2>Tags on the order</h2>
            <div class="row">
              {TAG_LABELS.map(([key, label]) => (
                <Field name={`tags.${key}`} label={label} problem={problem}>
                  <input id={`tags.${key}`} name={`tags.${key}`} value={s.tags[key]} required />
                </Field>
              ))}
            </div>
          </>
        )}

        <h2>After the call</h2>
        {checkboxes.map((key) => (
          <label>
            <input type="checkbox" name={`actions.${key}`} checked={s.actions[key] === true} /> {ACTION_CONTROLS[key].label}
          </label>
        ))}
        {statuses.length > 0 && (
          <div class="row">
            {statuses.map((key) => (
              <Field name={`actions.${key}`} label={ACTION_CONTROLS[key].label} problem={problem}>
                <select id={`actions.${key}`} name={`actions.${key}`}>
                  <option value="" selected={s.actions[key] === null}>
                    Leave as it is
                  </option>
                  {WOO_STATUSES.map((status) => (
                    <option selected={s.actions[key] === status}>{status}</option>
                  ))}
                </select>
              </Field>
            ))}
          </div>
        )}
        <h2>Alerts</h2>
        <Field
          name="alertEmail"
          label="Email alerts to"
          hint="An email when an order needs a person to look at it or cannot be updated in your store, and a summary of yesterday's calls each morning at 08:00. Separate several addresses with commas. Empty: no emails."
          problem={problem}
        >
          <input id="alertEmail" name="alertEmail" type="email" multiple autocomplete="email" value={s.alertEmail} maxlength={400} />
        </Field>
        <button type="submit" class="primary">
          Save
        </button>
      </form>
    </Page>
  )
}
