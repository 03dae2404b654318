/**
 * Simulated speech: words turned into G.711 µ-law audio that simulators can hear back. The
 * samples are loud (a voice-activity detector measuring energy hears speech), and the text rides
 * in them, framed by markers, so the simulated OpenAI "transcribes" exactly what the simulated
 * customer said and a test can check what the customer heard — through the real audio path,
 * with no side channel.
 */

/** µ-law byte → 16-bit linear sample (ITU-T G.711). */
export const MULAW_TO_LINEAR = (() => {
  const table = new Int16Array(256)
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff
    const sign = u & 0x80
    const exponent = (u >> 4) & 0x07
    const mantissa = u & 0x0f
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    table[i] = sign ? -magnitude : magnitude
  }
  return table
})()

/** Root-mean-square level of a µ-law frame (0 for digital silence, ~8,000+ for our speech). */
export function frameEnergy(frame: Uint8Array): number {
  if (!frame.length) return 0
  let sum = 0
  for (const b of frame) {
    const s = MULAW_TO_LINEAR[b]!
    sum += s * s
  }
  return Math.sqrt(sum / frame.length)
}

// Loud µ-law codes (large magnitudes): nibbles ride in 0x10–0x1F, markers and filler below.
const START = [0x01, 0x02, 0x03, 0x04]
const END = [0x04, 0x03, 0x02, 0x01]
const FILLER = [0x20, 0xa0]
/** Filler codes, 0x20–0x2F and 0xA0–0xAF: at least 4,092 in magnitude, never a marker byte nor a nibble. */
const isFiller = (b: number) => (b & 0x70) === 0x20
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1), the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Audio of `text` being said, `msPerChar` milliseconds a character (8 bytes a millisecond). With a
 * `seed` the filler is drawn from the filler codes, after the text and between its characters,
 * so no 20 ms frame of it is like a frame of audio with another seed, even where the text is the same.
 */
export function speak(text: string, msPerChar = 60, seed?: number): Uint8Array {
  const random = seed === undefined ? undefined : seededRandom(seed)
  const filler = (i: number) => {
    if (!random) return FILLER[i % 2]!
    const code = Math.floor(random() * 32)
    return (code & 0x10 ? 0xa0 : 0x20) | (code & 0x0f)
  }
  const payload = [...START]
  for (const b of encoder.encode(text)) {
    payload.push(0x10 | (b >> 4), 0x10 | (b & 0x0f))
    if (random) payload.push(filler(payload.length))
  }
  payload.push(...END)
  const length = Math.max(payload.length, Math.round(text.length * msPerChar * 8))
  const audio = new Uint8Array(length)
  audio.set(payload)
  for (let i = payload.length; i < length; i++) audio[i] = filler(i)
  return audio
}

/** Everything said in `audio`, in order (what a listener would transcribe). */
export function hear(audio: Uint8Array): string[] {
  const heard: string[] = []
  for (let i = 0; i + START.length <= audio.length; i++) {
    if (!START.every((b, k) => audio[i + k] === b)) continue
    const bytes: number[] = []
    let j = i + START.length
    while (j + 1 < audio.length) {
      if (END.every((b, k) => audio[j + k] === b)) break
      if (isFiller(audio[j]!)) {
        j++
        continue
      }
      const hi = audio[j]!
      const lo = audio[j + 1]!
      if ((hi & 0xf0) !== 0x10 || (lo & 0xf0) !== 0x10) break
      bytes.push(((hi & 0x0f) << 4) | (lo & 0x0f))
      j += 2
    }
    heard.push(decoder.decode(new Uint8Array(bytes)))
    i = j - 1 // another START may begin right where this text was cut
  }
  return heard
}
