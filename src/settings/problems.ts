import type { z } from 'zod'
import { mergeSettings, storeSettingsSchema } from '../domain/settings.js'
import type { PageTranslator } from '../i18n/index.js'
import type { Store } from '../stores/records.js'

/** One field the settings page could not save, and why, in a sentence that names the field's label. */
export interface FieldProblem {
  /** The field's form name (`callingHours.end`, `retryDelaysMinutes`), to mark it. */
  field: string
  message: string
}

/** Each field's label on the page (pages.*.ts `settings.*`), by its settings path. */
const LABELS: Record<string, string> = {
  companyName: 'settings.companyName',
  language: 'settings.language',
  voice: 'settings.voice',
  timezone: 'settings.timezone',
  'callingHours.start': 'settings.from',
  'callingHours.end': 'settings.until',
  retryDelaysMinutes: 'settings.retries',
  callOrders: 'settings.callOrders',
  alertEmail: 'settings.alertEmail',
  'actions.wooStatusOnConfirmed': 'settings.wooStatusOnConfirmed',
  'actions.wooStatusOnCancelled': 'settings.wooStatusOnCancelled',
  'messaging.channels': 'settings.messagingChannels',
  'messaging.after': 'settings.messagingAfter',
  'messaging.delayMinutes': 'settings.messagingDelay',
  'messaging.whatsappContentSid': 'settings.whatsappTemplate',
  'messaging.smsText.sq': 'settings.smsText',
  'messaging.smsText.en': 'settings.smsText',
}

/** A tag field's label is the outcome's name, or the waiting tag's. */
function labelOf(path: string, tr: PageTranslator): string {
  const key = LABELS[path]
  if (key) return tr.t(key)
  if (path === 'tags.pending') return tr.t('settings.tagPending')
  if (path.startsWith('tags.')) {
    const outcome = path.slice(5).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as Parameters<PageTranslator['outcome']>[0]
    return tr.outcome(outcome)
  }
  return path
}

/** One zod issue as the merchant reads it. */
function sentence(issue: z.core.$ZodIssue, tr: PageTranslator): FieldProblem {
  const [root = '', second] = issue.path.map(String)
  const { t } = tr
  if (root === 'retryDelaysMinutes') {
    const label = labelOf(root, tr)
    if (second === undefined) return { field: root, message: t('fieldError.retryCount', { label }) }
    const nth = (t('fieldError.nth', { returnObjects: true }) as string[])[Number(second)] ?? String(Number(second) + 1)
    const key = issue.code === 'too_small' || issue.code === 'too_big' ? 'fieldError.retryRange' : 'fieldError.retryNumber'
    return { field: root, message: t(key, { label, nth }) }
  }
  const field = issue.path.map(String).join('.')
  const label = labelOf(field, tr)
  const key =
    field === 'callingHours.end' && issue.code === 'custom'
      ? 'fieldError.hoursOrder'
      : field === 'timezone'
        ? 'fieldError.timezone'
        : field === 'alertEmail' && issue.code === 'custom'
          ? 'fieldError.email'
          : issue.code === 'too_small'
            ? 'fieldError.empty'
            : issue.code === 'too_big'
              ? 'fieldError.tooLong'
              : 'fieldError.notValid'
  return { field, message: t(key, { label }) }
}

/**
 * Everything wrong with a change from the settings page, all at once, each a sentence naming the
 * field's label in the page's language ("Call again after (minutes): the second delay must be a
 * whole number of minutes"). `refused`: what the save refused with, for a problem the settings'
 * schema does not see.
 */
export function settingsProblems(store: Store, change: Record<string, unknown>, refused: FieldProblem, tr: PageTranslator): FieldProblem[] {
  const parsed = storeSettingsSchema.safeParse(mergeSettings(store.settings, change))
  if (parsed.success)
    return [{ field: refused.field, message: refused.field ? `${labelOf(refused.field, tr)}: ${refused.message}` : refused.message }]
  return parsed.error.issues.map((issue) => sentence(issue, tr))
}
