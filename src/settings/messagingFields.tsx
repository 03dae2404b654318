import type { Child } from 'hono/jsx'
import type { StoreSettings } from '../domain/settings.js'
import { languageOf, translator } from '../i18n/index.js'
import { usePageWords } from '../pages/language.js'
import type { FieldProblem } from './problems.js'

/** The channel orders a merchant picks from, as the select's values (`whatsapp,sms`: WhatsApp first, SMS when it cannot deliver). */
const CHANNEL_CHOICES = ['whatsapp,sms', 'sms', 'whatsapp', ''] as const

/** The page's labelled field with its problems (page.tsx's). */
type FieldOf = (props: { name: string; label: string; hint?: string; problems?: FieldProblem[]; children: Child }) => Child

/**
 * The settings page's part for messages to customers the calls did not reach (src/messages/):
 * the channels, after which call, the WhatsApp template's Content SID, and the SMS text in the
 * store's language (empty: ours, shown as the placeholder).
 */
export function MessagingFields(props: { settings: StoreSettings; problems: FieldProblem[] | undefined; Field: FieldOf }) {
  const { t } = usePageWords()
  const { settings: s, problems, Field } = props
  const m = s.messaging
  const language = languageOf(s.language)
  return (
    <>
      <h2>{t('settings.messaging')}</h2>
      <div class="row">
        <Field name="messaging.channels" label={t('settings.messagingChannels')} problems={problems}>
          <select id="messaging.channels" name="messaging.channels">
            {CHANNEL_CHOICES.map((choice) => (
              <option value={choice} selected={m.channels.join(',') === choice}>
                {t(`settings.channels_${choice.replace(',', '_') || 'none'}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field name="messaging.after" label={t('settings.messagingAfter')} problems={problems}>
          <select id="messaging.after" name="messaging.after">
            {(['last_call', 'first_call'] as const).map((after) => (
              <option value={after} selected={m.after === after}>
                {t(`settings.after_${after}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field name="messaging.delayMinutes" label={t('settings.messagingDelay')} problems={problems}>
          <input id="messaging.delayMinutes" name="messaging.delayMinutes" type="number" min={0} max={1440} step={1} value={String(m.delayMinutes)} />
        </Field>
      </div>
      <Field name="messaging.whatsappContentSid" label={t('settings.whatsappTemplate')} hint={t('settings.whatsappTemplateHint')} problems={problems}>
        <input
          id="messaging.whatsappContentSid"
          name="messaging.whatsappContentSid"
          value={m.whatsappContentSid ?? ''}
          placeholder="HX…"
          maxlength={34}
        />
      </Field>
      <Field name="messaging.smsText" label={t('settings.smsText')} hint={t('settings.smsTextHint')} problems={problems}>
        <textarea id="messaging.smsText" name="messaging.smsText" rows={3} maxlength={480} placeholder={translator(language).t('message.sms')}>
          {m.smsText[language] ?? ''}
        </textarea>
      </Field>
    </>
  )
}

/**
 * The `messaging` change a submitted form asks for; a field the form did not carry is left as it
 * is. An empty SMS text goes back to ours; the other language's own text is kept.
 */
export function messagingFromForm(text: (name: string) => string | undefined, settings: StoreSettings): Record<string, unknown> {
  const channels = text('messaging.channels')
  const sid = text('messaging.whatsappContentSid')
  const sms = text('messaging.smsText')
  const delay = text('messaging.delayMinutes')
  const language = languageOf(settings.language)
  return {
    channels: channels === undefined ? undefined : channels.split(',').filter(Boolean),
    after: text('messaging.after'),
    // "30" → 30; anything else is kept as typed, for the validation to name.
    delayMinutes: delay === undefined ? undefined : /^\d+$/.test(delay) ? Number(delay) : delay,
    whatsappContentSid: sid === undefined ? undefined : sid || null,
    smsText: sms === undefined ? undefined : { ...settings.messaging.smsText, [language]: sms || undefined },
  }
}
