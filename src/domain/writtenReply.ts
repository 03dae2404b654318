/**
 * What a customer's written reply to our question means, decided without I/O: a tap on the
 * WhatsApp template's button (its id), "1" / "2", a few words of yes or no in Albanian or
 * English, or a request to stop. Anything else — a question, a change of address, yes and no
 * together — is `unclear`: a person reads it rather than a guess being shipped.
 */
export type WrittenReply = 'confirm' | 'cancel' | 'stop' | 'unclear'

/** The WhatsApp template's quick-reply button ids (README: the template's actions). */
export const BUTTON_IDS = { confirm: 'confirm', cancel: 'cancel' } as const

/**
 * Opt-out words: Twilio's Advanced Opt-Out defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END,
 * QUIT, and OPTOUT, REVOKE) and Albanian "ndalo" ("stop"). As with Twilio, only the word alone
 * counts: "cancel" stops messages, it does not cancel the order.
 */
const STOP_WORDS = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke', 'ndalo', 'ndal'])

const CONFIRM_WORDS = new Set([
  '1',
  'po',
  'konfirmo',
  'konfirmoj',
  'konfirmoni',
  'konfirmuar',
  'konfirmohet',
  'yes',
  'y',
  'ok',
  'okay',
  'confirm',
  'confirmed',
  'dakord',
  'sigurisht',
])
const CANCEL_WORDS = new Set(['2', 'jo', 'anulo', 'anuloj', 'anuloni', 'anuloje', 'anulojeni', 'anulohet', 'no', 'n', 'nope'])
/** Words that go with a yes or a no without changing it ("Po, e konfirmoj, faleminderit"). */
const FILLER = new Set([
  'e',
  'ta',
  'ju',
  'lutem',
  'shume',
  'faleminderit',
  'flm',
  'rrofsh',
  'porosine',
  'porosia',
  'porosi',
  'please',
  'thanks',
  'thank',
  'you',
  'the',
  'order',
  'it',
  'i',
  'my',
  'pls',
])

/** Lower case, without accents (ë → e, ç → c), emoji or punctuation: the words alone. */
function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
}

/**
 * @example
 * readWrittenReply({ text: 'Konfirmo', buttonPayload: 'confirm' }) // → 'confirm'
 * readWrittenReply({ text: 'Po, e konfirmoj' })                     // → 'confirm'
 * readWrittenReply({ text: '2' })                                   // → 'cancel'
 * readWrittenReply({ text: 'NDALO' })                               // → 'stop'
 * readWrittenReply({ text: 'po, por ndryshoni adresën' })           // → 'unclear'
 */
export function readWrittenReply(reply: { text: string; buttonPayload?: string | undefined }): WrittenReply {
  if (reply.buttonPayload === BUTTON_IDS.confirm) return 'confirm'
  if (reply.buttonPayload === BUTTON_IDS.cancel) return 'cancel'
  const said = words(reply.text)
  if (said.length === 1 && STOP_WORDS.has(said[0]!)) return 'stop'
  const yes = said.some((w) => CONFIRM_WORDS.has(w))
  const no = said.some((w) => CANCEL_WORDS.has(w))
  const understood = said.every((w) => CONFIRM_WORDS.has(w) || CANCEL_WORDS.has(w) || FILLER.has(w))
  if (!understood || yes === no) return 'unclear'
  return yes ? 'confirm' : 'cancel'
}
