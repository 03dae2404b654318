import { describe, expect, it } from 'vitest'
import { pageTranslator } from '../i18n/index.js'
import { refusalText } from './orderActions.js'

/** The sentences a merchant reads when an action on an order is refused, in the page's language. */
describe('a refused action, as the page says it', () => {
  const sq = pageTranslator('sq')
  const en = pageTranslator('en')

  it('names the countries of a wrong number in the page’s language', () => {
    expect(refusalText({ kind: 'notAPhone', countries: ['AL', 'XK'] }, sq)).toBe(
      'Ky nuk është numër telefoni i vlefshëm në Shqipëri ose Kosovë, as në formën ndërkombëtare (+…). Nuk u ndryshua asgjë.',
    )
    expect(refusalText({ kind: 'otherCountry', country: 'IT', countries: ['AL', 'XK'] }, en)).toBe(
      'That number is from a country this store does not call (Italy); it calls only Albania and Kosovo. Nothing was changed.',
    )
  })

  it('says what kind of line a number is that is never called', () => {
    expect(refusalText({ kind: 'notALine', line: 'PREMIUM_RATE' }, sq)).toBe(
      'Ky është një numër me tarifë të lartë, jo celulari ose telefoni fiks i vetë klientit, prandaj nuk telefonohet. Nuk u ndryshua asgjë.',
    )
    expect(refusalText({ kind: 'notALine', line: 'TOLL_FREE' }, en)).toBe(
      'That is a toll-free number, not a customer’s own mobile or landline, so it is not called. Nothing was changed.',
    )
  })

  it('says why an order is closed or not called, in words and not codes', () => {
    expect(refusalText({ kind: 'closed', outcome: 'needs_review' }, sq)).toBe('Kjo porosi është mbyllur tashmë: për shqyrtim. Nuk u ndryshua asgjë.')
    expect(refusalText({ kind: 'skipped', skipReason: 'fulfilled_in_store' }, sq)).toBe(
      'Kjo porosi nuk telefonohet: u dërgua nga dyqani para thirrjes. Nuk u ndryshua asgjë.',
    )
    expect(refusalText({ kind: 'skipped', skipReason: 'not_cash_on_delivery' }, en)).toBe(
      'This order is not called: not a cash-on-delivery order. Nothing was changed.',
    )
    expect(refusalText({ kind: 'noPhone' }, sq)).toBe(
      'Kjo porosi nuk ka numër telefoni për t’u telefonuar: jepni numrin e saktë te “Rregullo numrin dhe telefono”.',
    )
    expect(refusalText({ kind: 'noteTooLong', max: 500, length: 612 }, sq)).toBe('Një shënim mund të ketë deri në 500 shenja; ky ka 612.')
  })
})
