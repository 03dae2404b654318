import { describe, expect, it } from 'vitest'
import { TwilioPlayout, ulawMs } from './twilioPlayout.js'

/** A base64 payload of `ms` milliseconds of µ-law (8 bytes a millisecond). */
const audio = (ms: number) => Buffer.alloc(ms * 8, 0xff).toString('base64')

/** A playout on a socket that keeps what it is sent, with a wall clock the test moves. */
function playout() {
  const sent: Array<Record<string, any>> = []
  let wall = 1_000_000
  const out = new TwilioPlayout({ send: (text) => sent.push(JSON.parse(text)) }, 'MZ1', () => wall)
  const marks = () => sent.filter((m) => m.event === 'mark').map((m) => m.mark.name as string)
  return {
    out,
    sent,
    marks,
    /** Twilio's stream clock reads `ms` now (a caller frame arrived). */
    streamAt(ms: number) {
      out.clockAt(ms)
    },
    /** Wall-clock time passes with no caller frame. */
    wait(ms: number) {
      wall += ms
    },
  }
}

describe('the Twilio playout', () => {
  it('measures µ-law in base64 without decoding it, padding included', () => {
    expect(ulawMs(audio(20))).toBe(20)
    expect(ulawMs(Buffer.alloc(161).toString('base64'))).toBe(161 / 8)
    expect(ulawMs(Buffer.alloc(162).toString('base64'))).toBe(162 / 8)
  })

  it('sends each delta as Twilio media, a progress mark per second of audio, and an end mark per item', () => {
    const p = playout()
    for (let i = 0; i < 60; i++) p.out.play('item_a', audio(20))
    p.out.endOfItem('item_a')
    expect(p.sent.filter((m) => m.event === 'media')).toHaveLength(60)
    expect(p.sent[0]).toEqual({ event: 'media', streamSid: 'MZ1', media: { payload: audio(20) } })
    expect(p.marks()).toEqual(['0:item_a:1000', '0:item_a:1200:end'])
    expect(p.out.endMarksPending).toBe(1)
  })

  it('reports everything heard only when the last end mark comes back', () => {
    const p = playout()
    p.out.play('item_a', audio(100))
    p.out.endOfItem('item_a')
    p.out.play('item_b', audio(100))
    p.out.endOfItem('item_b')
    expect(p.out.markPlayed('0:item_a:100:end')).toBe(false)
    expect(p.out.endMarksPending).toBe(1)
    expect(p.out.markPlayed('0:item_b:100:end')).toBe(true)
    expect(p.out.endMarksPending).toBe(0)
  })

  it('does not clear audio that has all played', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(500))
    p.wait(600)
    expect(p.out.clear()).toBeUndefined()
    expect(p.sent.some((m) => m.event === 'clear')).toBe(false)
  })

  it("on barge-in clears Twilio's queue and counts what was heard by the stream clock since the item began", () => {
    const p = playout()
    p.streamAt(4_000)
    p.out.play('item_a', audio(3_000))
    p.streamAt(5_200)
    expect(p.out.clear()).toEqual({ itemId: 'item_a', heardMs: 1_200 })
    expect(p.sent.at(-1)).toEqual({ event: 'clear', streamSid: 'MZ1' })
  })

  it('runs the stream clock on between caller frames', () => {
    const p = playout()
    p.streamAt(4_000)
    p.out.play('item_a', audio(3_000))
    p.wait(750)
    expect(p.out.clear()).toEqual({ itemId: 'item_a', heardMs: 750 })
  })

  it('counts what the marks confirm when they say more than the clock', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(2_500))
    p.out.markPlayed('0:item_a:2000')
    p.wait(300)
    expect(p.out.clear()).toEqual({ itemId: 'item_a', heardMs: 2_000 })
  })

  it('starts an item after the audio still queued ahead of it', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(1_000))
    // item_b queues behind item_a's second: at 1.4 s its first 0.4 s has played.
    p.out.play('item_b', audio(2_000))
    p.wait(1_400)
    expect(p.out.clear()).toEqual({ itemId: 'item_b', heardMs: 400 })
  })

  it('never says more was heard than was sent, whatever a mark claims', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(1_000))
    p.out.markPlayed('0:item_a:5000')
    expect(p.out.clear()).toEqual({ itemId: 'item_a', heardMs: 1_000 })
  })

  it('ignores the marks of a cleared generation that Twilio echoes after the clear', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(1_500))
    p.out.endOfItem('item_a')
    expect(p.out.clear()).toEqual({ itemId: 'item_a', heardMs: 0 })
    expect(p.out.endMarksPending).toBe(0)
    // The next response plays in generation 1; the old marks come back late.
    for (let i = 0; i < 60; i++) p.out.play('item_b', audio(20))
    p.out.endOfItem('item_b')
    expect(p.marks().slice(-2)).toEqual(['1:item_b:1000', '1:item_b:1200:end'])
    expect(p.out.markPlayed('0:item_a:1000')).toBe(false)
    expect(p.out.markPlayed('0:item_a:1500:end')).toBe(false)
    expect(p.out.endMarksPending).toBe(1)
    expect(p.out.markPlayed('1:item_b:1200:end')).toBe(true)
  })

  it('ignores a stale progress mark when it counts what was heard', () => {
    const p = playout()
    p.streamAt(0)
    p.out.play('item_a', audio(2_000))
    p.out.clear()
    p.out.play('item_a2', audio(2_000))
    p.out.markPlayed('0:item_a:2000')
    p.wait(100)
    expect(p.out.clear()).toEqual({ itemId: 'item_a2', heardMs: 100 })
  })
})
