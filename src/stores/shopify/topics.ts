import { z } from 'zod'
import type { AppDeps } from '../../deps.js'
import { parsePhone } from '../../domain/phone.js'
import { acceptOrder, type IntakeDeps, intakeResponse } from '../../orders/intake.js'
import {
  type CustomerRef,
  customerDataReport,
  endRedactedCalls,
  type Redaction,
  recordPrivacyRequest,
  redactCustomer,
  redactShop,
} from '../../orders/privacy.js'
import { uninstallStore } from '../lifecycle.js'
import { id, parsePayload, text } from '../payload.js'
import type { DeliveryReceipt } from '../receipts.js'
import type { Store } from '../records.js'
import { normaliseShopifyOrder } from './order.js'

/** What the topics take: taking an order in, the database, and Twilio (a redaction hangs up its customers' calls). */
export type TopicDeps = IntakeDeps & Pick<AppDeps, 'db' | 'twilio'>

export interface TopicContext {
  deps: TopicDeps
  /** Undefined when the shop is not registered with us (its webhook was signed with the app secret). */
  store: Store | undefined
  shopDomain: string
  payload: unknown
  receipt: DeliveryReceipt | undefined
}

export type TopicResult = Record<string, unknown> & { status: string }
export type TopicHandler = (ctx: TopicContext) => Promise<TopicResult>

const unknownShop = (ctx: TopicContext): TopicResult => {
  ctx.deps.log.warn('shopify webhook for a shop that is not registered', { shop: ctx.shopDomain })
  return { status: 'ignored', reason: 'unknown_shop' }
}

const ordersCreate: TopicHandler = async (ctx) => {
  if (!ctx.store) return unknownShop(ctx)
  const order = normaliseShopifyOrder(ctx.payload)
  const result = await acceptOrder(ctx.deps, ctx.store, order, ctx.receipt)
  return intakeResponse(result)
}

const appUninstalled: TopicHandler = async (ctx) => {
  if (!ctx.store) return unknownShop(ctx)
  const result = await uninstallStore(ctx.deps.db, ctx.store.id, ctx.deps.now())
  ctx.deps.log.info('store uninstalled', { storeId: ctx.store.id, ...result })
  return { status: 'uninstalled', ...result }
}

const customerPayload = z.object({
  customer: z.object({ id: id.nullish(), phone: text }).nullish(),
  orders_requested: z.array(id).nullish(),
  orders_to_redact: z.array(id).nullish(),
})

function customerRef(ctx: TopicContext & { store: Store }): CustomerRef {
  const p = parsePayload(customerPayload, ctx.payload)
  const phone = p.customer?.phone ? parsePhone(p.customer.phone, [ctx.store.country]) : undefined
  return {
    customerPlatformId: p.customer?.id ?? null,
    platformOrderIds: [...(p.orders_requested ?? []), ...(p.orders_to_redact ?? [])],
    phone: phone?.e164 ?? null,
  }
}

const privacyTopic =
  (topic: string, act: (ctx: TopicContext & { store: Store }) => Promise<Record<string, unknown>>): TopicHandler =>
  async (ctx) => {
    // Shopify requires a 200 for shops we never knew; there is nothing of theirs to act on.
    const report = ctx.store ? await act({ ...ctx, store: ctx.store }) : { note: 'no data held for this shop' }
    await recordPrivacyRequest(ctx.deps.db, {
      storeId: ctx.store?.id ?? null,
      shopDomain: ctx.shopDomain,
      topic,
      report,
      receivedAt: ctx.deps.now(),
    })
    ctx.deps.log.info('privacy request honoured', { topic, shop: ctx.shopDomain })
    return { status: 'honoured' }
  }

/** After a redaction has committed, its customers' calls still on the line are hung up; the record keeps counts only. */
async function endingCalls(ctx: TopicContext, redaction: Redaction): Promise<Record<string, unknown>> {
  const callsEnded = await endRedactedCalls(ctx.deps.twilio.client, redaction.liveCalls, ctx.deps.log)
  return { ...redaction.erased, callsEnded }
}

/** Each topic we subscribe to, by its `X-Shopify-Topic` name; any other topic is acknowledged and ignored. */
export const SHOPIFY_TOPICS: Record<string, TopicHandler> = {
  'orders/create': ordersCreate,
  'app/uninstalled': appUninstalled,
  'customers/data_request': privacyTopic('customers/data_request', (ctx) => customerDataReport(ctx.deps.db, ctx.store.id, customerRef(ctx))),
  'customers/redact': privacyTopic('customers/redact', async (ctx) =>
    endingCalls(ctx, await redactCustomer(ctx.deps.db, ctx.store.id, customerRef(ctx), ctx.deps.now())),
  ),
  'shop/redact': privacyTopic('shop/redact', async (ctx) => endingCalls(ctx, await redactShop(ctx.deps.db, ctx.store.id, ctx.deps.now()))),
}
