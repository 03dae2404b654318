import { describe, expect, it } from 'vitest'
import { maskedPhone } from './phoneMask.js'

describe('maskedPhone', () => {
  it('shows the country code, the network and the last two digits only, grouped as the number is written', () => {
    expect(maskedPhone('+355691234567')).toBe('+355 69 *** **67')
    expect(maskedPhone('+38344123456')).toBe('+383 44 *** *56')
    expect(maskedPhone('+38349765432')).toBe('+383 49 *** *32')
  })
})
