import type { Outcome } from '../domain/order.js'
import type { StoreSettings } from '../domain/settings.js'
import { translator } from '../i18n/index.js'

/** What a message says about its order: the shop, the order's name, and its total as the store's shoppers write money. */
export interface OrderFacts {
  shop: string
  order: string
  total: string
}

/** The words our messages answer a reply with (src/i18n catalogs' `message`). */
export type ReplyText = 'choices' | 'thanksConfirmed' | 'thanksCancelled' | 'closed' | 'stopped'

/** An order's facts for its messages, in the store's language. */
export function orderFacts(
  order: { name: string; total: string; currency: string },
  settings: Pick<StoreSettings, 'companyName' | 'language'>,
): OrderFacts {
  return { shop: settings.companyName, order: order.name, total: translator(settings.language).money(order.total, order.currency) }
}

/** The WhatsApp template's variables: {{1}} the shop, {{2}} the order, {{3}} its total (README: the template). */
export const templateVariables = (facts: OrderFacts): Record<string, string> => ({ 1: facts.shop, 2: facts.order, 3: facts.total })

const fill = (text: string, values: Record<string, string>) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, key: string) => values[key] ?? m)

/** What our record of a WhatsApp template says was sent (Twilio fills the template in; its text is the merchant's). */
export function askSummary(facts: OrderFacts, settings: Pick<StoreSettings, 'language'>): string {
  return translator(settings.language).t('message.ask', { ...facts })
}

/**
 * The SMS that asks: the store's own text for its language, else ours, with the answer page's link.
 *
 * @example
 * smsText(facts, settings, 'https://confirm.dyqani.al/a/…')
 * // → 'Dyqani Lule: ju telefonuam per porosine #1001 (2.500 L). Konfirmoni ose anuloni ketu: https://… ose pergjigjuni 1 …'
 */
export function smsText(facts: OrderFacts, settings: Pick<StoreSettings, 'language' | 'messaging'>, link: string): string {
  const { language, t } = translator(settings.language)
  const own = settings.messaging.smsText[language]
  const values = { ...facts, link }
  return own ? fill(own, values) : t('message.sms', values)
}

/** Our answer to a reply, in the store's language. */
export function replyText(key: ReplyText, facts: OrderFacts, settings: Pick<StoreSettings, 'language'>, outcome?: Outcome): string {
  const { t } = translator(settings.language)
  return t(`message.${key}`, { ...facts, outcome: outcome ? t(`outcome.${outcome}`) : '' })
}
