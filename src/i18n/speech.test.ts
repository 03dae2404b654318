import { describe, expect, it } from 'vitest'
import { agentInstructions } from '../domain/agentPrompt.js'
import { spokenAmount, spokenItems, spokenTitle } from '../domain/speakable.js'
import { speechWords } from './index.js'

const sq = speechWords('sq-AL')
const en = speechWords('en')

describe('amounts as the agent says them', () => {
  it.each([
    ['lek: digits and the word, no decimals', '8100.00', 'ALL', sq, '8100 lekë'],
    ['one lek', '1.00', 'ALL', sq, '1 lek'],
    ['the euro with cents', '49.90', 'EUR', sq, '49 euro e 90 centë'],
    ['the euro, whole', '20.00', 'EUR', sq, '20 euro'],
    ['one cent', '3.01', 'EUR', sq, '3 euro e 1 cent'],
    ['the denar', '1500', 'MKD', sq, '1500 denarë'],
    ['in English', '49.90', 'EUR', en, '49 euros and 90 cents'],
    ['one euro in English', '1', 'EUR', en, '1 euro'],
    ['lek in English', '8100.00', 'ALL', en, '8100 lek'],
    ['a currency we have no word for: its name in the language', '12', 'CHF', en, '12 Swiss Franc'],
    ['an amount that is not a number is left as it came', 'abc', 'ALL', sq, 'abc ALL'],
  ])('%s', (_, total, currency, words, said) => {
    expect(spokenAmount(total, currency, words)).toBe(said)
  })
})

describe('items as the agent says them', () => {
  it.each([
    ['a Shopify variant: a size and a colour', 'Atlete vrapimi - 42 / E zezë', sq, 'Atlete vrapimi, numri 42, e zezë'],
    ['the same in an English store', 'Running shoes - 42 / Black', en, 'Running shoes, size 42, black'],
    ['a WooCommerce variation and a letter size', 'Bluzë - xl, Blu', sq, 'Bluzë, masa XL, blu'],
    ['a half size', 'Sandale - 38.5', sq, 'Sandale, numri 38.5'],
    ['words with capitals inside stay as written', 'Karikues - USB-C / iPhone', en, 'Karikues, USB-C, iPhone'],
    ['a hyphen inside the title is the title’s', 'T-shirt Lule', sq, 'T-shirt Lule'],
    ['no variant', 'Çantë shpine', sq, 'Çantë shpine'],
  ])('%s', (_, title, words, said) => {
    expect(spokenTitle(title, words)).toBe(said)
  })

  it('count small quantities in words (Albanian pieces are feminine: tri), larger in digits, and say how many more after eight', () => {
    expect(
      spokenItems(
        [
          { title: 'Atlete vrapimi - 42 / E zezë', quantity: 1 },
          { title: 'Çorape', quantity: 3 },
          { title: 'Çantë shpine', quantity: 12 },
        ],
        sq,
      ),
    ).toEqual(['një copë Atlete vrapimi, numri 42, e zezë', 'tri copë Çorape', '12 copë Çantë shpine'])
    expect(spokenItems([{ title: 'Socks', quantity: 2 }], en)).toEqual(['two Socks'])
    const many = Array.from({ length: 10 }, (_, i) => ({ title: `Artikull ${i}`, quantity: 1 }))
    expect(spokenItems(many, sq).at(-1)).toBe('dhe 2 artikuj të tjerë')
    expect(spokenItems(many.slice(0, 9), en).at(-1)).toBe('and 1 more item')
  })
})

describe('the order the agent is given', () => {
  it('is ready to be said in Albanian: items and total in words a voice reads well', () => {
    const text = agentInstructions(
      {
        shop: 'Dyqani Lule',
        orderName: '#1071',
        items: [
          { title: 'Atlete vrapimi - 42 / E zezë', quantity: 1 },
          { title: 'Çantë shpine', quantity: 2 },
        ],
        total: '8100.00',
        currency: 'ALL',
        city: 'Tiranë',
        customerName: 'Arben Krasniqi',
        language: 'sq',
      },
      sq,
    )
    const block = JSON.parse(text.match(/<order>([\s\S]*)<\/order>/)![1]!)
    expect(block.items).toBe('një copë Atlete vrapimi, numri 42, e zezë; dy copë Çantë shpine')
    expect(block.total).toBe('8100 lekë')
  })
})
