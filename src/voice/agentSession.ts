import type { RealtimeServerEvent, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Config } from '../config.js'
import { agentInstructions } from '../domain/agentPrompt.js'
import { speechWords } from '../i18n/index.js'
import type { CallContext } from './callFacts.js'
import { connectRealtime, type RealtimeConnection } from './realtimeConnection.js'
import type { OpenRealtimeSocket } from './realtimeSocket.js'
import { AGENT_TOOLS } from './tools.js'

/** An agent's Realtime session: connected, configured for the call, and its events so far. */
export interface AgentSession {
  connection: RealtimeConnection
  /** Resolves once OpenAI confirms the configuration (µ-law both ways); rejects if it does not. */
  ready: Promise<void>
  /** Hands over the session's events: those already received first, then each as it comes. */
  attach(handler: (event: RealtimeServerEvent) => void): void
}

/** How long OpenAI has to confirm the session before the call gives up on the agent. */
const READY_TIMEOUT_MS = 5_000

/**
 * The session for one call: µ-law in and out so Twilio's audio passes untouched, turn detection
 * (semantic VAD unless configured otherwise) that may interrupt the agent, the caller's speech
 * transcribed, the agent's voice, instructions and tools.
 */
export function sessionConfig(config: Pick<Config, 'openai'>, context: CallContext, voice: string): RealtimeSessionCreateRequest {
  const turnDetection =
    config.openai.turnDetection === 'server_vad'
      ? {
          type: 'server_vad' as const,
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
          create_response: true,
          interrupt_response: true,
        }
      : { type: 'semantic_vad' as const, eagerness: 'auto' as const, create_response: true, interrupt_response: true }
  return {
    type: 'realtime',
    model: config.openai.realtimeModel,
    output_modalities: ['audio'],
    instructions: agentInstructions(context.facts, speechWords(context.facts.language)),
    audio: {
      input: {
        format: { type: 'audio/pcmu' },
        noise_reduction: { type: 'near_field' },
        transcription: { model: 'gpt-4o-mini-transcribe', language: context.facts.language.split('-')[0] },
        turn_detection: turnDetection,
      },
      output: { format: { type: 'audio/pcmu' }, voice },
    },
    tools: AGENT_TOOLS,
    tool_choice: 'auto',
  }
}

/** Opens and configures a call's session. A `session.updated` without µ-law is a failure: VAD would never hear the caller. */
export async function openAgentSession(
  config: Pick<Config, 'openai'>,
  context: CallContext,
  voice: string,
  openSocket: OpenRealtimeSocket,
): Promise<AgentSession> {
  const connection = await connectRealtime(
    { url: config.openai.realtimeUrl, apiKey: config.openai.apiKey ?? '', model: config.openai.realtimeModel },
    openSocket,
  )
  const held: RealtimeServerEvent[] = []
  let handler: ((event: RealtimeServerEvent) => void) | undefined
  let confirm: () => void = () => undefined
  let fail: (error: Error) => void = () => undefined
  const ready = new Promise<void>((resolve, reject) => {
    confirm = resolve
    fail = reject
  })
  const timer = setTimeout(() => fail(new Error('Realtime did not confirm the session in time')), READY_TIMEOUT_MS)
  void ready.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  )
  connection.onEvent((event) => {
    if (event.type === 'session.updated') {
      const input = event.session.type === 'realtime' ? event.session.audio?.input?.format?.type : undefined
      if (input === 'audio/pcmu') confirm()
      else fail(new Error(`Realtime kept input format ${input ?? 'unknown'}`))
    } else if (event.type === 'error' && event.error.param?.startsWith('session'))
      fail(new Error(`Realtime refused the session: ${event.error.message}`))
    if (handler) handler(event)
    else held.push(event)
  })
  connection.onClose(() => fail(new Error('Realtime closed before the session was ready')))
  connection.send({ type: 'session.update', session: sessionConfig(config, context, voice) })
  return {
    connection,
    ready,
    attach(next) {
      handler = next
      for (const event of held.splice(0)) next(event)
    },
  }
}
