/**
 * The simulated model's mind: what a realtime model following callconfirm's instructions would
 * say and which tools it would call. It reads the order from the delimited block in the session
 * instructions, greets with the shop and order, and understands a customer's few possible
 * answers, in Albanian or English. Deliberately simple: tests choose what the customer says.
 */

export type Item =
  | { kind: 'user_audio'; transcript: string }
  | { kind: 'user_text'; text: string }
  | { kind: 'assistant'; transcript: string }
  | { kind: 'function_call'; name: string; callId: string }
  | { kind: 'function_output'; callId: string; output: string }

export interface Decision {
  say: string
  calls: Array<{ name: string; arguments: Record<string, unknown> }>
}

interface OrderFacts {
  shop?: string
  order?: string
  items?: string
  total?: string
  city?: string
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
  const endCall = (tools: Set<string>): Decision['calls'] =>
    tools.has('end_call') && !habits.neverEndCall ? [{ name: 'end_call', arguments: {} }] : []
  const rules = responseInstructions ?? instructions
  const english = !/speak only/i.test(rules)
  const goodbye = (tools: Set<string>): Decision => ({ say: english ? 'Thank you. Goodbye!' : 'Faleminderit. Mirupafshim!', calls: endCall(tools) })
  const facts = orderFacts(rules)
  const call = (name: string, args: Record<string, unknown> = {}): Decision['calls'] => (tools.has(name) ? [{ name, arguments: args }] : [])
  if (responseInstructions && /goodbye|mirupafshim|end the call/i.test(responseInstructions)) return goodbye(tools)
  if (responseInstructions) return { say: english ? 'Can you hear me?' : 'A më dëgjoni?', calls: [] }

  const last = conversation.at(-1)
  const spoken = conversation.some((i) => i.kind === 'assistant')
  if (!last || (!spoken && last.kind !== 'user_audio' && last.kind !== 'user_text'))
    return {
      say: `Përshëndetje, ju flet asistenti automatik i ${facts.shop ?? 'dyqanit'}. Ju telefonojmë për porosinë ${facts.order ?? ''}: ${facts.items ?? ''}, gjithsej ${facts.total ?? ''}, me dërgesë në ${facts.city ?? ''}. A e konfirmoni porosinë? Shtypni 1 për ta konfirmuar ose 2 për ta anuluar.`,
      calls: [],
    }
  if (last.kind === 'function_output') return goodbye(tools)
  if (last.kind === 'user_text') {
    if (/pressed|shtyp|goodbye|end the call/i.test(last.text)) return goodbye(tools)
    return /hear you/i.test(last.text) ? { say: 'A më dëgjoni?', calls: [] } : { say: 'Po.', calls: [] }
  }
  if (last.kind !== 'user_audio') return { say: 'A e konfirmoni porosinë?', calls: [] }

  const said = last.transcript
  const time = said.match(/\b(\d{1,2}:\d{2})\b/)?.[1] ?? said.match(/\b(?:at|në|ora)\s+(\d{1,2})\b/i)?.[1]
  if (has(said, ['gabim', 'wrong number', 'nuk jam', 'wrong person'])) return { say: 'Më falni për shqetësimin.', calls: call('wrong_number') }
  if (has(said, ['më vonë', 'me vone', 'later', 'call me', 'më telefono', 'me telefono']))
    return {
      say: 'Në rregull, do t’ju telefonojmë më vonë.',
      calls: call('request_callback', { when: time ? (time.includes(':') ? time : `${time.padStart(2, '0')}:00`) : 'later' }),
    }
  if (has(said, ['ndrysho', 'ndryshoj', 'adresën', 'adresa', 'adresen', 'change']))
    return { say: 'E kuptova, do ta kalojmë kërkesën tuaj te dyqani.', calls: call('request_changes', { details: said }) }
  if (has(said, ['jo', 'no', 'anulo', 'anuloj', 'cancel']))
    return { say: 'E kuptova, porosia do të anulohet.', calls: call('cancel_order', { reason: said }) }
  if (has(said, ['po', 'yes', 'ok', 'konfirmoj', 'sigurisht', 'confirm']))
    return { say: 'Faleminderit, porosia u konfirmua.', calls: call('confirm_order') }
  return { say: 'Më falni, nuk ju dëgjova mirë. A e konfirmoni porosinë?', calls: [] }
}
