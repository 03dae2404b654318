import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { until } from '../../../test/support/wait.js'
import { createTwilioClient, isSignedByTwilio, type TwilioClient, twilioErrorCode, twilioHttpStatus } from '../../calls/twilio.js'
import { smsSegments } from './messaging.js'
import { SIMULATED_SMS_PRICES } from './pricing.js'
import { startTwilioSimulator, type TwilioSimulator } from './simulator.js'

const ACCOUNT = `AC${'4'.repeat(32)}`
const TOKEN = 'messaging-sim-auth-token'
const FROM = '+35542000000'

/** Our side of Twilio: every webhook it posts, and whether its signature holds. */
let receiver: Server
let publicUrl: string
const hooks: Array<{ path: string; params: Record<string, string>; valid: boolean }> = []
let sim: TwilioSimulator
let client: TwilioClient

const statusesAt = (path: string) => hooks.filter((h) => h.path === path).map((h) => h.params.MessageStatus)
const refusal = (request: Promise<unknown>) =>
  request.then(
    () => 'answered',
    (error: unknown) => ({ status: twilioHttpStatus(error), code: twilioErrorCode(error) }),
  )

let seq = 0
/** A status callback URL of its own for each message, so a test reads only its message's callbacks. */
const callbackPath = () => `/twilio/messages/status/${++seq}`

/** The quick-reply template the flow will send: two buttons, the shop and the order as variables. */
const createTemplate = () =>
  client.content.v1.contents.create({
    friendly_name: 'order_confirmation_sq',
    language: 'sq',
    variables: { 1: 'Dyqani', 2: '#1001' },
    types: {
      'twilio/quick-reply': {
        body: 'Përshëndetje nga {{1}}! A e konfirmoni porosinë {{2}}?',
        actions: [
          { title: 'Konfirmo', id: 'confirm' },
          { title: 'Anulo', id: 'cancel' },
        ],
      },
    },
  } as never)

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body))
      hooks.push({
        path: req.url!,
        params,
        valid: isSignedByTwilio(TOKEN, req.headers['x-twilio-signature'] as string | undefined, `${publicUrl}${req.url}`, params),
      })
      if (req.url === '/twilio/messages/inbound') res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>')
      else res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  publicUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: TOKEN, fromNumbers: [FROM], timeScale: 0.05, allowedSmsCountries: ['AL', 'XK'] })
  sim.messaging.webhook(FROM, `${publicUrl}/twilio/messages/inbound`)
  client = createTwilioClient({ accountSid: ACCOUNT, authToken: TOKEN, fromNumber: FROM, apiOrigin: sim.origin })
})
afterAll(async () => {
  await sim.close()
  await new Promise((r) => receiver.close(r))
})
beforeEach(() => {
  hooks.length = 0
})

describe('WhatsApp template messages through the simulated Messaging API', () => {
  it('goes sent, delivered and read, each status callback signed and in WhatsApp’s form, with the template filled in', async () => {
    const template = await createTemplate()
    const path = callbackPath()
    const created = await client.messages.create({
      to: 'whatsapp:+355691110001',
      from: `whatsapp:${FROM}`,
      contentSid: template.sid,
      contentVariables: JSON.stringify({ 1: 'Rroba Tirana', 2: '#1042' }),
      statusCallback: `${publicUrl}${path}`,
    })
    expect(created.sid).toMatch(/^MM[0-9a-f]{32}$/)
    expect(created.status).toBe('queued')
    expect(created.body).toBe('Përshëndetje nga Rroba Tirana! A e konfirmoni porosinë #1042?')
    expect(created.dateCreated).toBeInstanceOf(Date)

    await until(() => statusesAt(path).includes('read'))
    await sim.settled()
    expect(statusesAt(path)).toEqual(['sent', 'delivered', 'read'])
    const ours = hooks.filter((h) => h.path === path)
    expect(ours.every((h) => h.valid)).toBe(true)
    expect(ours[0]!.params).toMatchObject({
      MessageSid: created.sid,
      To: 'whatsapp:+355691110001',
      ChannelPrefix: 'whatsapp',
      ChannelToAddress: '+355691110001',
    })
    expect(ours[2]!.params.EventType).toBe('READ')

    const fetched = await client.messages(created.sid).fetch()
    expect(fetched.status).toBe('read')
    expect(fetched.dateSent).toBeInstanceOf(Date)
    expect(Number(fetched.price)).toBeLessThan(0)
  })

  it('fails a message to a number with no WhatsApp account with 63003, in the callback and on the resource', async () => {
    const template = await createTemplate()
    sim.messaging.reach('+355691110002', { whatsapp: false })
    const path = callbackPath()
    const created = await client.messages.create({
      to: 'whatsapp:+355691110002',
      from: `whatsapp:${FROM}`,
      contentSid: template.sid,
      statusCallback: `${publicUrl}${path}`,
    })
    await until(() => statusesAt(path).length > 0)
    expect(hooks.find((h) => h.path === path)!.params).toMatchObject({ MessageStatus: 'failed', ErrorCode: '63003' })
    expect(hooks.find((h) => h.path === path)!.valid).toBe(true)
    expect((await client.messages(created.sid).fetch()).errorCode).toBe(63003)
  })

  it('fails free text outside the 24-hour window with 63016, and lets it through once the customer has written', async () => {
    const customer = '+355691110003'
    const free = async () => {
      const path = callbackPath()
      await client.messages.create({
        to: `whatsapp:${customer}`,
        from: `whatsapp:${FROM}`,
        body: 'Faleminderit!',
        statusCallback: `${publicUrl}${path}`,
      })
      await until(() => statusesAt(path).some((s) => s === 'failed' || s === 'delivered'))
      return hooks.find((h) => h.path === path && (h.params.MessageStatus === 'failed' || h.params.MessageStatus === 'delivered'))!.params
    }
    expect(await free()).toMatchObject({ MessageStatus: 'failed', ErrorCode: '63016' })
    await sim.messaging.reply(customer, { text: 'Përshëndetje' }, { channel: 'whatsapp' })
    expect((await free()).MessageStatus).toBe('delivered')
  })

  it("brings the customer's button tap to our webhook, signed, with the button's payload and the message it answers", async () => {
    const template = await createTemplate()
    const customer = '+355691110004'
    sim.messaging.reach(customer, { profileName: 'Arta' })
    const sent = await client.messages.create({ to: `whatsapp:${customer}`, from: `whatsapp:${FROM}`, contentSid: template.sid })
    const reply = await sim.messaging.reply(customer, { button: { payload: 'confirm', text: 'Konfirmo' } })
    expect(reply.callbacks[0]!.status).toBe(200)
    const inbound = hooks.find((h) => h.path === '/twilio/messages/inbound')!
    expect(inbound.valid).toBe(true)
    expect(inbound.params).toMatchObject({
      MessageSid: reply.sid,
      AccountSid: ACCOUNT,
      From: `whatsapp:${customer}`,
      To: `whatsapp:${FROM}`,
      Body: 'Konfirmo',
      ButtonPayload: 'confirm',
      ButtonText: 'Konfirmo',
      OriginalRepliedMessageSid: sent.sid,
      WaId: customer.slice(1),
      ProfileName: 'Arta',
      NumMedia: '0',
      SmsStatus: 'received',
    })
  })

  it('has a scripted customer answer the first message that reaches them on their channel, by themselves, and only that one', async () => {
    const template = await createTemplate()
    const customer = '+355691110012'
    // No WhatsApp: the template fails, and the customer answers the SMS that reaches them.
    sim.messaging.reach(customer, { whatsapp: false })
    sim.messaging.answerWhenDelivered(customer, 'sms', { text: '2' }, 10)
    await client.messages.create({ to: `whatsapp:${customer}`, from: `whatsapp:${FROM}`, contentSid: template.sid })
    await client.messages.create({ to: customer, from: FROM, body: 'Konfirmoni porosinë: 1 ose 2' })
    await until(() => hooks.some((h) => h.path === '/twilio/messages/inbound'))
    const inbound = hooks.filter((h) => h.path === '/twilio/messages/inbound')
    expect(inbound.map((h) => h.params)).toMatchObject([{ From: customer, To: FROM, Body: '2' }])
    expect(inbound[0]!.valid).toBe(true)
    // A second SMS gets no second answer: the script had one.
    const again = await client.messages.create({ to: customer, from: FROM, body: 'Faleminderit' })
    await until(() => sim.messaging.list.find((m) => m.sid === again.sid)?.status === 'delivered')
    await new Promise((r) => setTimeout(r, 100))
    expect(sim.messaging.list.filter((m) => m.direction === 'inbound' && m.from === customer)).toHaveLength(1)
  })

  it('refuses a Content template in the SDK’s camelCase, as Twilio does, and one it does not have', async () => {
    const camel = client.content.v1.contents.create({ friendlyName: 'x', language: 'sq', types: { twilioText: { body: 'x' } } } as never)
    expect(await refusal(camel)).toMatchObject({ status: 400 })
    const unknown = client.messages.create({ to: 'whatsapp:+355691110005', from: `whatsapp:${FROM}`, contentSid: `HX${'0'.repeat(32)}` })
    expect(await refusal(unknown)).toEqual({ status: 400, code: 21655 })
  })
})

describe('SMS through the simulated Messaging API', () => {
  it('counts an Albanian text with ë in UCS-2 segments and prices each segment once sent', async () => {
    const body = 'Përshëndetje! Konfirmoni porosinë tuaj #1001 te Dyqani: https://example.test/c/abc ose përgjigjuni 1 / 2.'
    const path = callbackPath()
    const created = await client.messages.create({ to: '+355691110010', from: FROM, body, statusCallback: `${publicUrl}${path}` })
    expect(created.sid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(Number(created.numSegments)).toBe(Math.ceil(body.length / 67))
    await until(() => statusesAt(path).includes('delivered'))
    expect(statusesAt(path)).toEqual(['sent', 'delivered'])
    const delivered = hooks.find((h) => h.params.MessageStatus === 'delivered')!
    expect(delivered.params.RawDlrDoneDate).toMatch(/^\d{10}$/)
    const fetched = await client.messages(created.sid).fetch()
    expect(Number(fetched.price)).toBeCloseTo(-Number(created.numSegments) * SIMULATED_SMS_PRICES.AL!.carriers[0]!.perSegment, 5)
  })

  it('keeps plain GSM-7 text to 160 characters a segment', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1)
    expect(smsSegments('a'.repeat(161))).toBe(2)
    expect(smsSegments(`${'a'.repeat(69)}ë`)).toBe(1)
    expect(smsSegments(`${'a'.repeat(70)}ë`)).toBe(2)
  })

  it('reports an SMS to a landline undelivered with 30006', async () => {
    sim.messaging.reach('+35542234567', { sms: false })
    const path = callbackPath()
    await client.messages.create({ to: '+35542234567', from: FROM, body: 'Porosia juaj', statusCallback: `${publicUrl}${path}` })
    await until(() => statusesAt(path).includes('undelivered'))
    expect(hooks.find((h) => h.params.MessageStatus === 'undelivered')!.params.ErrorCode).toBe('30006')
  })

  it('refuses SMS to a number that texted STOP with 21610, passes STOP on to our webhook, and takes START back', async () => {
    const customer = '+355691110011'
    await client.messages.create({ to: customer, from: FROM, body: 'Porosia juaj' })
    await sim.messaging.reply(customer, { text: 'stop' })
    expect(hooks.find((h) => h.path === '/twilio/messages/inbound')!.params).toMatchObject({ Body: 'stop', OptOutType: 'STOP', From: customer })
    expect(await refusal(client.messages.create({ to: customer, from: FROM, body: 'Edhe një herë' }))).toEqual({ status: 400, code: 21610 })
    await sim.messaging.reply(customer, { text: 'START' })
    expect(await refusal(client.messages.create({ to: customer, from: FROM, body: 'Edhe një herë' }))).toBe('answered')
  })

  it("refuses what Twilio refuses at the door: a bad 'To', a region not enabled, a From not on the account, mixed channels", async () => {
    expect(await refusal(client.messages.create({ to: '+3556', from: FROM, body: 'x' }))).toEqual({ status: 400, code: 21211 })
    expect(await refusal(client.messages.create({ to: '+4915112345678', from: FROM, body: 'x' }))).toEqual({ status: 400, code: 21408 })
    expect(await refusal(client.messages.create({ to: '+355691110012', from: '+35542999999', body: 'x' }))).toEqual({ status: 400, code: 21606 })
    expect(await refusal(client.messages.create({ to: 'whatsapp:+355691110012', from: FROM, body: 'x' }))).toEqual({ status: 400, code: 21910 })
  })

  it('sends through a Messaging Service: accepted at first, then the sender it picked', async () => {
    const path = callbackPath()
    const service = `MG${'a'.repeat(32)}`
    const created = await client.messages.create({
      to: '+38344123456',
      messagingServiceSid: service,
      body: 'Porosia juaj',
      statusCallback: `${publicUrl}${path}`,
    })
    expect(created.status).toBe('accepted')
    expect(created.messagingServiceSid).toBe(service)
    await until(() => statusesAt(path).includes('delivered'))
    expect(statusesAt(path)).toEqual(['queued', 'sent', 'delivered'])
    expect(hooks.find((h) => h.path === path)!.params.From).toBe(FROM)
  })
})

describe("the Messaging API's bad days", () => {
  it('sends a message’s callbacks twice and out of order when asked', async () => {
    sim.messaging.badDay({ to: '+355691110020', twice: true, outOfOrder: true })
    const path = callbackPath()
    await client.messages.create({ to: '+355691110020', from: FROM, body: 'Porosia juaj', statusCallback: `${publicUrl}${path}` })
    await until(() => statusesAt(path).length === 4)
    expect(statusesAt(path)).toEqual(['delivered', 'delivered', 'sent', 'sent'])
  })

  it('lets callbacks come late, after the reply they would have preceded', async () => {
    sim.messaging.badDay({ to: '+355691110021', lateMs: 1000 })
    const path = callbackPath()
    await client.messages.create({ to: '+355691110021', from: FROM, body: 'Porosia juaj', statusCallback: `${publicUrl}${path}` })
    await sim.messaging.reply('+355691110021', { text: '1' })
    await until(() => statusesAt(path).includes('delivered'))
    expect(hooks.map((h) => h.params.MessageStatus ?? h.params.Body)).toEqual(['1', 'sent', 'delivered'])
  })

  it('refuses the next creates with the error body asked for', async () => {
    sim.messaging.refuseNextCreates(1, { status: 429, code: 20429, message: 'Too Many Requests' })
    expect(await refusal(client.messages.create({ to: '+355691110022', from: FROM, body: 'x' }))).toEqual({ status: 429, code: 20429 })
    expect(await refusal(client.messages.create({ to: '+355691110022', from: FROM, body: 'x' }))).toBe('answered')
  })
})

describe("the simulated account's Messaging Pricing API", () => {
  it("prices an SMS segment to each of Albania's and Kosovo's mobile networks", async () => {
    for (const iso of ['AL', 'XK'] as const) {
      const country = await client.pricing.v1.messaging.countries(iso).fetch()
      expect(country.isoCountry).toBe(iso)
      expect(country.outboundSmsPrices.map((row) => `${row.mcc}-${row.mnc}`)).toEqual(
        SIMULATED_SMS_PRICES[iso]!.carriers.map((c) => `${c.mcc}-${c.mnc}`),
      )
      // The SDK passes each network's `prices` on as Twilio sent them, snake_case and all, whatever its typings say.
      const [first] = country.outboundSmsPrices[0]!.prices as unknown as Array<{ current_price: string; number_type: string }>
      expect(first).toMatchObject({ number_type: 'mobile' })
      expect(Number(first!.current_price)).toBe(SIMULATED_SMS_PRICES[iso]!.carriers[0]!.perSegment)
    }
    expect(await refusal(client.pricing.v1.messaging.countries('ZZ').fetch())).toEqual({ status: 404, code: 20404 })
  })
})
