import { describe, expect, it } from 'vitest'
import { decideKey, decideToolCall, laterAnswer } from '../domain/callOutcome.js'
import { describeEvidence, type Evidence, readEvidence, storedEvidence } from '../domain/evidence.js'
import { defaultSettings } from '../domain/settings.js'
import { planWriteBack, type WriteBackFacts } from '../domain/writeBack.js'
import { noteWords } from './index.js'

/** The texts callconfirm writes on a store's order, from the facts an answer records, in the store's language. */

const TIRANE = 'Europe/Tirane'
const albanian = defaultSettings({ country: 'AL', companyName: 'Dyqani', voice: 'marin' })
const english = { ...albanian, language: 'en' }
// 2026-11-21 13:05 UTC is 14:05 in Tirana.
const decidedAt = Date.parse('2026-11-21T13:05:00Z')
const now = Date.parse('2026-11-21T14:00:00+01:00')
const hours = { start: '09:00', end: '20:00' }
const answered = (name: string, args: object, lastWords?: string) => {
  const answer = decideToolCall(name, JSON.stringify(args), { lastWords, now, callingHours: hours, timezone: TIRANE })
  if (answer.action !== 'answer' && answer.action !== 'call_back') throw new Error(`${name} gave ${answer.action}`)
  return answer.evidence
}
const line = (settings: typeof albanian, outcome: WriteBackFacts['outcome'], evidence: Evidence | null, callSeconds: number | null = 72) =>
  planWriteBack({ kind: 'outcome', outcome, evidence, skipReason: null, callSeconds, decidedAt }, settings, noteWords(settings.language)).noteLine
const inEnglish = (evidence: Evidence) => describeEvidence(evidence, noteWords('en'), TIRANE)
const inAlbanian = (evidence: Evidence) => describeEvidence(evidence, noteWords('sq'), TIRANE)

describe('the note on an Albanian store’s order', () => {
  it('says a confirmation in Albanian, with the call’s length and the customer’s words', () => {
    expect(line(albanian, 'confirmed', answered('confirm_order', {}, 'Po, e konfirmoj'))).toBe(
      '[callconfirm] 2026-11-21 14:05 Konfirmuar (telefonata 1 min 12 s): Konfirmoi në telefon: “Po, e konfirmoj”.',
    )
  })

  it('says a cancellation with the customer’s words once and one full stop (issue 17’s “faleminderit.. The customer said”)', () => {
    const said = 'Jo, nuk e dua më, faleminderit.'
    expect(line(albanian, 'cancelled', answered('cancel_order', { reason: said }, said), 9)).toBe(
      '[callconfirm] 2026-11-21 14:05 Anuluar (telefonata 9 s): Anuloi në telefon. Klienti tha “Jo, nuk e dua më, faleminderit.”',
    )
  })

  it('gives the reason the agent wrote down before the words', () => {
    expect(line(albanian, 'cancelled', answered('cancel_order', { reason: 'shumë e shtrenjtë.' }, 'Jo, është shtrenjtë!'), null)).toBe(
      '[callconfirm] 2026-11-21 14:05 Anuluar: Anuloi në telefon: shumë e shtrenjtë. Klienti tha “Jo, është shtrenjtë!”',
    )
  })

  it('gives the change asked for, and says when it was not said', () => {
    expect(line(albanian, 'needs_review', answered('request_changes', { details: 'numri 43…' }, 'Më duhet 43'), 30)).toBe(
      '[callconfirm] 2026-11-21 14:05 Për shqyrtim (telefonata 30 s): Kërkoi ndryshime: numri 43. Klienti tha “Më duhet 43”.',
    )
    expect(inAlbanian(answered('request_changes', {}, undefined))).toBe(
      'Kërkoi ndryshime: pa thënë cilat. Klienti tha nuk u transkriptua asnjë fjalë.',
    )
  })

  it('gives the callback time in the store’s time zone, and a change of mind after it', () => {
    const callback = answered('request_callback', { when: '18:00' }, 'Më telefononi në 18:00')
    expect(inAlbanian(callback)).toBe('Kërkoi ta telefonojmë përsëri më 21 nëntor 2026 në 18:00: “Më telefononi në 18:00”.')
    const later = answered('request_callback', { when: 'later' }, 'Më vonë')
    expect(inAlbanian(later)).toBe('Kërkoi ta telefonojmë më vonë (më 21 nëntor 2026 në 16:00): “Më vonë”.')
    const confirmed = laterAnswer(
      { outcome: 'needs_review', evidence: callback },
      {
        outcome: 'confirmed',
        evidence: answered('confirm_order', {}, 'Jo, prit, e konfirmoj'),
      },
    )!
    expect(line(albanian, 'confirmed', confirmed.evidence, 40)).toBe(
      '[callconfirm] 2026-11-21 14:05 Konfirmuar (telefonata 40 s): Konfirmoi në telefon: “Jo, prit, e konfirmoj”. ' +
        'Më parë: Kërkoi ta telefonojmë përsëri më 21 nëntor 2026 në 18:00: “Më telefononi në 18:00”.',
    )
  })

  it('names the key pressed', () => {
    expect(line(albanian, 'confirmed', decideKey('1')!.evidence, 14)).toBe(
      '[callconfirm] 2026-11-21 14:05 Konfirmuar (telefonata 14 s): Shtypi 1 në tastierë për të konfirmuar.',
    )
    expect(inAlbanian(decideKey('2')!.evidence)).toBe('Shtypi 2 në tastierë për të anuluar.')
  })

  it('says how the calls went when nobody answered, in Albanian plurals', () => {
    expect(
      line(
        albanian,
        'no_answer',
        {
          kind: 'calls',
          calls: [
            ['unanswered', 3],
            ['busy', 1],
          ],
        },
        null,
      ),
    ).toBe('[callconfirm] 2026-11-21 14:05 Pa përgjigje: 4 thirrje: 3 pa përgjigje, 1 e zënë.')
    expect(
      inAlbanian({
        kind: 'calls',
        calls: [
          ['busy', 2],
          ['failed', 2],
          ['voicemail', 1],
        ],
      }),
    ).toBe('5 thirrje: 2 të zëna, 2 nuk u lidhën, 1 në postë zanore.')
  })

  it('says what callconfirm found when there was nobody to ask', () => {
    expect(line(albanian, 'invalid_phone', { kind: 'no_phone' }, null)).toBe(
      '[callconfirm] 2026-11-21 14:05 Numër telefoni i pavlefshëm: Porosia nuk ka numër telefoni.',
    )
    expect(inAlbanian({ kind: 'twilio_refused', times: 6 })).toBe(
      'Twilio refuzoi ta kryejë thirrjen 6 herë (pa kod gabimi); kontrolloni llogarinë Twilio.',
    )
  })

  it('keeps its summary (WooCommerce’s meta) in Albanian too', () => {
    const words = noteWords('sq')
    const pending = planWriteBack({ kind: 'pending', outcome: null, evidence: null, skipReason: null, callSeconds: null, decidedAt }, albanian, words)
    expect(pending.summary).toBe('Në pritje të telefonatës së konfirmimit.')
    const withdrawn = planWriteBack(
      { kind: 'withdrawn', outcome: null, evidence: null, skipReason: 'fulfilled_in_store', callSeconds: null, decidedAt },
      albanian,
      words,
    )
    expect(withdrawn.summary).toBe('Nuk u telefonua: porosia ishte dërguar tashmë.')
  })
})

describe('the note on an English store’s order', () => {
  it('reads as it always has', () => {
    expect(line(english, 'confirmed', answered('confirm_order', {}, 'Po, e konfirmoj'))).toBe(
      '[callconfirm] 2026-11-21 14:05 Confirmed (call 1 min 12 s): Confirmed on the call: “Po, e konfirmoj”.',
    )
    const said = 'Jo, nuk e dua më, faleminderit.'
    expect(inEnglish(answered('cancel_order', { reason: said }, said))).toBe(
      'Cancelled on the call. The customer said “Jo, nuk e dua më, faleminderit.”',
    )
    expect(inEnglish(answered('cancel_order', { reason: 'Too expensive. ' }, 'Jo, është shtrenjtë!'))).toBe(
      'Cancelled on the call: Too expensive. The customer said “Jo, është shtrenjtë!”',
    )
    expect(inEnglish(answered('request_changes', { details: 'size 43…' }, 'Më duhet 43'))).toBe(
      'Asked for changes: size 43. The customer said “Më duhet 43”.',
    )
    expect(inEnglish(answered('wrong_number', {}, 'Gabim'))).toBe('The person who answered said it is the wrong number: “Gabim”.')
    expect(inEnglish(answered('cancel_order', { reason: 'x'.repeat(900) }))).toBe(
      `Cancelled on the call: ${'x'.repeat(500)}. The customer said no words were transcribed.`,
    )
    expect(inEnglish(decideKey('1')!.evidence)).toBe('Pressed 1 on the keypad to confirm.')
    expect(
      inEnglish({
        kind: 'calls',
        calls: [
          ['busy', 1],
          ['unanswered', 3],
        ],
      }),
    ).toBe('4 calls: 1 busy, 3 not answered.')
    expect(inEnglish({ kind: 'calls', calls: [['unanswered', 1]] })).toBe('1 call: 1 not answered.')
    expect(inEnglish({ kind: 'twilio_forbidden', code: 21215 })).toBe(
      'The Twilio account may not call this number (21215); check its geo permissions.',
    )
  })

  it('gives the callback time in the store’s zone', () => {
    expect(inEnglish(answered('request_callback', { when: '18:00' }, 'Call me at six'))).toBe(
      'Asked to be called back on November 21, 2026 at 18:00: “Call me at six”.',
    )
  })
})

describe('the customer’s words', () => {
  it('are quoted as said, even when they look like the catalog’s own placeholders', () => {
    const said = 'Jo {{said}} $t(note.noPhone) {{count}}'
    expect(inAlbanian(answered('confirm_order', {}, said))).toBe(`Konfirmoi në telefon: “${said}”.`)
  })

  it('survive being stored and read back, and evidence stored as a sentence before is shown as it was', () => {
    const evidence = answered('cancel_order', { reason: 'too dear' }, 'Jo')
    expect(readEvidence(storedEvidence(evidence))).toEqual(evidence)
    expect(readEvidence('Confirmed on the call: “Po”.')).toBe('Confirmed on the call: “Po”.')
    expect(readEvidence('{not json')).toBe('{not json')
    expect(line(albanian, 'confirmed', readEvidence('Confirmed on the call: “Po”.'), null)).toBe(
      '[callconfirm] 2026-11-21 14:05 Konfirmuar: Confirmed on the call: “Po”.',
    )
  })
})
