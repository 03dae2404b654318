import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callAttempts, transcriptLines } from '../src/db/schema.js'
import { wooOrderPayload } from '../src/sandbox/sampleOrders.js'
import { deliverWooWebhook } from '../src/sandbox/storeWebhooks.js'
import { registerWoo, startTestService, type TestService, WOO_SITE } from './support/service.js'

let svc: TestService
let storeId: string
const orderIds: number[] = []

beforeAll(async () => {
  svc = await startTestService()
  const store = await registerWoo(svc)
  storeId = store.id
  const url = `${svc.url}/webhooks/woocommerce/${store.id}`
  for (let i = 0; i < 7; i++) {
    const payload = wooOrderPayload({ id: 800 + i, paymentMethod: i % 3 === 2 ? 'bacs' : 'cod', paymentMethodTitle: i % 3 === 2 ? 'Bank' : 'COD' })
    const res = await deliverWooWebhook({ url, secret: store.secret, source: WOO_SITE, payload })
    orderIds.push((res.body as { orderId: number }).orderId)
  }
})
afterAll(() => svc.close())

describe('GET /api/orders', () => {
  it('lists orders newest first and pages through them without gaps or repeats', async () => {
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const res = await svc.api('GET', `/api/orders?storeId=${storeId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.status).toBe(200)
      seen.push(...res.body.orders.map((o: { id: number }) => o.id))
      cursor = res.body.nextCursor
    } while (cursor)
    expect(seen).toEqual([...orderIds].reverse())
  })

  it('filters by status', async () => {
    const skipped = await svc.api('GET', `/api/orders?storeId=${storeId}&status=skipped`)
    expect(skipped.body.orders).toHaveLength(2)
    expect(skipped.body.orders.every((o: { skipReason: string }) => o.skipReason === 'not_cash_on_delivery')).toBe(true)
    const queued = await svc.api('GET', `/api/orders?status=queued&storeId=${storeId}`)
    expect(queued.body.orders).toHaveLength(5)
  })

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['status=lost', 'status'],
    ['outcome=maybe', 'outcome'],
    ['colour=red', 'colour'],
  ])('answers ?%s with 400 naming %s', async (query, field) => {
    const res = await svc.api('GET', `/api/orders?${query}`)
    expect(res).toMatchObject({ status: 400, body: { error: { field } } })
  })
})

describe('GET /api/orders/:id', () => {
  it('shows the order with its call attempts and transcript', async () => {
    const id = orderIds[0]!
    svc.deps.db
      .insert(callAttempts)
      .values({ id: 'att_1', orderId: id, number: 1, status: 'completed', callSid: 'CA0123', answeredBy: 'human', startedAt: 1_763_700_000_000 })
      .run()
    svc.deps.db
      .insert(transcriptLines)
      .values([
        { orderId: id, attemptId: 'att_1', speaker: 'agent', text: 'Përshëndetje!', at: 1_763_700_001_000 },
        { orderId: id, attemptId: 'att_1', speaker: 'customer', text: 'Po, e konfirmoj.', at: 1_763_700_004_000 },
      ])
      .run()
    const res = await svc.api('GET', `/api/orders/${id}`)
    expect(res.body).toMatchObject({
      id,
      storeId,
      platformOrderId: '800',
      status: 'queued',
      outcome: null,
      attempts: [{ status: 'completed', callSid: 'CA0123', answeredBy: 'human', startedAt: new Date(1_763_700_000_000).toISOString() }],
      transcript: [
        { speaker: 'agent', text: 'Përshëndetje!' },
        { speaker: 'customer', text: 'Po, e konfirmoj.' },
      ],
      costUsd: null,
    })
  })

  it('answers 404 for an order that does not exist', async () => {
    expect((await svc.api('GET', '/api/orders/999999')).status).toBe(404)
    expect((await svc.api('GET', '/api/orders/abc')).status).toBe(404)
  })
})

describe('GET /healthz', () => {
  it('reports the service and its database are up, without a token', async () => {
    const res = await fetch(`${svc.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok' })
  })
})
