import { GraphqlQueryError, HttpThrottlingError } from '@shopify/shopify-api'
import type { NoteWords } from '../../domain/evidence.js'
import type { WriteBackPlan } from '../../domain/writeBack.js'
import { firstLine, WriteBackError } from '../writeBackError.js'
import { adminHttpStatus, graphqlErrorCodes, isAccessDenied, type ShopifyAdmin, ShopifyThrottledError } from './adminApi.js'

/** The handle our fulfillment holds carry, so we release only our own (Shopify allows several per order). */
export const HOLD_HANDLE = 'callconfirm'

const ORDER_FOR_WRITE_BACK = `#graphql
  query OrderForWriteBack($id: ID!, $withHolds: Boolean!) {
    order(id: $id) {
      id
      note
      tags
      cancelledAt
      fulfillmentOrders(first: 10) @include(if: $withHolds) {
        nodes {
          id
          status
          fulfillmentHolds {
            id
            handle
          }
        }
      }
    }
  }`

interface FulfillmentOrder {
  id: string
  status: string
  fulfillmentHolds: Array<{ id: string; handle: string | null }>
}

interface OrderForWriteBack {
  order: { id: string; note: string | null; tags: string[]; cancelledAt: string | null; fulfillmentOrders?: { nodes: FulfillmentOrder[] } } | null
}

/** One root field of the write-back mutation, with the variables it uses. */
interface Step {
  call: string
  errors: 'userErrors' | 'orderCancelUserErrors'
  variables: Record<string, { type: string; value: unknown }>
}

/** One mutation document for all the steps: one request, run by Shopify in order. */
function mutation(steps: Step[]): { query: string; variables: Record<string, unknown> } {
  const declared = new Map<string, string>()
  const variables: Record<string, unknown> = {}
  for (const step of steps)
    for (const [name, v] of Object.entries(step.variables)) {
      declared.set(name, v.type)
      variables[name] = v.value
    }
  const header = [...declared].map(([name, type]) => `$${name}: ${type}`).join(', ')
  const fields = steps.map((s, i) => `  step${i}: ${s.call} {\n    ${s.errors} { field message }\n  }`).join('\n')
  return { query: `mutation WriteBack(${header}) {\n${fields}\n}`, variables }
}

const lower = (tags: string[]) => new Set(tags.map((t) => t.toLowerCase()))

/**
 * The steps that bring the order to what the plan says, given what it holds now: none if it is
 * there already. The staff read the hold's reason and the cancellation's note in the store's
 * language (`words`).
 */
function stepsFor(order: NonNullable<OrderForWriteBack['order']>, plan: WriteBackPlan, words: NoteWords): Step[] {
  const id = { id: { type: 'ID!', value: order.id } }
  const has = lower(order.tags)
  const steps: Step[] = []
  const add = plan.addTags.filter((t) => !has.has(t.toLowerCase()))
  if (add.length)
    steps.push({ call: 'tagsAdd(id: $id, tags: $add)', errors: 'userErrors', variables: { ...id, add: { type: '[String!]!', value: add } } })
  const remove = plan.removeTags.filter((t) => has.has(t.toLowerCase()))
  if (remove.length)
    steps.push({
      call: 'tagsRemove(id: $id, tags: $remove)',
      errors: 'userErrors',
      variables: { ...id, remove: { type: '[String!]!', value: remove } },
    })
  // The note is the buyer's too: read, then append one line; a line already there (an earlier
  // delivery whose answer was lost) is not written twice.
  const note = order.note ?? ''
  if (plan.noteLine && !note.split('\n').includes(plan.noteLine)) {
    const input = { id: order.id, note: note.trim() ? `${note.replace(/\s+$/, '')}\n${plan.noteLine}` : plan.noteLine }
    steps.push({ call: 'orderUpdate(input: $note)', errors: 'userErrors', variables: { note: { type: 'OrderInput!', value: input } } })
  }
  if (plan.cancelOrder && !order.cancelledAt)
    steps.push({
      // Cash on delivery: nothing was paid, so nothing is refunded; the goods go back to stock.
      call: 'orderCancel(orderId: $id, reason: CUSTOMER, restock: true, notifyCustomer: false, refundMethod: { originalPaymentMethodsRefund: false }, staffNote: $staffNote)',
      errors: 'orderCancelUserErrors',
      variables: { ...id, staffNote: { type: 'String', value: words.note('cancelledStaffNote') } },
    })
  const fulfillmentOrders = order.fulfillmentOrders?.nodes ?? []
  fulfillmentOrders.forEach((fo, i) => {
    const ours = fo.fulfillmentHolds.filter((h) => h.handle === HOLD_HANDLE)
    if (plan.fulfillmentHold === 'place' && fo.status === 'OPEN' && !ours.length)
      steps.push({
        call: `fulfillmentOrderHold(id: $fo${i}, fulfillmentHold: { reason: OTHER, reasonNotes: $holdReason, handle: "${HOLD_HANDLE}", notifyMerchant: false })`,
        errors: 'userErrors',
        variables: { [`fo${i}`]: { type: 'ID!', value: fo.id }, holdReason: { type: 'String', value: words.note('holdReason') } },
      })
    if (plan.fulfillmentHold === 'release' && ours.length)
      steps.push({
        call: `fulfillmentOrderReleaseHold(id: $fo${i}, holdIds: $holds${i})`,
        errors: 'userErrors',
        variables: { [`fo${i}`]: { type: 'ID!', value: fo.id }, [`holds${i}`]: { type: '[ID!]', value: ours.map((h) => h.id) } },
      })
  })
  return steps
}

/**
 * Brings a Shopify order to what the plan says, through the Admin GraphQL API: reads it, then
 * sends the one mutation that is still needed (tagsAdd and tagsRemove, never orderUpdate's
 * `tags`, which would overwrite other apps' tags; the note read and appended to; the optional
 * cancellation and fulfillment holds). Safe to run again at any point: each step is skipped
 * when the order already shows it. `words`: the store's language, for the texts its staff read.
 */
export async function writeShopifyOrder(
  admin: ShopifyAdmin,
  shop: string,
  accessToken: string,
  platformOrderId: string,
  plan: WriteBackPlan,
  words: NoteWords,
): Promise<void> {
  try {
    const { order } = await admin.graphql<OrderForWriteBack>(shop, accessToken, ORDER_FOR_WRITE_BACK, {
      id: `gid://shopify/Order/${platformOrderId}`,
      withHolds: plan.fulfillmentHold !== null,
    })
    if (!order) throw new WriteBackError('permanent', `Order ${platformOrderId} no longer exists in the shop.`)
    const steps = stepsFor(order, plan, words)
    if (!steps.length) return
    const { query, variables } = mutation(steps)
    const data = await admin.graphql<Record<string, Record<string, Array<{ message: string }>> | null>>(shop, accessToken, query, variables)
    const problems = steps.flatMap((step, i) => (data[`step${i}`]?.[step.errors] ?? []).map((e) => `${step.call.split('(')[0]}: ${e.message}`))
    if (problems.length) throw new WriteBackError('permanent', `Shopify refused part of the write: ${problems.join('; ')}`)
  } catch (error) {
    throw asWriteBackError(error)
  }
}

/** What a failed Admin API call means for the write. */
function asWriteBackError(error: unknown): WriteBackError {
  if (error instanceof WriteBackError) return error
  if (error instanceof ShopifyThrottledError) return new WriteBackError('slow_down', error.message, error.retryAfterMs)
  if (error instanceof HttpThrottlingError) {
    const seconds = Number((error.response as { retryAfter?: number }).retryAfter) || 2
    return new WriteBackError('slow_down', `Shopify answered 429 Too Many Requests`, seconds * 1000)
  }
  const status = adminHttpStatus(error)
  const refused: Record<number, string> = {
    401: 'Shopify refused the access token: the app was uninstalled or its token revoked.',
    402: 'The shop is frozen (Shopify answered 402 Payment Required).',
    403: 'Shopify refused the request (403): the app may not act on this shop.',
    404: 'The shop no longer exists (Shopify answered 404).',
    423: 'The shop is locked (Shopify answered 423).',
  }
  if (status !== undefined && refused[status]) return new WriteBackError('permanent', refused[status])
  if (status !== undefined) return new WriteBackError('transient', `Shopify answered ${status}.`)
  if (isAccessDenied(error)) return new WriteBackError('permanent', `Shopify denied access: ${firstLine(error)}`)
  if (error instanceof GraphqlQueryError)
    return new WriteBackError(graphqlErrorCodes(error).includes('INTERNAL_SERVER_ERROR') ? 'transient' : 'permanent', `Shopify: ${firstLine(error)}`)
  return new WriteBackError('transient', `Could not reach Shopify: ${firstLine(error)}`)
}
