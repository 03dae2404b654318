import { describe, expect, it } from 'vitest'
import { digestLetter, reviewLetter, writeFailedLetter } from '../alerts/alertMail.js'
import type { CallStats } from '../dashboard/stats.js'
import { decideKey, decideToolCall, laterAnswer } from '../domain/callOutcome.js'
import { describeEvidence, type Evidence, personsNote, readEvidence, storedEvidence } from '../domain/evidence.js'
import { defaultSettings } from '../domain/settings.js'
import { planWriteBack, type WriteBackFacts, type WriteBackPlan } from '../domain/writeBack.js'
import { noteLine } from '../orders/orderNotes.js'
import type { ShopifyAdmin } from '../stores/shopify/adminApi.js'
import { writeShopifyOrder } from '../stores/shopify/writeBack.js'
import { noteWords, translator } from './index.js'

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

describe('what a person did on the dashboard, on an Albanian store’s order', () => {
  it('says who marked the order and what it was before, in Albanian, without the earlier call’s length', () => {
    const marked: Evidence = { kind: 'marked', outcome: 'confirmed', by: 'merchant', was: 'needs_review' }
    // The order's last call lasted 9 s; the merchant's mark was reached without one.
    expect(line(albanian, 'confirmed', readEvidence(storedEvidence(marked)), 9)).toBe(
      '[callconfirm] 2026-11-21 14:05 Konfirmuar: Shënuar si e konfirmuar nga tregtari (ishte: Për shqyrtim).',
    )
    expect(inAlbanian({ kind: 'marked', outcome: 'cancelled', by: 'operator', was: 'no_answer' })).toBe(
      'Shënuar si e anuluar nga operatori (ishte: Pa përgjigje).',
    )
    expect(inAlbanian({ kind: 'marked', outcome: 'confirmed', by: 'operator' })).toBe('Shënuar si e konfirmuar nga operatori.')
  })

  it('puts a person’s note on the order in Albanian, their words as written', () => {
    const note = personsNote('Klienti do ta marrë në dyqan {{by}}', 'merchant', noteWords('sq'))
    expect(noteLine(note, decidedAt, TIRANE)).toBe('[callconfirm] 2026-11-21 14:05 Shënim nga tregtari: Klienti do ta marrë në dyqan {{by}}')
    expect(personsNote('Do vijë vetë', 'operator', noteWords('sq-XK'))).toBe('Shënim nga operatori: Do vijë vetë')
  })
})

/** The mutation a Shopify write sends, for an open order held until confirmed (a stub Admin API records it). */
async function shopifyMutation(plan: WriteBackPlan, language: string): Promise<Record<string, unknown>> {
  let sent: Record<string, unknown> = {}
  const order = { id: 'gid://shopify/Order/1', note: '', tags: [], cancelledAt: null }
  const fulfillmentOrders = { nodes: [{ id: 'gid://shopify/FulfillmentOrder/9', status: 'OPEN', fulfillmentHolds: [] }] }
  const admin = {
    graphql: async (_shop: string, _token: string, query: string, variables: Record<string, unknown>) => {
      if (query.includes('query OrderForWriteBack')) return { order: { ...order, fulfillmentOrders } }
      sent = variables
      return {}
    },
  } as unknown as ShopifyAdmin
  await writeShopifyOrder(admin, 'dyqani.myshopify.com', 'shpat_x', '1', plan, noteWords(language))
  return sent
}

describe('what callconfirm leaves on an Albanian Shopify order besides the note', () => {
  const held = { ...albanian, actions: { ...albanian.actions, holdUntilConfirmed: true, cancelOnDecline: true } }
  const facts = { evidence: null, skipReason: null, callSeconds: null, decidedAt }

  it('gives the fulfillment hold’s reason in Albanian', async () => {
    const pending = planWriteBack({ ...facts, kind: 'pending', outcome: null }, held, noteWords('sq'))
    expect((await shopifyMutation(pending, 'sq')).holdReason).toBe('Në pritje që klienti ta konfirmojë në telefon (callconfirm).')
    expect((await shopifyMutation(pending, 'en')).holdReason).toBe('Waiting for the customer to confirm by phone (callconfirm).')
  })

  it('gives the cancellation’s staff note in Albanian', async () => {
    const cancelled = planWriteBack({ ...facts, kind: 'outcome', outcome: 'cancelled' }, held, noteWords('sq'))
    expect((await shopifyMutation(cancelled, 'sq')).staffNote).toBe('Klienti e anuloi në telefonatën e konfirmimit (callconfirm).')
  })
})

describe('the alert email to an Albanian store’s merchant', () => {
  const sq = translator('sq')
  const order = { name: '#1001', url: 'https://callconfirm.example/orders/7' }
  const footer =
    '\n\n-- \ncallconfirm\nKjo adresë merr njoftimet për Dyqani Lule; mund ta ndryshoni ose ta hiqni te faqja e cilësimeve të callconfirm.'

  it('says an order needs review in Albanian', () => {
    expect(reviewLetter(sq, 'Dyqani Lule', order)).toEqual({
      subject: 'Dyqani Lule: porosia #1001 ka nevojë për shqyrtim',
      text:
        'Porosia #1001 në Dyqani Lule duhet parë nga dikush.\n\n' +
        'Telefonata mbaroi pa një po ose jo të qartë, ose klienti kërkoi një ndryshim. ' +
        'Lexoni telefonatën në faqen e porosisë dhe vendosni çfarë të bëni me të.\n\n' +
        `Hapni porosinë: ${order.url}${footer}`,
    })
  })

  it('says a write the store would not take in Albanian, the outcome named as the note names it', () => {
    const letter = writeFailedLetter(sq, 'Dyqani Lule', order, {
      kind: 'outcome',
      outcome: 'confirmed',
      error: 'Order 1001 no longer exists in the store.',
    })
    expect(letter.subject).toBe('Dyqani Lule: porosia #1001 nuk u përditësua dot në dyqanin tuaj')
    expect(letter.text).toBe(
      'callconfirm nuk arriti të shkruajë rezultatin e telefonatës (Konfirmuar) te porosia #1001 në dyqanin Dyqani Lule dhe nuk po provon më.\n\n' +
        'Çfarë tha dyqani: Order 1001 no longer exists in the store.\n\n' +
        'Asgjë nuk ka humbur: callconfirm e ruan telefonatën dhe rezultatin e saj, dhe sapo të ndreqet shkaku, shkrimi mund të dërgohet përsëri.\n\n' +
        `Hapni porosinë: ${order.url}${footer}`,
    )
  })

  it('sends the morning digest in Albanian, with Albanian plurals and date', () => {
    const stats = {
      orders: 4,
      calls: 6,
      answered: 3,
      inProgress: 1,
      outcomes: { confirmed: 1, cancelled: 2, needs_review: 1, no_answer: 0, voicemail: 0, invalid_phone: 0, failed: 0 },
    } as unknown as CallStats
    const facts = {
      day: '2026-12-01',
      stats,
      reviews: [order],
      reviewCount: 3,
      reviewsUrl: 'https://callconfirm.example/orders?x',
      dashboardUrl: 'https://callconfirm.example/',
    }
    const digest = digestLetter(sq, 'Dyqani Lule', facts)
    expect(digest.subject).toBe('Dyqani Lule, e martë, 1 dhjetor 2026: 1 e konfirmuar, 2 të anuluara dhe 3 për shqyrtim')
    expect(digest.text).toBe(
      [
        'Dyqani Lule, e martë, 1 dhjetor 2026',
        '',
        'Porosi për t’u telefonuar: 4',
        'Thirrje të bëra: 6 (3 me përgjigje)',
        'Konfirmuar: 1',
        'Anuluar: 2',
        'Pa përgjigje: 0',
        'Për shqyrtim: 1',
        'Ende duke u telefonuar: 1',
        '',
        'Porosi që presin ende shqyrtim (3):',
        `  #1001  ${order.url}`,
        '  … dhe 2 të tjera: https://callconfirm.example/orders?x',
        '',
        'Paneli juaj: https://callconfirm.example/',
      ].join('\n') + footer,
    )
    expect(digestLetter(translator('en'), 'Dyqani Lule', facts).subject).toBe(
      'Dyqani Lule, Tuesday, 1 December 2026: 1 confirmed, 2 cancelled, 3 to review',
    )
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

  it('says who marked the order, and a person’s note, as it always has', () => {
    expect(inEnglish({ kind: 'marked', outcome: 'confirmed', by: 'operator', was: 'needs_review' })).toBe(
      'Marked confirmed by the operator (it was: Needs review).',
    )
    expect(inEnglish({ kind: 'marked', outcome: 'cancelled', by: 'merchant' })).toBe('Marked cancelled by the merchant.')
    expect(personsNote('Customer will collect it at the shop', 'merchant', noteWords('en-US'))).toBe(
      'Note from the merchant: Customer will collect it at the shop',
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
