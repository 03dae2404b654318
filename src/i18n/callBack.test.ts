import { describe, expect, it } from 'vitest'
import { agentInstructions } from '../domain/agentPrompt.js'
import { speechWords, translator } from './index.js'

/** What the agent is given to say to a customer who rang back about order #1071 of Dyqani Lule. */
const calledAbout = (language: string) => {
  const facts = { shop: 'Dyqani Lule', orderName: '#1071', items: [], total: '0', currency: 'ALL', city: null, customerName: null }
  const instructions = agentInstructions({ ...facts, language, calledBack: true }, speechWords(language))
  return JSON.parse(instructions.match(/<order>([\s\S]*)<\/order>/)![1]!).calledAbout
}

describe('a customer who rings back', () => {
  it('is told why we called in Albanian or English, as the call is', () => {
    expect(calledAbout('sq-AL')).toBe('Ju telefonuam më herët për porosinë tuaj #1071 në Dyqani Lule.')
    expect(calledAbout('en')).toBe('We called you earlier about your order #1071 from Dyqani Lule.')
  })

  it('with nothing for the agent hears a whole message in English too', () => {
    const { t } = translator('en')
    expect(t('callBack.nothingToConfirm')).toBe('Hello. Thank you for calling. We have no order waiting for confirmation from this number. Goodbye.')
    expect(t('callBack.beingCalled')).toBe('Hello. We are calling you about your order at this very moment. Please answer our call. Goodbye.')
  })
})
