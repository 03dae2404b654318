import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A WAV file of silence for Chromium's fake microphone (`--use-file-for-fake-audio-capture`):
 * 16-bit PCM, mono, 8 kHz. Silence, because the simulated model hears energy as speech, and
 * the sandbox's synthetic speech does not survive the browser's resampling (see the talk test).
 */
export function silentWav(directory: string, seconds = 3): string {
  const samples = 8000 * seconds
  const wav = Buffer.alloc(44 + samples * 2)
  wav.write('RIFF', 0)
  wav.writeUInt32LE(36 + samples * 2, 4)
  wav.write('WAVEfmt ', 8)
  wav.writeUInt32LE(16, 16)
  wav.writeUInt16LE(1, 20) // PCM
  wav.writeUInt16LE(1, 22) // mono
  wav.writeUInt32LE(8000, 24)
  wav.writeUInt32LE(16000, 28)
  wav.writeUInt16LE(2, 32)
  wav.writeUInt16LE(16, 34)
  wav.write('data', 36)
  wav.writeUInt32LE(samples * 2, 40)
  const path = join(directory, 'microphone.wav')
  writeFileSync(path, wav)
  return path
}
