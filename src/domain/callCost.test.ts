import { describe, expect, it } from 'vitest'
import { addUsage, modelCost, NO_USAGE, telephonyCost } from './callCost.js'

const prices = {
  audioInput: 32,
  audioCachedInput: 0.4,
  audioOutput: 64,
  textInput: 4,
  textCachedInput: 0.4,
  textOutput: 16,
  telephonyPerMinute: 0.014,
  streamPerMinute: 0.0044,
}

describe('the cost of a call', () => {
  it('sums usage over responses and prices cached input apart', () => {
    const once = {
      input_token_details: { audio_tokens: 100, text_tokens: 1000, cached_tokens_details: { text_tokens: 800, audio_tokens: 0 } },
      output_token_details: { audio_tokens: 600, text_tokens: 50 },
    }
    const totals = addUsage(addUsage(NO_USAGE, once), once)
    expect(totals).toEqual({ inputAudio: 200, inputCachedAudio: 0, inputText: 2000, inputCachedText: 1600, outputAudio: 1200, outputText: 100 })
    // 200×32 + 400×4 + 1600×0.4 + 1200×64 + 100×16, per million
    expect(modelCost(totals, prices)).toBeCloseTo((6400 + 1600 + 640 + 76800 + 1600) / 1e6, 9)
  })

  it("bills the destination's voice minutes and the stream's per started minute", () => {
    expect(telephonyCost(0, 0.413, prices)).toBe(0)
    // Two started minutes at an Albanian mobile's $0.413 and the stream's $0.0044.
    expect(telephonyCost(61, 0.413, prices)).toBeCloseTo(2 * (0.413 + 0.0044), 9)
  })
})
