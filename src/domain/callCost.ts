/** Token counts of a call, summed over its responses (OpenAI's `response.done` usage). */
export interface UsageTotals {
  inputAudio: number
  inputCachedAudio: number
  inputText: number
  inputCachedText: number
  outputAudio: number
  outputText: number
}

/** The parts of OpenAI's `RealtimeResponseUsage` the cost depends on. */
export interface ResponseUsage {
  input_token_details?: {
    audio_tokens?: number
    text_tokens?: number
    cached_tokens_details?: { audio_tokens?: number; text_tokens?: number }
  }
  output_token_details?: { audio_tokens?: number; text_tokens?: number }
}

/** Prices for the estimate, US dollars (config: CALL_PRICES). */
export interface CallPrices {
  /** Per million tokens. */
  audioInput: number
  audioCachedInput: number
  audioOutput: number
  textInput: number
  textCachedInput: number
  textOutput: number
  /**
   * Per started minute of outbound voice, when Twilio's Pricing API cannot say what a minute to
   * the destination costs (calls/pricing.ts asks it).
   */
  telephonyPerMinute: number
  /** Per started minute of the call's media stream, whatever the destination. */
  streamPerMinute: number
}

export const NO_USAGE: UsageTotals = { inputAudio: 0, inputCachedAudio: 0, inputText: 0, inputCachedText: 0, outputAudio: 0, outputText: 0 }

/** Adds one response's usage. Cached tokens are counted within the input tokens, as OpenAI does. */
export function addUsage(totals: UsageTotals, usage: ResponseUsage | null | undefined): UsageTotals {
  const input = usage?.input_token_details
  const output = usage?.output_token_details
  return {
    inputAudio: totals.inputAudio + (input?.audio_tokens ?? 0),
    inputCachedAudio: totals.inputCachedAudio + (input?.cached_tokens_details?.audio_tokens ?? 0),
    inputText: totals.inputText + (input?.text_tokens ?? 0),
    inputCachedText: totals.inputCachedText + (input?.cached_tokens_details?.text_tokens ?? 0),
    outputAudio: totals.outputAudio + (output?.audio_tokens ?? 0),
    outputText: totals.outputText + (output?.text_tokens ?? 0),
  }
}

/** What the model's tokens cost, in US dollars (prices per million tokens). */
export function modelCost(t: UsageTotals, p: CallPrices): number {
  const perToken = (price: number) => price / 1_000_000
  return (
    (t.inputAudio - t.inputCachedAudio) * perToken(p.audioInput) +
    t.inputCachedAudio * perToken(p.audioCachedInput) +
    (t.inputText - t.inputCachedText) * perToken(p.textInput) +
    t.inputCachedText * perToken(p.textCachedInput) +
    t.outputAudio * perToken(p.audioOutput) +
    t.outputText * perToken(p.textOutput)
  )
}

/**
 * What the call's minutes cost: the destination's voice price and the media stream's, each
 * billed per started minute.
 *
 * @example
 * telephonyCost(61, 0.413, prices) // two minutes to an Albanian mobile, and two of the stream
 */
export function telephonyCost(durationSeconds: number, voicePerMinute: number, p: Pick<CallPrices, 'streamPerMinute'>): number {
  return Math.ceil(Math.max(0, durationSeconds) / 60) * (voicePerMinute + p.streamPerMinute)
}
