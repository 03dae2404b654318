import { XMLParser, XMLValidator } from 'fast-xml-parser'

/** One TwiML verb the simulated call carries out, in document order. */
export type Verb =
  | { verb: 'Connect'; stream: { url: string; parameters: Record<string, string> } }
  | { verb: 'Say'; text: string }
  | { verb: 'Pause'; seconds: number }
  | { verb: 'Hangup' }
  | { verb: 'Unsupported'; name: string }

export class TwimlError extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  textNodeName: '#text',
})

type Node = Record<string, unknown> & { ':@'?: Record<string, string> }

const nameOf = (node: Node) => Object.keys(node).find((k) => k !== ':@')!
const childrenOf = (node: Node) => (node[nameOf(node)] as Node[] | undefined) ?? []
const attrs = (node: Node) => node[':@'] ?? {}

/**
 * Parses TwiML as Twilio would for an outbound call's `Twiml` parameter: it must be well-formed
 * XML with a `<Response>` root (else error 12100, "Document parse failure"), and a bidirectional
 * stream is `<Connect><Stream url="wss://…">` with `<Parameter name value>` children.
 */
export function parseTwiml(twiml: string): Verb[] {
  if (XMLValidator.validate(twiml) !== true) throw new TwimlError('Document parse failure')
  const root = (parser.parse(twiml) as Node[]).find((n) => nameOf(n) === 'Response')
  if (!root) throw new TwimlError('Document parse failure: the root element must be <Response>')
  return childrenOf(root)
    .filter((n) => nameOf(n) !== '#text')
    .map((node): Verb => {
      const name = nameOf(node)
      if (name === 'Connect') {
        const stream = childrenOf(node).find((n) => nameOf(n) === 'Stream')
        const url = stream && attrs(stream).url
        if (!stream || !url) throw new TwimlError('<Connect> needs a <Stream url="…">')
        const parameters: Record<string, string> = {}
        for (const p of childrenOf(stream).filter((n) => nameOf(n) === 'Parameter')) {
          const { name: key, value } = attrs(p)
          if (key) parameters[key] = value ?? ''
        }
        return { verb: 'Connect', stream: { url, parameters } }
      }
      if (name === 'Say')
        return {
          verb: 'Say',
          text: String(
            childrenOf(node)
              .map((n) => n['#text'] ?? '')
              .join(''),
          ),
        }
      if (name === 'Pause') return { verb: 'Pause', seconds: Number(attrs(node).length ?? 1) }
      if (name === 'Hangup') return { verb: 'Hangup' }
      return { verb: 'Unsupported', name }
    })
}
