/**
 * The customer's turns as the Realtime session commits them, and the words of each once its
 * transcription arrives. Transcription runs beside the model, not before it: the model can answer
 * a turn (and call a tool on it) before that turn's words are in, so the words that led to a
 * response are found by the turn it answered, waiting briefly when they are late.
 *
 * @example
 * turns.committed('item_1')               // input_audio_buffer.committed
 * turns.responseCreated('resp_1')         // response.created: it answers item_1
 * await turns.wordsFor('resp_1', 2_000)   // the words of item_1, once transcribed (or undefined)
 */
export class CustomerTurns {
  /** The latest committed turn. */
  private latest: string | undefined
  /** Each transcribed turn's words ('' when there were none, or transcription failed). */
  private words = new Map<string, string>()
  private waiting = new Map<string, Array<() => void>>()
  /** The turn each response answers: the latest committed when it was created. */
  private turnOf = new Map<string, string | undefined>()

  /** The customer's speech became a conversation item. */
  committed(itemId: string): void {
    this.latest = itemId
  }

  /** The latest committed turn, and its words if they are in: what the customer said last. */
  last(): { itemId: string; words: string | undefined } | undefined {
    return this.latest === undefined ? undefined : { itemId: this.latest, words: this.words.get(this.latest) || undefined }
  }

  /** A turn's transcription arrived (or failed: no words). */
  transcribed(itemId: string, text: string): void {
    this.words.set(itemId, text.trim())
    for (const wake of this.waiting.get(itemId) ?? []) wake()
    this.waiting.delete(itemId)
  }

  /** A response began: it answers the latest committed turn. */
  responseCreated(responseId: string): void {
    this.turnOf.set(responseId, this.latest)
  }

  /** The turn a response answers (undefined before the customer has said anything). */
  turnFor(responseId: string): string | undefined {
    return this.turnOf.has(responseId) ? this.turnOf.get(responseId) : this.latest
  }

  /** The words of the turn a response answers, waiting up to `waitMs` for a late transcription; undefined when there are none. */
  async wordsFor(responseId: string, waitMs: number): Promise<string | undefined> {
    const turn = this.turnFor(responseId)
    if (turn === undefined) return undefined
    if (!this.words.has(turn)) await this.arrival(turn, waitMs)
    return this.words.get(turn) || undefined
  }

  private arrival(turn: string, waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs)
      const wake = () => {
        clearTimeout(timer)
        resolve()
      }
      this.waiting.set(turn, [...(this.waiting.get(turn) ?? []), wake])
    })
  }
}
