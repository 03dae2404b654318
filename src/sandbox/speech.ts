/**
 * Simulated speech: words turned into G.711 µ-law audio that simulators can hear back. The
 * samples are loud (a voice-activity detector measuring energy hears speech), and the text rides
 * in them, framed by markers, so the simulated OpenAI "transcribes" exactly what the simulated
 * customer said and a test can check what the customer heard — through the real audio path,
 * with no side channel.
 */

/** µ-law byte → 16-bit linear sample (ITU-T G.711). */
const MULAW_TO_LINEAR = (() => {
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
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Audio of `text` being said, `msPerChar` milliseconds a character (8 bytes a millisecond). */
export function speak(text: string, msPerChar = 60): Uint8Array {
  const bytes = encoder.encode(text)
  const payload = [...START]
  for (const b of bytes) payload.push(0x10 | (b >> 4), 0x10 | (b & 0x0f))
  payload.push(...END)
  const length = Math.max(payload.length, Math.round(text.length * msPerChar * 8))
  const audio = new Uint8Array(length)
  audio.set(payload)
  for (let i = payload.length; i < length; i++) audio[i] = FILLER[i % 2]!
  return audio
}

/** Everything said in `audio`, in order (what a listener would transcribe). */
export function hear(audio: Uint8Array): string[] {
  const heard: string[] = []
  for (let i = 0; i + START.length <= audio.length; i++) {
    if (!START.every((b, k) => audio[i + k] === b)) continue
    const bytes: number[] = []
    let j = i + START.length
    for (; j + 1 < audio.length; j += 2) {
      if (END.every((b, k) => audio[j + k] === b)) break
      const hi = audio[j]!
      const lo = audio[j + 1]!
      if ((hi & 0xf0) !== 0x10 || (lo & 0xf0) !== 0x10) break
      bytes.push(((hi & 0x0f) << 4) | (lo & 0x0f))
    }
    heard.push(decoder.decode(new Uint8Array(bytes)))
    i = j
  }
  return heard
}
