import type { TwilioSimulator } from './twilio/simulator.js'

/**
 * The sample stores' WhatsApp template, as a merchant makes it in Twilio's Content Template
 * Builder (README: "Setting up the WhatsApp sender and template"): a quick reply in Albanian,
 * `{{1}}` the shop, `{{2}}` the order, `{{3}}` its total, and the two buttons whose ids the
 * replies are read by (`confirm`, `cancel`).
 */
const ORDER_TEMPLATE = {
  friendly_name: 'callconfirm_order_sq',
  language: 'sq',
  variables: { 1: 'Dyqani Demo', 2: '#1001', 3: '2.500 L' },
  types: {
    'twilio/quick-reply': {
      body: '{{1}}: ju lutemi konfirmoni porosinë {{2}} ({{3}}).',
      actions: [
        { title: 'Konfirmo', id: 'confirm' },
        { title: 'Anulo', id: 'cancel' },
      ],
    },
  },
}

/**
 * Creates the order template through the simulated account's Content API (the simulator
 * approves it for WhatsApp at once) and answers its Content SID (`HX…`).
 *
 * @example
 * const contentSid = await createOrderTemplate(twilio)
 */
export async function createOrderTemplate(twilio: TwilioSimulator): Promise<string> {
  const { accountSid, authToken } = twilio.credentials()
  const res = await fetch(`${twilio.origin}/v1/Content`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`, 'content-type': 'application/json' },
    body: JSON.stringify(ORDER_TEMPLATE),
  })
  if (res.status !== 201) throw new Error(`creating the WhatsApp template failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { sid: string }).sid
}
