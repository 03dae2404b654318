import { eq } from 'drizzle-orm'
import { orders } from '../db/schema.js'
import { startOfLocalDay } from '../domain/callingWindow.js'
import { decideDial } from '../domain/dialPolicy.js'
import { maskPhone } from '../domain/phone.js'
import type { ReadStoreOrder } from '../stores/orderState.js'
import { findStore } from '../stores/records.js'
import { callsToNumberSince, recordAttempt, storeCallSid, updateAttempt } from './attempts.js'
import { callLog, closeOrder, releaseForRecovery, requeueOrder, stopCalling, type CallDeps } from './outcomes.js'
import { maskCallSid, placeCall, twilioErrorCode, twilioHttpStatus, type TwilioAccount, type TwilioClient } from './twilio.js'

export interface DialerDeps extends CallDeps {
  twilio: { client: TwilioClient; account: TwilioAccount }
  publicUrl: string
  readStoreOrder: ReadStoreOrder
}

/** Twilio refuses the number itself: it will never connect. */
const UNDIALLABLE_NUMBER = new Set([21211, 21214, 21217, 21401, 21407])
/** Twilio's geo permissions or the account's settings forbid calling it. */
const FORBIDDEN_NUMBER = new Set([21215, 21216, 13227])
/** How long to wait before trying again when Twilio refused to place a call for now (429, 4xx). */
const TWILIO_UNAVAILABLE_RETRY_MS = 60_000
/** How long before recovery looks for a call whose creation went unanswered. */
const RECOVERY_DELAY_MS = 60_000

/**
 * Dials one order the scheduler has claimed: checks the number against the store's policy
 * (allowed countries, calling hours, the day's limit per number), reads the order again from
 * the store (cancelled, fulfilled or already answered there: no call), records the attempt, and
 * only then asks Twilio to place the call.
 */
export async function dialOrder(deps: DialerDeps, orderId: number): Promise<void> {
  const now = deps.now()
  const order = await deps.db.select().from(orders).where(eq(orders.id, orderId)).get()
  if (!order || order.status !== 'calling') return
  const store = await findStore(deps.db, order.storeId, deps.storeDefaults)
  if (!store || !store.settings.enabled) return stopCalling(deps.db, orderId, 'store_disabled', now)
  if (!order.phone) return closeOrder(deps, orderId, 'invalid_phone', 'The order has no phone number.', now)

  const settings = store.settings
  const decision = decideDial(
    { now, phoneCountry: order.phoneCountry, callsToNumberToday: await callsToNumberSince(deps.db, order.phone, startOfLocalDay(now, settings.timezone)) },
    settings,
  )
  if (decision.action === 'refuse') {
    deps.log.warn('number outside the allowed countries; not dialled', { orderId, phone: maskPhone(order.phone) })
    return closeOrder(deps, orderId, 'failed', decision.evidence, now)
  }
  if (decision.action === 'wait') return requeueOrder(deps.db, orderId, decision.until, now)

  const inStore = await deps.readStoreOrder(store, order.platformOrderId)
  switch (inStore.state) {
    case 'cancelled':
      return stopCalling(deps.db, orderId, 'cancelled_in_store', now)
    case 'fulfilled':
      return stopCalling(deps.db, orderId, 'fulfilled_in_store', now)
    case 'answered':
      return stopCalling(deps.db, orderId, 'already_answered', now)
    case 'not_found':
      return stopCalling(deps.db, orderId, 'order_not_found', now)
    case 'access_revoked':
      return stopCalling(deps.db, orderId, 'store_access_revoked', now)
    case 'unreachable':
      // A store that cannot be asked should not stop the confirmation; the customer will say.
      deps.log.warn('could not read the order from the store; calling anyway', { orderId, reason: inStore.reason })
  }

  const { attempt, streamToken } = await recordAttempt(deps.db, orderId, now)
  const log = callLog(deps.log, attempt)
  try {
    const call = await placeCall(deps.twilio.client, deps.twilio.account, {
      to: order.phone,
      attemptId: attempt.id,
      streamToken,
      publicUrl: deps.publicUrl,
    })
    await storeCallSid(deps.db, attempt.id, call, deps.now())
    log.info('call placed', { attempt: attempt.number, callSid: maskCallSid(call.sid), phone: maskPhone(order.phone) })
  } catch (error) {
    const code = twilioErrorCode(error)
    const status = twilioHttpStatus(error)
    const message = error instanceof Error ? error.message : String(error)
    if (status === undefined || status >= 500) {
      // No clear answer (a timeout, a 5xx): the call may exist. Recovery asks Twilio for the calls
      // to this number before dialling again, so leave the attempt as it is and let the lease lapse.
      log.error('Twilio gave no clear answer to calls.create; recovery will check', { status, error: message })
      await updateAttempt(deps.db, attempt.id, { error: message, updatedAt: deps.now() })
      return releaseForRecovery(deps.db, orderId, deps.now() + RECOVERY_DELAY_MS)
    }
    await updateAttempt(deps.db, attempt.id, { status: 'not-placed', error: code ? `${code}: ${message}` : message, updatedAt: deps.now() })
    if (code !== undefined && UNDIALLABLE_NUMBER.has(code)) return closeOrder(deps, orderId, 'invalid_phone', `Twilio refused the number (${code}).`, deps.now())
    if (code !== undefined && FORBIDDEN_NUMBER.has(code))
      return closeOrder(deps, orderId, 'failed', `The Twilio account may not call this number (${code}); check its geo permissions.`, deps.now())
    log.error('Twilio did not place the call; trying again shortly', { code, status, error: message })
    return requeueOrder(deps.db, orderId, deps.now() + TWILIO_UNAVAILABLE_RETRY_MS, deps.now())
  }
}
