/**
 * The simulated model's mind: what a realtime model following callconfirm's instructions would
 * say and which tools it would call. It reads the order from the delimited block in the session
 * instructions, greets with the shop and order, and understands a customer's few possible
 * answers, in Albanian or English. Deliberately simple: tests choose what the customer says.
 */

export interface Call {
  name: string
  arguments: Record<string, unknown>
}

export type Item =
  | { kind: 'user_audio'; transcript: string }
  | { kind: 'user_text'; text: string }
  | { kind: 'assistant'; transcript: string }
  | ({ kind: 'function_call'; callId: string } & Call)
  | { kind: 'function_output'; callId: string; output: string }

export interface Decision {
  say: string
  calls: Call[]
  /** A short sentence the model may add in an audio item of its own (the real model sometimes speaks twice). */
  encore: string
}

interface OrderFacts {
  shop?: string
  order?: string
  items?: string
  total?: string
  city?: string
  /** Why we called, said to a customer who rang back. */
  calledAbout?: string
}

/** The order facts our instructions carry between `<order>` and `</order>` (JSON). */
export function orderFacts(instructions: string): OrderFacts {
  const block = instructions.match(/<order>([\s\S]*?)<\/order>/)?.[1]
  if (!block) return {}
  try {
    return JSON.parse(block) as OrderFacts
  } catch {
    return {}
  }
}

/** True when `text` contains one of the words or phrases, as whole words. */
const has = (text: string, words: string[]) => {
  const t = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}:]+/gu, ' ')} `
  return words.some((w) => t.includes(` ${w} `))
}

/** How this simulated model departs from the ideal one. */
export interface BrainHabits {
  /** Says goodbye but never calls `end_call`, as the real model often does. */
  neverEndCall?: boolean
  /** Calls the final tool again, instead of saying goodbye, right after that tool's output came back. */
  repeatsAnswer?: boolean
}

/** The tools whose call is the customer's final answer. */
const FINAL_TOOLS = new Set(['confirm_order', 'cancel_order', 'request_changes', 'wrong_number', 'request_callback'])

/** A key press, as the bridge reports it in a system text. */
const KEY_PRESS = /pressed|shtyp/i

/** The final answer whose output has just come back, before the model replied to it (only system texts since). */
export function answerAwaitingReply(conversation: Item[]): Call | undefined {
  const output = conversation.findLast((i) => i.kind !== 'user_text')
  if (output?.kind !== 'function_output') return undefined
  const call = conversation.find((i) => i.kind === 'function_call' && i.callId === output.callId)
  return call?.kind === 'function_call' && FINAL_TOOLS.has(call.name) ? { name: call.name, arguments: call.arguments } : undefined
}

/** The name of the last final tool whose output came back: the answer given so far. */
function givenAnswer(conversation: Item[]): string | undefined {
  const done = new Set(conversation.flatMap((i) => (i.kind === 'function_output' ? [i.callId] : [])))
  const call = conversation.findLast((i) => i.kind === 'function_call' && FINAL_TOOLS.has(i.name) && done.has(i.callId))
  return call?.kind === 'function_call' ? call.name : undefined
}

interface Answer extends Call {
  /** What the model says as it records the answer. */
  say: string
}

/**
 * The final answer in what the customer said, if any. Once an answer is given, a bare yes or no
 * ("Po", "ok", "Jo, faleminderit") only acknowledges it: changing it takes the verb ("anuloje").
 */
function answerIn(said: string, answered: boolean): Answer | undefined {
  const time = said.match(/\b(\d{1,2}:\d{2})\b/)?.[1] ?? said.match(/\b(?:at|në|ora)\s+(\d{1,2})\b/i)?.[1]
  if (has(said, ['gabim', 'wrong number', 'nuk jam', 'wrong person']))
    return { name: 'wrong_number', arguments: {}, say: 'Më falni për shqetësimin.' }
  if (has(said, ['më vonë', 'me vone', 'later', 'call me', 'më telefono', 'me telefono']))
    return {
      name: 'request_callback',
      arguments: { when: time ? (time.includes(':') ? time : `${time.padStart(2, '0')}:00`) : 'later' },
      say: 'Në rregull, do t’ju telefonojmë më vonë.',
    }
  if (has(said, ['ndrysho', 'ndryshoj', 'adresën', 'adresa', 'adresen', 'change']))
    return { name: 'request_changes', arguments: { details: said }, say: 'E kuptova, do ta kalojmë kërkesën tuaj te dyqani.' }
  if (has(said, ['anulo', 'anuloj', 'anuloje', 'cancel', ...(answered ? [] : ['jo', 'no'])]))
    return { name: 'cancel_order', arguments: { reason: said }, say: 'E kuptova, porosia do të anulohet.' }
  if (has(said, ['konfirmoj', 'confirm', ...(answered ? [] : ['po', 'yes', 'ok', 'sigurisht'])]))
    return { name: 'confirm_order', arguments: {}, say: 'Faleminderit, porosia u konfirmua.' }
  return undefined
}

/**
 * What the model does next, given the conversation so far. A response's own `instructions`
 * replace the session's for that response, as OpenAI's do: without the session's language rule
 * the model falls back to English.
 */
export function decide(
  instructions: string,
  responseInstructions: string | undefined,
  conversation: Item[],
  tools: Set<string>,
  habits: BrainHabits = {},
): Decision {
  const rules = responseInstructions ?? instructions
  const english = !/speak only/i.test(rules)
  const facts = orderFacts(rules)
  const call = (name: string, args: Record<string, unknown> = {}): Call[] => (tools.has(name) ? [{ name, arguments: args }] : [])
  const reply = (say: string, calls: Call[] = []): Decision => ({ say, calls, encore: english ? 'Thank you!' : 'Faleminderit!' })
  const goodbye = () => reply(english ? 'Thank you. Goodbye!' : 'Faleminderit. Mirupafshim!', habits.neverEndCall ? [] : call('end_call'))
  const record = (answer: Answer) => reply(answer.say, call(answer.name, answer.arguments))
  const again = habits.repeatsAnswer ? answerAwaitingReply(conversation) : undefined
  if (again) return reply(english ? 'Noted.' : 'U shënua.', call(again.name, again.arguments))
  if (responseInstructions && /goodbye|mirupafshim|end the call/i.test(responseInstructions)) return goodbye()
  if (responseInstructions) return reply(english ? 'Can you hear me?' : 'A më dëgjoni?')

  const last = conversation.at(-1)
  const spoken = conversation.some((i) => i.kind === 'assistant')
  const keyPressed = conversation.some((i) => i.kind === 'user_text' && KEY_PRESS.test(i.text))
  // Callees pick up saying "Alo?" or "Po?" (hello): until the model has spoken, nothing they say is an answer.
  if (!last || (!spoken && !keyPressed))
    return {
      say: `Përshëndetje, ju flet asistenti automatik i ${facts.shop ?? 'dyqanit'}. ${facts.calledAbout ? `${facts.calledAbout} Porosia:` : `Ju telefonojmë për porosinë ${facts.order ?? ''}:`} ${facts.items ?? ''}, gjithsej ${facts.total ?? ''}, me dërgesë në ${facts.city ?? ''}. A e konfirmoni porosinë? Shtypni 1 për ta konfirmuar ose 2 për ta anuluar.`,
      calls: [],
      encore: 'A e konfirmoni porosinë?',
    }
  if (last.kind === 'function_output') return goodbye()
  if (last.kind === 'user_text') {
    if (KEY_PRESS.test(last.text) || /goodbye|end the call/i.test(last.text)) return goodbye()
    return /hear you/i.test(last.text) ? reply('A më dëgjoni?') : reply('Po.')
  }
  if (last.kind !== 'user_audio') return reply('A e konfirmoni porosinë?')

  const given = givenAnswer(conversation)
  const answer = answerIn(last.transcript, given !== undefined)
  // Once answered, only a different answer is news; anything else ("Faleminderit", "ok") gets the goodbye.
  if (given) return answer && answer.name !== given ? record(answer) : goodbye()
  return answer ? record(answer) : reply('Më falni, nuk ju dëgjova mirë. A e konfirmoni porosinë?')
}
