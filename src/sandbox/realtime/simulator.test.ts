import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { hear, speak } from '../speech.js'
import { type RealtimeSimulator, startRealtimeSimulator } from './simulator.js'

let sim: RealtimeSimulator
beforeAll(async () => {
  sim = await startRealtimeSimulator({ apiKey: 'sk-sim', msPerChar: 5 })
})
afterAll(() => sim.close())

/** A client speaking the GA protocol to the simulator, collecting what it sends back. */
async function connect(key = 'sk-sim') {
  const events: RealtimeServerEvent[] = []
  const ws = new WebSocket(`${sim.url}?model=gpt-realtime`, { headers: { authorization: `Bearer ${key}` } })
  ws.on('message', (d) => events.push(JSON.parse(d.toString())))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_q, res) => reject(new Error(String(res.statusCode))))
  })
  const send = (e: object) => ws.send(JSON.stringify(e))
  const next = async (type: string) => {
    for (let i = 0; i < 300; i++) {
      const found = events.find((e) => e.type === type)
      if (found) return found
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`no ${type}`)
  }
  return { ws, events, send, next }
}

const session = {
  type: 'realtime',
  instructions: 'x <order>{"shop":"Dyqani","order":"#7"}</order>',
  audio: {
    input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad', silence_duration_ms: 200 } },
    output: { format: { type: 'audio/pcmu' } },
  },
}

describe('the Realtime simulator', () => {
  it('refuses a wrong API key at the handshake', async () => {
    await expect(connect('sk-wrong')).rejects.toThrow('401')
  })

  it('opens with session.created and applies session.update, µ-law both ways', async () => {
    const c = await connect()
    expect((await c.next('session.created')).type).toBe('session.created')
    c.send({ type: 'session.update', session })
    const updated = (await c.next('session.updated')) as Extract<RealtimeServerEvent, { type: 'session.updated' }>
    expect(updated.session).toMatchObject({ audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } })
    c.ws.close()
  })

  it('answers a second response.create during the first with conversation_already_has_active_response', async () => {
    const c = await connect()
    c.send({ type: 'session.update', session })
    await c.next('session.updated')
    c.send({ type: 'response.create' })
    c.send({ type: 'response.create' })
    const error = (await c.next('error')) as Extract<RealtimeServerEvent, { type: 'error' }>
    expect(error.error.code).toBe('conversation_already_has_active_response')
    // The greeting streams as µ-law deltas that say the shop's name, with its transcript.
    const done = (await c.next('response.done')) as Extract<RealtimeServerEvent, { type: 'response.done' }>
    const audio = Buffer.concat(
      c.events.filter((e) => e.type === 'response.output_audio.delta').map((e) => Buffer.from((e as { delta: string }).delta, 'base64')),
    )
    expect(hear(new Uint8Array(audio)).join(' ')).toContain('Dyqani')
    expect(c.events.some((e) => e.type === 'response.output_audio_transcript.delta')).toBe(true)
    expect(done.response.usage?.output_token_details?.audio_tokens).toBeGreaterThan(0)
    c.ws.close()
  })

  it('hears speech by its energy, transcribes it, and refuses a truncation longer than the audio', async () => {
    const c = await connect()
    c.send({ type: 'session.update', session })
    await c.next('session.updated')
    const words = Buffer.concat([Buffer.from(speak('po', 60)), Buffer.alloc(8 * 400, 0xff)])
    for (let i = 0; i < words.length; i += 160) c.send({ type: 'input_audio_buffer.append', audio: words.subarray(i, i + 160).toString('base64') })
    expect((await c.next('input_audio_buffer.speech_started')).type).toBeTruthy()
    expect((await c.next('input_audio_buffer.speech_stopped')).type).toBeTruthy()
    const transcript = (await c.next('conversation.item.input_audio_transcription.completed')) as Extract<
      RealtimeServerEvent,
      { type: 'conversation.item.input_audio_transcription.completed' }
    >
    expect(transcript.transcript).toBe('po')
    const delta = (await c.next('response.output_audio.delta')) as Extract<RealtimeServerEvent, { type: 'response.output_audio.delta' }>
    await c.next('response.done')
    c.send({ type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 999_999 })
    const error = (await c.next('error')) as Extract<RealtimeServerEvent, { type: 'error' }>
    expect(error.error.message).toMatch(/Audio content of \d+ms is already shorter than 999999ms/)
    c.ws.close()
  })
})
