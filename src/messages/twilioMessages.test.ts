import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../../test/support/wait.js'
import { createTwilioClient, type TwilioAccount, type TwilioClient } from '../calls/twilio.js'
import { startTwilioSimulator, type TwilioSimulator } from '../sandbox/twilio/simulator.js'
import { inboundMessage, isStatusAdvance, messageStatus, sendSms, sendWhatsAppTemplate } from './twilioMessages.js'

const ACCOUNT = `AC${'6'.repeat(32)}`
const TOKEN = 'messages-client-auth-token'
const FROM = '+35542000000'
// Nobody listens here: the simulator keeps what it would have posted, which is what these tests read.
const NOWHERE = 'http://127.0.0.1:9/twilio/messages'

let sim: TwilioSimulator
let client: TwilioClient
let account: TwilioAccount
let templateSid: string

/** The status callbacks the simulator sent for a message, once it has sent `until` of them. */
const callbacksOf = async (sid: string, count: number) => {
  const message = () => sim.messaging.list.find((m) => m.sid === sid)!
  await until(() => message().callbacks.length >= count)
  return message().callbacks
}

beforeAll(async () => {
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [FROM], timeScale: 0.05, allowedSmsCountries: ['AL', 'XK'] })
  account = { accountSid: ACCOUNT, authToken: TOKEN, fromNumber: FROM, apiOrigin: sim.origin }
  client = createTwilioClient(account)
  const template = await client.content.v1.contents.create({
    friendly_name: 'order_confirmation_sq',
    language: 'sq',
    variables: { 1: 'Dyqani', 2: '#1' },
    types: { 'twilio/quick-reply': { body: '{{1}}: konfirmoni porosinë {{2}}?', actions: [{ title: 'Konfirmo', id: 'confirm' }] } },
  } as never)
  templateSid = template.sid
})
afterAll(() => sim.close())

/** Our order template to `to`, its variables left to the template's samples. */
const sendTemplate = (to: string) => sendWhatsAppTemplate(client, account, { to, contentSid: templateSid, variables: {}, statusCallback: NOWHERE })

describe('sending WhatsApp templates and SMS through the twilio package', () => {
  it('sends a WhatsApp template from our number, the variables as Twilio takes them, and says what Twilio said', async () => {
    const result = await sendWhatsAppTemplate(client, account, {
      to: '+355691230001',
      contentSid: templateSid,
      variables: { 1: 'Rroba Tirana', 2: '#1042' },
      statusCallback: `${NOWHERE}/status/1`,
    })
    expect(result).toMatchObject({ sent: true, status: 'queued', channel: 'whatsapp' })
    const sent = sim.messaging.list.find((m) => result.sent && m.sid === result.sid)!
    expect(sent.params).toMatchObject({
      To: 'whatsapp:+355691230001',
      From: `whatsapp:${FROM}`,
      ContentSid: templateSid,
      StatusCallback: `${NOWHERE}/status/1`,
    })
    expect(JSON.parse(sent.params.ContentVariables!)).toEqual({ 1: 'Rroba Tirana', 2: '#1042' })
    expect(sent.body).toBe('Rroba Tirana: konfirmoni porosinë #1042?')
  })

  it('sends an SMS through a Messaging Service when given one, naming no From', async () => {
    const service = `MG${'b'.repeat(32)}`
    const result = await sendSms(client, account, {
      to: '+355691230002',
      body: 'Porosia juaj',
      statusCallback: NOWHERE,
      messagingServiceSid: service,
    })
    expect(result).toMatchObject({ sent: true, status: 'accepted', channel: 'sms' })
    const sent = sim.messaging.list.find((m) => result.sent && m.sid === result.sid)!
    expect(sent.params.MessagingServiceSid).toBe(service)
    expect(sent.params.From).toBeUndefined()
  })

  it('turns an SMS to a number that said STOP into an opted-out refusal that is not retried', async () => {
    await sendSms(client, account, { to: '+355691230003', body: 'Porosia juaj', statusCallback: NOWHERE })
    await sim.messaging.reply('+355691230003', { text: 'STOP' })
    expect(await sendSms(client, account, { to: '+355691230003', body: 'Porosia juaj', statusCallback: NOWHERE })).toEqual({
      sent: false,
      refusal: 'opted_out',
      code: 21610,
      retry: false,
    })
  })

  it('names a number Twilio cannot write to invalid, and a region not enabled unreachable', async () => {
    expect(await sendSms(client, account, { to: '+3556', body: 'x', statusCallback: NOWHERE })).toMatchObject({
      sent: false,
      refusal: 'invalid_number',
      code: 21211,
    })
    expect(await sendSms(client, account, { to: '+4915112345678', body: 'x', statusCallback: NOWHERE })).toMatchObject({
      sent: false,
      refusal: 'unreachable',
      code: 21408,
    })
  })

  it('retries what Twilio refused for the moment: too many requests, a 5xx, no answer at all', async () => {
    sim.messaging.refuseNextCreates(1, { status: 429, code: 20429, message: 'Too Many Requests' })
    expect(await sendSms(client, account, { to: '+355691230004', body: 'x', statusCallback: NOWHERE })).toEqual({
      sent: false,
      refusal: 'transient',
      code: 20429,
      retry: true,
    })
    sim.messaging.refuseNextCreates(1, { status: 503, code: 20503, message: 'Service Unavailable' })
    expect(await sendSms(client, account, { to: '+355691230004', body: 'x', statusCallback: NOWHERE })).toMatchObject({
      refusal: 'transient',
      retry: true,
    })
    const closed = createTwilioClient({ ...account, apiOrigin: 'http://127.0.0.1:9' })
    expect(await sendSms(closed, account, { to: '+355691230004', body: 'x', statusCallback: NOWHERE })).toEqual({
      sent: false,
      refusal: 'transient',
      code: undefined,
      retry: true,
    })
  })

  it('names our own setup, not the customer, when the template or the sender is wrong', async () => {
    const unknownTemplate = await sendWhatsAppTemplate(client, account, {
      to: '+355691230005',
      contentSid: `HX${'0'.repeat(32)}`,
      variables: {},
      statusCallback: NOWHERE,
    })
    expect(unknownTemplate).toMatchObject({ sent: false, refusal: 'configuration', retry: false })
    const notOurs = await sendSms(client, account, { to: '+355691230005', body: 'x', statusCallback: NOWHERE, from: '+35542234567' })
    expect(notOurs).toMatchObject({ sent: false, refusal: 'configuration', retry: false })
  })
})

describe("reading Twilio's status callbacks", () => {
  it('reads a WhatsApp message to a number with no account as failed for want of WhatsApp, so the SMS goes next', async () => {
    sim.messaging.reach('+355691230010', { whatsapp: false })
    const result = await sendTemplate('+355691230010')
    const [failed] = await callbacksOf(result.sent ? result.sid : '', 1)
    expect(messageStatus(failed!.params)).toMatchObject({
      channel: 'whatsapp',
      status: 'failed',
      arrived: false,
      refusal: 'not_on_whatsapp',
      errorCode: 63003,
    })
  })

  it('reads delivered and read as arrived, and never lets a late callback move a message back', async () => {
    const result = await sendTemplate('+355691230011')
    const events = (await callbacksOf(result.sent ? result.sid : '', 3)).map((c) => messageStatus(c.params))
    expect(events.map((e) => [e.status, e.arrived, e.refusal])).toEqual([
      ['sent', false, undefined],
      ['delivered', true, undefined],
      ['read', true, undefined],
    ])
    let current: string | null = null
    for (const next of ['delivered', 'sent', 'read', 'delivered', 'read']) if (isStatusAdvance(current, next)) current = next
    expect(current).toBe('read')
    expect(isStatusAdvance('sent', 'undelivered')).toBe(true)
    expect(isStatusAdvance('delivered', 'undelivered')).toBe(false)
  })

  it('reads an SMS to a landline as unreachable, so another channel is tried', async () => {
    sim.messaging.reach('+35542234568', { sms: false })
    const result = await sendSms(client, account, { to: '+35542234568', body: 'Porosia juaj', statusCallback: NOWHERE })
    const callbacks = await callbacksOf(result.sent ? result.sid : '', 2)
    expect(messageStatus(callbacks[1]!.params)).toMatchObject({ channel: 'sms', status: 'undelivered', refusal: 'unreachable', errorCode: 30006 })
  })
})

describe("reading customers' replies", () => {
  it('reads a button tap: the customer, the payload, and which of our messages it answers', async () => {
    const result = await sendTemplate('+355691230020')
    sim.messaging.webhook(FROM, `${NOWHERE}/inbound`)
    const reply = await sim.messaging.reply('+355691230020', { button: { payload: 'confirm', text: 'Konfirmo' } })
    expect(inboundMessage(reply.callbacks[0]!.params)).toEqual({
      sid: reply.sid,
      channel: 'whatsapp',
      from: '+355691230020',
      to: FROM,
      text: 'Konfirmo',
      buttonPayload: 'confirm',
      repliedToSid: result.sent ? result.sid : undefined,
      optOut: undefined,
    })
  })

  it('reads a typed SMS reply as text, and STOP as Twilio’s opt-out', async () => {
    await sendSms(client, account, { to: '+355691230021', body: 'Përgjigjuni 1 ose 2', statusCallback: NOWHERE })
    sim.messaging.webhook(FROM, `${NOWHERE}/inbound`)
    const typed = await sim.messaging.reply('+355691230021', { text: ' po ' })
    expect(inboundMessage(typed.callbacks[0]!.params)).toMatchObject({
      channel: 'sms',
      from: '+355691230021',
      text: ' po ',
      buttonPayload: undefined,
      optOut: undefined,
    })
    const stop = await sim.messaging.reply('+355691230021', { text: 'Stop' })
    expect(inboundMessage(stop.callbacks[0]!.params).optOut).toBe('STOP')
  })
})
