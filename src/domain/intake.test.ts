import { describe, expect, it } from 'vitest'
import { decideIntake, isCashOnDelivery, orderLanguage } from './intake.js'
import type { IncomingOrder } from './order.js'
import { DEFAULT_COD_PAYMENT_NAMES, defaultSettings } from './settings.js'

const settings = defaultSettings({ country: 'AL', companyName: 'Dyqani', voice: 'marin' })

const order = (change: Partial<IncomingOrder> = {}): IncomingOrder => ({
  platformOrderId: '1',
  name: '#1001',
  customerPlatformId: null,
  customerName: 'Arben Krasniqi',
  phones: ['044 123 456'],
  shippingCountry: 'XK',
  billingCountry: 'XK',
  locale: null,
  city: 'Prishtinë',
  items: [{ title: 'Atlete', quantity: 1 }],
  total: '4500.00',
  currency: 'ALL',
  paymentMethods: ['Cash on Delivery (COD)'],
  placedAt: null,
  cancelled: false,
  ...change,
})

describe('which orders are called', () => {
  it('queues a cash-on-delivery order with a phone in E.164', () => {
    const d = decideIntake(order(), settings, 'AL')
    expect(d).toMatchObject({ status: 'queued', phone: '+38344123456', phoneCountry: 'XK', language: 'sq' })
  })

  it('skips an order paid by card, keeping no phone number', () => {
    const d = decideIntake(order({ paymentMethods: ['shopify_payments'] }), settings, 'AL')
    expect(d).toMatchObject({ status: 'skipped', skipReason: 'not_cash_on_delivery', phone: null })
  })

  it('calls every order when the store says all', () => {
    const d = decideIntake(order({ paymentMethods: ['shopify_payments'] }), { ...settings, callOrders: 'all' }, 'AL')
    expect(d.status).toBe('queued')
  })

  it('skips orders of a disabled store and orders already cancelled', () => {
    expect(decideIntake(order(), { ...settings, enabled: false }, 'AL').skipReason).toBe('store_disabled')
    expect(decideIntake(order({ cancelled: true }), settings, 'AL').skipReason).toBe('order_cancelled')
  })

  it('closes an order whose number cannot be dialled as invalid_phone, saying why without the number', () => {
    const d = decideIntake(order({ phones: ['12345'] }), settings, 'AL')
    expect(d).toMatchObject({ status: 'done', outcome: 'invalid_phone', phone: null })
    expect(d.evidence).toEqual({ kind: 'invalid_number', maskedPhone: '…', countries: ['XK', 'XK', 'AL'] })
    expect(JSON.stringify(d.evidence)).not.toContain('12345')
    expect(decideIntake(order({ phones: [] }), settings, 'AL').evidence).toEqual({ kind: 'no_phone' })
  })

  it('tries the next phone on the order when the first is unusable', () => {
    expect(decideIntake(order({ phones: ['n/a', '049 765 432'] }), settings, 'AL').phone).toBe('+38349765432')
  })

  it.each([
    ['+355 900 123', 'AL'],
    ['+383 900 12345', 'XK'],
    ['0900 123', 'AL'],
  ])('closes an order whose number %s is premium-rate as invalid_phone, saying so without the number', (phone, country) => {
    const d = decideIntake(order({ phones: [phone], shippingCountry: country, billingCountry: country }), settings, 'AL')
    expect(d).toMatchObject({ status: 'done', outcome: 'invalid_phone', phone: null })
    expect(d.evidence).toContain('premium-rate')
    expect(d.evidence).not.toContain('900 1')
    expect(d.evidence).not.toMatch(/90012/)
  })

  it("calls the customer's mobile when the first number on the order is a toll-free one", () => {
    const d = decideIntake(order({ phones: ['+355 800 1234', '069 123 4567'] }), settings, 'AL')
    expect(d).toMatchObject({ status: 'queued', phone: '+355691234567' })
  })
})

describe('recognising cash on delivery', () => {
  it.each(['Cash on Delivery (COD)', 'cod', 'Pagesë në dorëzim', 'PAGESA NE DOREZIM', 'Para në dorë', 'Plaćanje pouzećem', 'Αντικαταβολή'])(
    '%s is cash on delivery',
    (name) => {
      expect(isCashOnDelivery([name], DEFAULT_COD_PAYMENT_NAMES)).toBe(true)
    },
  )

  it.each(['shopify_payments', 'Discount code', 'bacs', 'PayPal', 'Kartë krediti'])('%s is not', (name) => {
    expect(isCashOnDelivery([name], DEFAULT_COD_PAYMENT_NAMES)).toBe(false)
  })

  it("matches the merchant's own name for it", () => {
    expect(isCashOnDelivery(['Paguaj kur ta marrësh'], ['kur ta marresh'])).toBe(true)
  })
})

describe('the language of the call', () => {
  it('follows the storefront locale the customer bought in, else the store', () => {
    expect(orderLanguage('sq-AL', 'en')).toBe('sq')
    expect(orderLanguage('en', 'sq')).toBe('en')
    expect(orderLanguage(null, 'sq')).toBe('sq')
    expect(orderLanguage('not a locale!', 'sq')).toBe('sq')
  })
})
