import { and, eq, ne } from 'drizzle-orm'
import { type CallAgainDeps, planCallAgain, reopenForCall } from '../calls/callAgain.js'
import { orders } from '../db/schema.js'
import type { DialWaitReason } from '../domain/dialPolicy.js'
import { type Marked, storedEvidence } from '../domain/evidence.js'
import { maskPhone, parsePhone } from '../domain/phone.js'
import { noteWords } from '../i18n/index.js'
import { queueStoreWrite, retryFailedStoreWrites } from '../stores/outbox.js'
import type { Store } from '../stores/records.js'
import type { Logger } from '../utils/log.js'
import { type Actor, addOrderNote, MAX_NOTE_CHARS } from './orderNotes.js'
import type { ActionRefusal } from './refusals.js'
import { inReviewQueue, REVIEW_OUTCOMES } from './reviewQueue.js'

/** What a person can do to an order from the dashboard. */
export const ORDER_ACTIONS = ['call_again', 'confirm', 'cancel', 'fix_phone', 'note', 'write_again'] as const
export type OrderAction = (typeof ORDER_ACTIONS)[number]
/** The actions the review queue applies to every selected order at once. */
export const BULK_ACTIONS = ['call_again', 'confirm', 'cancel'] as const satisfies readonly OrderAction[]

export type OrderRow = typeof orders.$inferSelect

export interface OrderActionDeps extends CallAgainDeps {
  log: Logger
  wakeScheduler: () => void
  wakeStoreWriter: () => void
}

/** What an action did, for the page to say. */
export type ActionResult =
  | {
      ok: true
      did: 'called'
      /** When the call goes out, and why not at once, as the dial policy decided. */
      at: number
      waitReason: DialWaitReason | null
      pausedForService: boolean
      awaitingApproval: boolean
      /** The number is the one a person just gave. */
      newNumber: boolean
    }
  | { ok: true; did: 'marked'; outcome: 'confirmed' | 'cancelled' }
  | { ok: true; did: 'noted' }
  | { ok: true; did: 'rewritten'; writes: number }
  /**
   * Nothing changed: `status` 400 for a form filled in wrong, 409 for an order that cannot take
   * the action now; `refusal` says why, as facts the page puts in its reader's language.
   */
  | { ok: false; status: 400 | 409; refusal: ActionRefusal }

type Refused = Extract<ActionResult, { ok: false }>
const refuse = (status: 400 | 409, refusal: ActionRefusal): Refused => ({ ok: false, status, refusal })

/** Why an order cannot take an action that needs it in the review queue, as it stands now. */
function whyNot(order: OrderRow | undefined): Refused {
  if (!order) return refuse(409, { kind: 'gone' })
  if (order.redactedAt !== null) return refuse(409, { kind: 'erased' })
  if (order.status === 'calling') return refuse(409, { kind: 'calling' })
  if (order.status === 'queued') return refuse(409, { kind: 'queued' })
  if (order.status === 'skipped') return refuse(409, { kind: 'skipped', skipReason: order.skipReason })
  return refuse(409, { kind: 'closed', outcome: order.outcome })
}

/**
 * Acts on one order for a person on the dashboard (`by`: the merchant of its store, or the
 * operator); the caller has checked that they may see it. Every action decides and writes in
 * one transaction, guarded by the order's state in the same statement, so a form sent twice,
 * or an order that changed meanwhile, gets a refusal and nothing changes:
 *
 * - `call_again`: back in the call queue, by the scheduler's rules (calls/callAgain.ts).
 * - `fix_phone`: the same, at a number read as intake reads one (libphonenumber, the store's
 *   callable countries, a customer's own line).
 * - `confirm` / `cancel`: the order's outcome, written to the store as a call's outcome is
 *   (tag, note, meta, the store's status mapping), with who marked it as its evidence.
 * - `note`: a line on the store's order (orders/orderNotes.ts).
 * - `write_again`: the order's failed store writes queued again.
 *
 * @example
 * await actOnOrder(deps, { order, store, by: 'merchant' }, 'confirm', {})
 * // → { ok: true, did: 'marked', outcome: 'confirmed' }
 */
export async function actOnOrder(
  deps: OrderActionDeps,
  target: { order: OrderRow; store: Store; by: Actor },
  action: OrderAction,
  input: { phone?: string | undefined; note?: string | undefined },
): Promise<ActionResult> {
  const { order, store, by } = target
  const fields = { orderId: order.id, storeId: order.storeId, by }
  if (order.redactedAt !== null) return whyNot(order)
  switch (action) {
    case 'call_again': {
      if (!order.phone) return refuse(409, { kind: 'noPhone' })
      return callAgain(deps, target, order.phone, order.phoneCountry)
    }
    case 'fix_phone': {
      const raw = input.phone?.trim() ?? ''
      if (!raw) return refuse(400, { kind: 'givePhone' })
      const countries = [...new Set([order.phoneCountry, store.country, ...store.settings.allowedCountries].filter((c): c is string => !!c))]
      const parsed = raw.length <= 40 ? parsePhone(raw, countries) : undefined
      if (!parsed) return refuse(400, { kind: 'notAPhone', countries })
      // The dial policy refuses a number that is not a customer's line or not in the store's countries: a number typed in wrong.
      const result = await callAgain(deps, target, parsed.e164, parsed.country ?? null, 400)
      if (result.ok) deps.log.info('phone number corrected on the dashboard', { ...fields, phone: maskPhone(parsed.e164) })
      return result.ok && result.did === 'called' ? { ...result, newNumber: parsed.e164 !== order.phone } : result
    }
    case 'confirm':
    case 'cancel':
      return mark(deps, target, action === 'confirm' ? 'confirmed' : 'cancelled')
    case 'note': {
      const text = input.note?.trim() ?? ''
      if (!text) return refuse(400, { kind: 'writeNote' })
      if (text.length > MAX_NOTE_CHARS) return refuse(400, { kind: 'noteTooLong', max: MAX_NOTE_CHARS, length: text.length })
      const added = addOrderNote(deps.db, order, { text, by, words: noteWords(store.settings.language) }, deps.now())
      if (!added.ok) return refuse(409, added.refusal)
      deps.log.info('note added on the dashboard', fields)
      deps.wakeStoreWriter()
      return { ok: true, did: 'noted' }
    }
    case 'write_again': {
      const writes = await retryFailedStoreWrites(deps.db, [order.id], deps.now())
      if (!writes) return refuse(409, { kind: 'nothingToWrite' })
      deps.log.info('failed store writes queued again from the dashboard', { ...fields, writes })
      deps.wakeStoreWriter()
      return { ok: true, did: 'rewritten', writes }
    }
  }
}

const current = (deps: OrderActionDeps, id: number) => deps.db.select().from(orders).where(eq(orders.id, id)).get()

/** `numberStatus`: the status of a refusal of the number itself (400 when a person just typed it). */
async function callAgain(
  deps: OrderActionDeps,
  target: { order: OrderRow; store: Store; by: Actor },
  phone: string,
  phoneCountry: string | null,
  numberStatus: 400 | 409 = 409,
) {
  const { order, store, by } = target
  if (order.status !== 'done' || !REVIEW_OUTCOMES.includes(order.outcome as (typeof REVIEW_OUTCOMES)[number])) return whyNot(order)
  const plan = await planCallAgain(deps, store, order.id, phone, phoneCountry)
  if (!plan.ok) return refuse(plan.refusal.kind === 'notALine' || plan.refusal.kind === 'otherCountry' ? numberStatus : 409, plan.refusal)
  const now = deps.now()
  if (!reopenForCall(deps.db, order, { at: plan.at, waitReason: plan.waitReason, phone, phoneCountry }, now))
    return whyNot(await current(deps, order.id))
  deps.log.info('order called again from the dashboard', { orderId: order.id, storeId: order.storeId, by, at: new Date(plan.at).toISOString() })
  deps.wakeStoreWriter()
  deps.wakeScheduler()
  const { at, waitReason, pausedForService, awaitingApproval } = plan
  return { ok: true, did: 'called', at, waitReason, pausedForService, awaitingApproval, newNumber: false } as const
}

async function mark(deps: OrderActionDeps, target: { order: OrderRow; by: Actor }, outcome: 'confirmed' | 'cancelled'): Promise<ActionResult> {
  const { order, by } = target
  const was = order.outcome ?? undefined
  // Facts, so the store's note says it in the store's language (and the API in English).
  const facts: Marked = { kind: 'marked', outcome, by, ...(was && { was }) }
  const evidence = storedEvidence(facts)
  const now = deps.now()
  const marked = deps.db.transaction(() => {
    const done = deps.db
      .update(orders)
      .set({ status: 'done', outcome, evidence, nextCallAt: null, waitReason: null, updatedAt: now })
      // Not while a call is on: its answer is the customer's own and settles the order itself.
      .where(and(eq(orders.id, order.id), ne(orders.status, 'calling'), inReviewQueue))
      .returning({ id: orders.id })
      .all()
    if (done.length) queueStoreWrite(deps.db, { orderId: order.id, storeId: order.storeId, kind: 'outcome' }, now)
    return done.length > 0
  })
  if (!marked) return whyNot(await current(deps, order.id))
  deps.log.info('order marked on the dashboard', { orderId: order.id, storeId: order.storeId, by, outcome, was })
  deps.wakeStoreWriter()
  return { ok: true, did: 'marked', outcome }
}
