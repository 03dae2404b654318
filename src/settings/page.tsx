import type { Child } from 'hono/jsx'
import { OUTCOMES } from '../domain/order.js'
import { OUTCOME_TAG } from '../domain/writeBack.js'
import { type Language, type PageTranslator, pageTranslator } from '../i18n/index.js'
import { AdminChrome, type AdminFrame, frameHead } from '../pages/embedded.js'
import { usePageWords } from '../pages/language.js'
import { Page } from '../pages/layout.js'
import { platformOf } from '../stores/platforms.js'
import type { Store } from '../stores/records.js'
import { MessagingFields } from './messagingFields.js'
import type { FieldProblem } from './problems.js'

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
const tagLabels = (tr: PageTranslator): ReadonlyArray<readonly [keyof Store['settings']['tags'], string]> => [
  ['pending', tr.t('settings.tagPending')],
  ...OUTCOMES.map((outcome) => [OUTCOME_TAG[outcome], tr.outcome(outcome)] as const),
]

/** How each after-the-call action is asked for: a box to tick, or the WooCommerce status to move the order to (labels: `settings.<key>`). */
export const ACTION_CONTROLS: Record<keyof Store['settings']['actions'], { kind: 'checkbox' | 'status' }> = {
  cancelOnDecline: { kind: 'checkbox' },
  holdUntilConfirmed: { kind: 'checkbox' },
  wooStatusOnConfirmed: { kind: 'status' },
  wooStatusOnCancelled: { kind: 'status' },
}

export interface SettingsPageProps {
  store: Store
  /** The signed token the form posts back with. */
  token: string
  /** The page's language: the store's, unless the merchant switched. */
  lang: Language
  /** Saved: the sentence that says so. */
  saved?: boolean
  /** Everything the last save found wrong, each naming its field. */
  problems?: FieldProblem[]
  /** Opened inside the Shopify admin: App Bridge's head, the admin's sidebar and title bar. */
  frame?: AdminFrame
}

function Field(props: { name: string; label: string; hint?: string; problems?: FieldProblem[]; children: Child }) {
  const wrong = props.problems?.filter((p) => p.field === props.name || p.field.startsWith(`${props.name}.`)) ?? []
  return (
    <div>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint">{props.hint}</p>}
      {wrong.length > 0 && (
        <p class="field-error" id={`${props.name}-problem`}>
          {wrong.map((p) => p.message).join('. ')}
        </p>
      )}
    </div>
  )
}

/** The merchant's settings, one form, saved whole, in the store's language (or the one they switched to). */
export function SettingsPage(props: SettingsPageProps) {
  const { t } = pageTranslator(props.lang)
  return (
    <Page
      title={t('settings.title')}
      lang={props.lang}
      // The token rides in the address: the switch keeps the page open (no cookie inside Shopify's iframe).
      here={`/settings?t=${props.token}`}
      head={frameHead(props.frame)}
    >
      {props.frame && <AdminChrome frame={props.frame} title={t('settings.title')} />}
      <SettingsForm {...props} />
    </Page>
  )
}

function SettingsForm({ store, token, saved, problems, frame }: SettingsPageProps) {
  const tr = usePageWords()
  const { t } = tr
  const s = store.settings
  // Only the settings the store's platform acts on.
  const fields = platformOf(store).settingsFields
  const checkboxes = fields.actions.filter((key) => ACTION_CONTROLS[key].kind === 'checkbox')
  const statuses = fields.actions.filter((key) => ACTION_CONTROLS[key].kind === 'status')
  const languages = LANGUAGES.some(([tag]) => tag === s.language) ? LANGUAGES : [[s.language, s.language] as [string, string], ...LANGUAGES]
  return (
    <>
      <h1>{t('settings.heading', { name: s.companyName })}</h1>
      <p class="subtitle">
        {store.domain} ·{' '}
        {frame ? (
          // Inside the admin the dashboard opens in the same frame, signed in by App Bridge's session token.
          <a href="/">{t('settings.seeCalls')}</a>
        ) : (
          // A new tab elsewhere: the link's token starts a dashboard session there.
          <a href={`/enter?t=${token}`} target="_blank" rel="noopener">
            {t('settings.seeCalls')}
          </a>
        )}
      </p>
      {saved && (
        <p class="notice success" role="status">
          {t('settings.saved')}
        </p>
      )}
      {problems && problems.length > 0 && (
        <div class="problem" role="alert">
          <b>{t('settings.notSaved')}</b>
          <ul>
            {problems.map((p) => (
              <li>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action="/settings" class="card">
        <input type="hidden" name="t" value={token} />
        <label>
          <input type="checkbox" name="enabled" checked={s.enabled} /> {t('settings.enabled')}
        </label>

        <h2>{t('settings.theCall')}</h2>
        <Field name="companyName" label={t('settings.companyName')} problems={problems}>
          <input id="companyName" name="companyName" value={s.companyName} required maxlength={80} />
        </Field>
        <div class="row">
          <Field name="language" label={t('settings.language')} problems={problems}>
            <select id="language" name="language">
              {languages.map(([tag, name]) => (
                <option value={tag} selected={tag === s.language}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
          <Field name="voice" label={t('settings.voice')} problems={problems}>
            <select id="voice" name="voice">
              {(VOICES.includes(s.voice) ? VOICES : [s.voice, ...VOICES]).map((v) => (
                <option selected={v === s.voice}>{v}</option>
              ))}
            </select>
          </Field>
        </div>
        <label>
          <input type="checkbox" name="recordCalls" checked={s.recordCalls} aria-describedby="recordCalls-hint" /> {t('settings.recordCalls')}
        </label>
        <p class="hint" id="recordCalls-hint">
          {t('settings.recordHint')}
        </p>

        <h2>{t('settings.whenToCall')}</h2>
        <div class="row">
          <Field name="callingHours.start" label={t('settings.from')} problems={problems}>
            <input id="callingHours.start" name="callingHours.start" type="time" value={s.callingHours.start} required />
          </Field>
          <Field name="callingHours.end" label={t('settings.until')} problems={problems}>
            <input id="callingHours.end" name="callingHours.end" type="time" value={s.callingHours.end} required />
          </Field>
        </div>
        <Field name="timezone" label={t('settings.timezone')} hint={t('settings.timezoneHint')} problems={problems}>
          <input id="timezone" name="timezone" value={s.timezone} required />
        </Field>
        <Field name="retryDelaysMinutes" label={t('settings.retries')} hint={t('settings.retriesHint')} problems={problems}>
          <input id="retryDelaysMinutes" name="retryDelaysMinutes" value={s.retryDelaysMinutes.join(', ')} inputmode="numeric" />
        </Field>
        <Field name="callOrders" label={t('settings.callOrders')} problems={problems}>
          <select id="callOrders" name="callOrders">
            <option value="cod" selected={s.callOrders === 'cod'}>
              {t('settings.cod')}
            </option>
            <option value="all" selected={s.callOrders === 'all'}>
              {t('settings.all')}
            </option>
          </select>
        </Field>

        {fields.tags && (
          <>
            <h2>{t('settings.tags')}</h2>
            <div class="row">
              {tagLabels(tr).map(([key, label]) => (
                <Field name={`tags.${key}`} label={label} problems={problems}>
                  <input id={`tags.${key}`} name={`tags.${key}`} value={s.tags[key]} required />
                </Field>
              ))}
            </div>
          </>
        )}

        <h2>{t('settings.afterCall')}</h2>
        {checkboxes.map((key) => (
          <label>
            <input type="checkbox" name={`actions.${key}`} checked={s.actions[key] === true} /> {t(`settings.${key}`)}
          </label>
        ))}
        {statuses.length > 0 && (
          <div class="row">
            {statuses.map((key) => (
              <Field name={`actions.${key}`} label={t(`settings.${key}`)} problems={problems}>
                <select id={`actions.${key}`} name={`actions.${key}`}>
                  <option value="" selected={s.actions[key] === null}>
                    {t('settings.leaveAsIs')}
                  </option>
                  {WOO_STATUSES.map((status) => (
                    <option value={status} selected={s.actions[key] === status}>
                      {t(`wooStatus.${status}`)}
                    </option>
                  ))}
                </select>
              </Field>
            ))}
          </div>
        )}
        <MessagingFields settings={s} problems={problems} Field={Field} />
        <h2>{t('settings.alerts')}</h2>
        <Field name="alertEmail" label={t('settings.alertEmail')} hint={t('settings.alertHint')} problems={problems}>
          <input id="alertEmail" name="alertEmail" type="email" multiple autocomplete="email" value={s.alertEmail} maxlength={400} />
        </Field>
        <button type="submit" class="primary">
          {t('settings.save')}
        </button>
      </form>
    </>
  )
}
