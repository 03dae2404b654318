import { desc, eq } from 'drizzle-orm'
import type { Db } from '../db/index.js'
import { orders } from '../db/schema.js'
import type { CallFacts } from '../domain/agentPrompt.js'
import type { Store } from '../stores/records.js'

/** Where a store has no order yet, the currency its customers most likely pay in. */
const CURRENCY_BY_COUNTRY: Record<string, string> = { AL: 'ALL', XK: 'EUR', MK: 'MKD', ME: 'EUR', RS: 'RSD' }
/** Lek are counted in whole hundreds; elsewhere a price with cents reads like one. */
const SAMPLE_TOTALS: Record<string, string> = { ALL: '8100.00', MKD: '3900.00', RSD: '7400.00' }

/**
 * What the agent reads out in a test conversation: the store's own name and language, an order
 * that is nobody's (a pair of running shoes and two backpacks) in the currency of the store's
 * latest order, or its country's.
 *
 * @example
 * const facts = await sampleOrderFacts(db, store) // { shop: 'Dyqani Demo', orderName: '#TEST-1001', currency: 'ALL', … }
 */
export async function sampleOrderFacts(db: Db, store: Store): Promise<CallFacts> {
  const latest = await db
    .select({ currency: orders.currency })
    .from(orders)
    .where(eq(orders.storeId, store.id))
    .orderBy(desc(orders.id))
    .limit(1)
    .get()
  const currency = latest?.currency ?? CURRENCY_BY_COUNTRY[store.country] ?? 'EUR'
  return {
    shop: store.settings.companyName,
    orderName: '#TEST-1001',
    items: [
      { title: 'Atlete vrapimi', quantity: 1 },
      { title: 'Çantë shpine', quantity: 2 },
    ],
    total: SAMPLE_TOTALS[currency] ?? '69.90',
    currency,
    city: 'Tiranë',
    customerName: 'Klient Provë',
    language: store.settings.language,
  }
}
