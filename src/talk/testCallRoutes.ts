import { Hono, type MiddlewareHandler } from 'hono'
import { maskCallSid, placeCall, TERMINAL_CALL_STATUSES, twilioErrorCode } from '../calls/twilio.js'
import type { DashboardAccess } from '../dashboard/extras.js'
import type { DashboardEnv } from '../dashboard/session.js'
import type { AppDeps } from '../deps.js'
import { lineTypeRefusal, maskPhone, parsePhone } from '../domain/phone.js'
import { problemPage } from '../pages/layout.js'
import { findStore } from '../stores/records.js'
import { ApiError } from '../utils/errors.js'
import { formBody } from '../utils/formBody.js'
import { sampleOrderFacts } from './sampleOrder.js'
import { BUSY_WORDS } from './talkPage.js'
import type { TalkSocketDeps } from './talkSocket.js'
import { TEST_CALLS_PER_DAY, type TestCalls } from './testCalls.js'
import type { TestConversations } from './testConversations.js'

export type TestCallDeps = TalkSocketDeps & Pick<AppDeps, 'streamKeys'> & { publicUrl: string; testCalls: TestCalls }

/**
 * `POST /talk/call` ("Call me"): a real call to the merchant's own phone, placed as the dialer
 * places every call (calls/twilio.ts's placeCall: the same TwiML, stream, callbacks and time
 * limits), about the sample order, its stream answered by the test calls' ledger; `GET
 * /talk/calls/:id` is how the call stands, for the page that placed it. The number must be one the
 * store may call (its allowed countries) and a person's own line (no premium-rate or service
 * numbers: toll fraud); one test conversation per store at a time, TEST_CALLS_PER_DAY a day.
 *
 * @example
 * app.route('/talk', testCallRoutes(deps, conversations, access))
 */
export function testCallRoutes(deps: TestCallDeps, conversations: TestConversations, access: DashboardAccess) {
  const app = new Hono<DashboardEnv>()

  app.post('/call', async (c) => {
    const viewer = c.var.viewer
    const form = await formBody(c)
    const storeId = typeof form.store === 'string' ? form.store : ''
    const shown = (await access.visibleStores(viewer)).find((s) => s.id === storeId)
    const store = shown && (await findStore(deps.db, shown.id, deps.storeDefaults))
    if (!store) throw new ApiError(404, 'store_not_found', 'There is no such store.')
    const back = `/talk?store=${encodeURIComponent(store.id)}`
    const phone = parsePhone(typeof form.phone === 'string' ? form.phone : '', store.settings.allowedCountries)
    if (!phone?.country || !store.settings.allowedCountries.includes(phone.country))
      return problemPage(c, 400, 'That number cannot be called', "Give your own phone number, in one of the store's calling countries.", back)
    const refusal = lineTypeRefusal(phone.e164)
    if (refusal) return problemPage(c, 400, 'That number cannot be called', 'Give your own mobile or landline number.', back)
    const place = conversations.occupy(store.id)
    if (typeof place === 'string') return problemPage(c, 409, 'Not now', BUSY_WORDS[place], back)
    if (!deps.testCalls.allowToday(store.id, deps.now())) {
      place()
      return problemPage(
        c,
        429,
        'No more test calls today',
        `A store may place ${TEST_CALLS_PER_DAY} test calls a day. Talk to the agent in the browser instead.`,
        back,
      )
    }
    const facts = await sampleOrderFacts(deps.db, store)
    const { attemptId, streamToken, drop } = deps.testCalls.add({
      viewer,
      context: { callSid: null, streamBegun: false, settings: store.settings, facts },
      release: place,
    })
    try {
      const call = await placeCall(deps.twilio.client, deps.twilio.account, {
        to: phone.e164,
        attemptId,
        streamToken,
        streamKey: deps.streamKeys.key(attemptId),
        publicUrl: deps.publicUrl,
      })
      deps.log.info('test call placed', { storeId: store.id, callSid: maskCallSid(call.sid), phone: maskPhone(phone.e164) })
    } catch (error) {
      drop()
      // Twilio's code, not its message: for some codes (21219) the message names the number.
      deps.log.warn('test call not placed', { storeId: store.id, phone: maskPhone(phone.e164), code: twilioErrorCode(error) })
      return problemPage(c, 502, 'The call could not be placed', 'Twilio did not place the call. Try again in a moment.', back)
    }
    return c.redirect(`${back}&call=${encodeURIComponent(attemptId)}`, 303)
  })

  app.get('/calls/:id', (c) => {
    const view = deps.testCalls.view(c.req.param('id'), c.var.viewer)
    if (!view) throw new ApiError(404, 'call_not_found', 'There is no such test call.')
    return c.json(view)
  })

  return app
}

/**
 * Twilio's signed callbacks for a test call (`/twilio/status/:attemptId`, `/twilio/amd/:attemptId`),
 * answered here with a 204 (there is no attempt to update, and a 404 would be an error in
 * Twilio's console); the call's end, if it never began, ends it for its page. Every other
 * callback goes on to the calls' own routes.
 *
 * @example
 * app.use('/twilio/status/*', testCallCallbacks(testCalls))
 */
export function testCallCallbacks(testCalls: TestCalls): MiddlewareHandler {
  return async (c, next) => {
    const attemptId = c.req.path.split('/').at(-1) ?? ''
    if (!testCalls.has(attemptId)) return next()
    const status = (await formBody(c)).CallStatus
    if (typeof status === 'string' && TERMINAL_CALL_STATUSES.has(status)) testCalls.callEnded(attemptId, status)
    return c.body(null, 204)
  }
}
