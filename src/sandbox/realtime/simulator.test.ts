import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { frameEnergy, hear, speak } from '../speech.js'
import { decide, type Item } from './brain.js'
import { MODEL_DEVIATIONS, type ModelDeviation, type RealtimeSimulator, type SimulatedSession, startRealtimeSimulator } from './simulator.js'

let sim: RealtimeSimulator
beforeAll(async () => {
  sim = await startRealtimeSimulator({ apiKey: 'sk-sim', msPerChar: 5 })
})
afterAll(() => sim.close())

/** A client speaking the GA protocol to the simulator, collecting what it sends back. */
async function connect(key = 'sk-sim', target = sim) {
  const events: RealtimeServerEvent[] = []
  const ws = new WebSocket(`${target.url}?model=gpt-realtime`, { headers: { authorization: `Bearer ${key}` } })
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

describe('simulated speech', () => {
  it('with a seed, varies its loud filler so no two audios share a frame, and is still heard', () => {
    const text = 'Përshëndetje, ju flet asistenti automatik i Dyqani Lule. A e konfirmoni porosinë?'
    const frames = (audio: Uint8Array) => Array.from({ length: Math.floor(audio.length / 160) }, (_, i) => audio.subarray(i * 160, i * 160 + 160))
    const one = speak(text, 5, 1)
    const other = speak(text, 5, 2)
    const seen = new Set(frames(one).map((f) => Buffer.from(f).toString('base64')))
    expect(frames(other).some((f) => seen.has(Buffer.from(f).toString('base64')))).toBe(false)
    for (const audio of [one, other]) {
      expect(hear(audio)).toEqual([text])
      expect(audio.length).toBe(speak(text, 5).length)
      for (const frame of frames(audio)) expect(frameEnergy(frame)).toBeGreaterThan(4_000)
    }
    // Without a seed, the audio is what it always was.
    expect([...speak('po', 5).subarray(-4)]).toEqual([0x20, 0xa0, 0x20, 0xa0])
  })
})

describe("the simulated model's mind", () => {
  const instructions = 'Speak only Albanian. <order>{"shop":"Dyqani","order":"#7"}</order>'
  const tools = new Set(['confirm_order', 'cancel_order', 'end_call'])
  const answered: Item[] = [
    { kind: 'assistant', transcript: 'Përshëndetje… A e konfirmoni porosinë?' },
    { kind: 'user_audio', transcript: 'Po, e konfirmoj' },
    { kind: 'assistant', transcript: 'Faleminderit, porosia u konfirmua.' },
    { kind: 'function_call', callId: 'call_1', name: 'confirm_order', arguments: {} },
    { kind: 'function_output', callId: 'call_1', output: '{"ok":true}' },
    { kind: 'assistant', transcript: 'Faleminderit. Mirupafshim!' },
  ]
  const after = (transcript: string) => decide(instructions, undefined, [...answered, { kind: 'user_audio', transcript }], tools)

  it('greets whatever the callee said first: "Alo?" and "Po?" are a hello', () => {
    for (const hello of ['Alo?', 'Po?'])
      expect(decide(instructions, undefined, [{ kind: 'user_audio', transcript: hello }], tools).say).toContain('Dyqani')
    // A key press before the greeting is still an answer.
    const pressed = decide(instructions, undefined, [{ kind: 'user_text', text: 'The customer pressed 1 on the keypad to confirm.' }], tools)
    expect(pressed).toMatchObject({ say: 'Faleminderit. Mirupafshim!', calls: [{ name: 'end_call' }] })
  })

  it('after an answer, says goodbye to anything but a different answer, which it records', () => {
    for (const words of ['Faleminderit', 'ok', 'Po, po', 'Mirë'])
      expect(after(words)).toMatchObject({ say: 'Faleminderit. Mirupafshim!', calls: [{ name: 'end_call' }] })
    expect(after('Jo, prit, anuloje!')).toMatchObject({ say: 'E kuptova, porosia do të anulohet.', calls: [{ name: 'cancel_order' }] })
  })
})

describe('audio that identifies its response', () => {
  it('tells whose each delta is, and which went out after its response was cancelled', async () => {
    sim.sendDeltasAfterCancel(3)
    try {
      const c = await connect()
      c.send({ type: 'session.update', session })
      await c.next('session.updated')
      c.send({ type: 'response.create' })
      const first = (await c.next('response.output_audio.delta')) as Extract<RealtimeServerEvent, { type: 'response.output_audio.delta' }>
      c.send({ type: 'response.cancel' })
      await c.next('response.done')
      c.send({ type: 'response.create' })
      await until(() => c.events.filter((e) => e.type === 'response.done').length === 2)
      const deltas = c.events.filter((e) => e.type === 'response.output_audio.delta') as Array<
        Extract<RealtimeServerEvent, { type: 'response.output_audio.delta' }>
      >
      const owners = deltas.map((d) => ({ ...sim.audioOwner(d.delta), of: d.response_id }))
      for (const owner of owners) expect(owner.responseId).toBe(owner.of)
      expect(owners.filter((o) => o.afterCancel).map((o) => o.of)).toEqual([first.response_id, first.response_id, first.response_id])
      expect(sim.audioOwner(Buffer.from(speak('po', 5)).toString('base64'))).toBeUndefined()
      // The seeded audio is still heard: the second response greets in full.
      const second = deltas.filter((d) => d.response_id !== first.response_id)
      expect(hear(new Uint8Array(Buffer.concat(second.map((d) => Buffer.from(d.delta, 'base64'))))).join(' ')).toContain('A e konfirmoni porosinë?')
      c.ws.close()
    } finally {
      sim.sendDeltasAfterCancel(0)
    }
  })
})

type Client = Awaited<ReturnType<typeof connect>>
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 300 && !ok(); i++) await sleep(10)
  expect(ok()).toBe(true)
}
const agentTools = ['confirm_order', 'cancel_order', 'end_call'].map((name) => ({
  type: 'function',
  name,
  parameters: { type: 'object', properties: {} },
}))
const failed = (e: any) =>
  (e.type === 'error' && e.error.code === 'rate_limit_exceeded') ||
  (e.type === 'response.done' && (e.response.status === 'failed' || e.response.status === 'incomplete'))

/** Until no response is under way and nothing has come for 150 ms (a late transcription comes within 40 ms of its response, at these latencies). */
async function idle(c: Client) {
  const open = () => c.events.filter((e) => e.type === 'response.created').length > c.events.filter((e) => e.type === 'response.done').length
  for (let seen = -1; seen !== c.events.length || open(); ) {
    seen = c.events.length
    await sleep(150)
  }
}

/** Asks for something and waits until it is over; a failed response (or a refused request) is asked for once more, as the bridge does. */
async function step(c: Client, ask: () => void) {
  const from = c.events.length
  ask()
  await idle(c)
  if (c.events.slice(from).some(failed)) {
    c.send({ type: 'response.create' })
    await idle(c)
  }
  return c.events.slice(from)
}

/** A short call as the bridge has it: the greeting, the customer's "Po, e konfirmoj", then each answer's output until the model stops answering. */
async function converse(c: Client) {
  c.send({ type: 'session.update', session: { ...session, tools: agentTools } })
  await c.next('session.updated')
  await step(c, () => c.send({ type: 'response.create' }))
  const words = Buffer.concat([Buffer.from(speak('Po, e konfirmoj', 5)), Buffer.alloc(8 * 300, 0xff)])
  let events = await step(c, () => c.send({ type: 'input_audio_buffer.append', audio: words.toString('base64') }))
  for (let turn = 0; turn < 3; turn++) {
    const answer = events.findLast((e: any) => e.type === 'response.function_call_arguments.done' && e.name !== 'end_call') as any
    if (!answer) return
    events = await step(c, () => {
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: answer.call_id, output: '{"ok":true}' } })
      c.send({ type: 'response.create' })
    })
  }
}

/** Opens `count` sessions one after the other (so their ordinals are in order), then has them all converse at once. */
async function converseIn(target: RealtimeSimulator, count: number) {
  const calls: Array<{ client: Client; record: SimulatedSession }> = []
  for (let i = 0; i < count; i++) calls.push({ client: await connect('sk-sim', target), record: target.sessions.at(-1)! })
  await Promise.all(calls.map((call) => converse(call.client)))
  for (const call of calls) call.client.ws.close()
  return calls.map(({ client, record }) => ({ events: client.events, record }))
}

/** A response's events, one list per response id, in order. */
function responsesIn(events: RealtimeServerEvent[]) {
  const byId = new Map<string, any[]>()
  for (const e of events as any[]) {
    const id: string | undefined = e.response_id ?? e.response?.id
    if (id) byId.set(id, [...(byId.get(id) ?? []), e])
  }
  return [...byId.values()]
}
const itemsOf = (response: any[]) => response.filter((e) => e.type === 'response.output_item.added').map((e) => e.item)

describe('a real model', () => {
  let real: RealtimeSimulator
  let calls: Array<{ events: RealtimeServerEvent[]; record: SimulatedSession }>
  const has = (call: { record: SimulatedSession }, deviation: ModelDeviation) => call.record.deviations.includes(deviation)
  beforeAll(async () => {
    real = await startRealtimeSimulator({ apiKey: 'sk-sim', msPerChar: 5, realModel: { seed: 7, latencyScale: 0.05 } })
    calls = await converseIn(real, 60)
  }, 60_000)
  afterAll(() => real.close())

  it('replays the same way for the same seed and client', async () => {
    const run = async () => {
      real.behaveLikeRealModel({ seed: 42, latencyScale: 0.05 })
      return (await converseIn(real, 4)).map(({ events, record }) => ({ deviations: record.deviations, types: events.map((e) => e.type) }))
    }
    const first = await run()
    expect(first.flatMap((s) => s.deviations).length).toBeGreaterThan(0)
    expect(await run()).toEqual(first)
  }, 30_000)

  it('departs in every way across 60 sessions, each recorded once an occurrence', () => {
    expect(new Set(calls.flatMap((c) => c.record.deviations))).toEqual(new Set(MODEL_DEVIATIONS))
    for (const call of calls) {
      for (const once of ['skips_end_call', 'second_tool_call', 'slow_first_audio'] as const)
        expect(call.record.deviations.filter((d) => d === once).length).toBeLessThanOrEqual(1)
      // Without end_call skipped, the goodbye calls it; with it, never.
      expect(call.events.some((e: any) => e.name === 'end_call')).toBe(!has(call, 'skips_end_call'))
    }
  })

  it('streams each item whole and in its output_index order: audio deltas, then audio and transcript done, then the item done', () => {
    for (const response of calls.flatMap((c) => responsesIn(c.events))) {
      const items = itemsOf(response)
      expect(response.filter((e) => e.type === 'response.output_item.added').map((e) => e.output_index)).toEqual(items.map((_, i) => i))
      items.forEach((item, index) => {
        const events = response.filter((e) => e.item_id === item.id || e.item?.id === item.id)
        expect(events.every((e) => e.output_index === index)).toBe(true)
        const types = events.map((e) => e.type.replace('response.', ''))
        if (item.type === 'function_call')
          expect(types).toEqual(['output_item.added', 'function_call_arguments.delta', 'function_call_arguments.done', 'output_item.done'])
        else {
          expect(types.slice(0, 2)).toEqual(['output_item.added', 'output_audio.delta'])
          expect(types.slice(-3)).toEqual(['output_audio.done', 'output_audio_transcript.done', 'output_item.done'])
          expect(types.slice(1, -3).every((t) => t === 'output_audio.delta' || t === 'output_audio_transcript.delta')).toBe(true)
        }
      })
    }
  })

  it('calls a tool before speaking, or without speaking, and sometimes speaks twice', () => {
    for (const call of calls) {
      const kinds = responsesIn(call.events).map((r) => itemsOf(r).map((i: any) => i.type))
      expect(kinds.some((k) => k[0] === 'function_call' && k.includes('message'))).toBe(has(call, 'tool_before_speaking'))
      expect(kinds.some((k) => k.includes('function_call') && !k.includes('message'))).toBe(has(call, 'tool_without_speaking'))
      expect(kinds.some((k) => k.filter((t) => t === 'message').length === 2)).toBe(has(call, 'speaks_twice'))
    }
    const twice = calls.flatMap((c) => responsesIn(c.events)).find((r) => itemsOf(r).filter((i: any) => i.type === 'message').length === 2)!
    const [said, extra] = twice.filter((e) => e.type === 'response.output_audio_transcript.done')
    expect(said.item_id).not.toBe(extra.item_id)
    expect(['Thank you!', 'A e konfirmoni porosinë?']).toContain(extra.transcript)
  })

  it("sends a late transcription after the answer's function call, and calls the answer's tool again once at most", () => {
    for (const call of calls) {
      const types = call.events.map((e) => e.type)
      const transcribed = types.indexOf('conversation.item.input_audio_transcription.completed')
      const answered = call.events.findIndex((e: any) => e.type === 'response.function_call_arguments.done' && e.name === 'confirm_order')
      expect(transcribed > answered).toBe(has(call, 'late_transcript'))
      const confirmations = call.events.filter((e: any) => e.type === 'response.function_call_arguments.done' && e.name === 'confirm_order')
      expect(confirmations.length).toBe(has(call, 'second_tool_call') ? 2 : 1)
    }
  })

  it('fails a response now and then, as OpenAI does, never twice in a row', () => {
    for (const call of calls) {
      const outcomes = call.events.filter((e: any) => e.type === 'response.done' || failed(e)).map(failed)
      expect(outcomes.some((failure, i) => failure && outcomes[i + 1])).toBe(false)
      const failures = call.record.deviations.filter((d) => d === 'failed_response' || d === 'incomplete_response' || d === 'rate_limited')
      expect(outcomes.filter(Boolean).length).toBe(failures.length)
    }
    const failures = calls.flatMap((c) => c.events.filter(failed)) as any[]
    expect(failures.map((e) => e.error?.code ?? e.response.status_details.error?.type ?? e.response.status_details.reason)).toEqual(
      expect.arrayContaining(['rate_limit_exceeded', 'server_error', 'max_output_tokens']),
    )
  })
})
