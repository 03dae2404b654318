import { describe, expect, it } from 'vitest'
import { readWrittenReply } from './writtenReply.js'

describe('reading a customer’s written reply', () => {
  it.each([
    ['Konfirmo', 'confirm'],
    ['1', 'confirm'],
    ['Po', 'confirm'],
    ['po, e konfirmoj, faleminderit!', 'confirm'],
    ['KONFIRMOJ', 'confirm'],
    ['Yes please', 'confirm'],
    ['👍 ok', 'confirm'],
    ['2', 'cancel'],
    ['Jo', 'cancel'],
    ['anuloj porosinë', 'cancel'],
    ['Anulojeni ju lutem', 'cancel'],
    ['Po, faleminderit shumë', 'confirm'],
    ['no thanks', 'cancel'],
  ])('“%s” reads as %s', (text, reading) => {
    expect(readWrittenReply({ text })).toBe(reading)
  })

  it('takes a tapped button by its id, whatever its text says', () => {
    expect(readWrittenReply({ text: 'Anulo', buttonPayload: 'confirm' })).toBe('confirm')
    expect(readWrittenReply({ text: 'Konfirmo', buttonPayload: 'cancel' })).toBe('cancel')
  })

  it('reads STOP, its Twilio synonyms and Albanian NDALO alone as a request to stop', () => {
    for (const word of ['STOP', 'stop', 'Unsubscribe', 'CANCEL', 'end', 'QUIT', 'STOPALL', 'NDALO', 'Ndalo!'])
      expect(readWrittenReply({ text: word })).toBe('stop')
    // In a sentence the word is not an opt-out (as with Twilio's keywords): a person reads it.
    expect(readWrittenReply({ text: 'stop the order please' })).toBe('unclear')
  })

  it('leaves yes and no together, a question, a change or a negation to a person', () => {
    for (const text of ['po jo', 'kur vjen?', 'po, por ndryshoni adresën', 'nuk e konfirmoj', 'I do not confirm', '', '3'])
      expect(readWrittenReply({ text }), text).toBe('unclear')
  })
})
