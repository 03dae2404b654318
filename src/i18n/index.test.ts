import { describe, expect, it } from 'vitest'
import { en } from './en.js'
import { languageFromAcceptLanguage, languageOf, translator } from './index.js'
import { sq } from './sq.js'

describe('the language a tag reads in', () => {
  it.each([
    ['sq', 'sq'],
    ['sq-AL', 'sq'],
    ['sq-XK', 'sq'],
    ['SQ_al', 'sq'],
    ['en-US', 'en'],
    ['mk', 'en'],
    ['de-DE', 'en'],
    ['', 'en'],
    [null, 'en'],
    ['not a tag!', 'en'],
  ])('%s → %s', (tag, language) => {
    expect(languageOf(tag)).toBe(language)
  })

  it.each([
    ['sq-AL,sq;q=0.9,en;q=0.8', 'sq'],
    ['de-DE,de;q=0.9,sq;q=0.8,en;q=0.5', 'sq'],
    ['en-US,sq;q=0.9', 'en'],
    ['sq;q=0.2,en;q=0.9', 'en'],
    ['fr;q=0.9, sq;q=0.1', 'sq'],
    ['*', 'en'],
    ['sq;q=0', 'en'],
    [undefined, 'en'],
  ])("an operator's Accept-Language %s reads %s", (header, language) => {
    expect(languageFromAcceptLanguage(header)).toBe(language)
  })
})

describe('a translator', () => {
  it('gives the store’s texts and formats in its language, with its own region', () => {
    const sqXk = translator('sq-XK')
    expect(sqXk).toMatchObject({ language: 'sq', locale: 'sq-XK' })
    expect(sqXk.t('outcome.needs_review')).toBe('Për shqyrtim')
    expect(sqXk.money('49.90', 'EUR')).toBe('49,90\u00a0€')
    expect(translator('en-GB').t('outcome.needs_review')).toBe('Needs review')
    expect(translator('sq_xk')).toMatchObject({ language: 'sq', locale: 'sq-XK' })
  })

  it('reads English for a language we have no catalog for, formatting as English too', () => {
    const mk = translator('mk')
    expect(mk).toMatchObject({ language: 'en', locale: 'en' })
    expect(mk.t('outcome.confirmed')).toBe('Confirmed')
  })

  it('has an Albanian text for every English one, and none left in English', () => {
    const keys = (o: object, at = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && !Array.isArray(v) ? keys(v, `${at}${k}.`) : [`${at}${k}`]))
    expect(keys(sq).filter((k) => !k.startsWith('speech.currency.'))).toEqual(keys(en).filter((k) => !k.startsWith('speech.currency.')))
    const text = (o: object, key: string) => key.split('.').reduce<any>((v, k) => v[k], o)
    // Quote marks, units and the words both languages share.
    const same = [
      'note.said',
      'note.seconds',
      'note.minutesSeconds',
      'speech.amount',
      ...['USD', 'MKD', 'minor'].map((c) => `speech.currency.${c}_one`),
    ]
    expect(keys(en).filter((k) => text(en, k) === text(sq, k) && !same.includes(k))).toEqual([])
  })
})
