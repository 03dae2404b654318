/**
 * Coalesces calls made close together into one batch call: what a busy webhook receiver needs to
 * write many orders with one durable disk flush instead of one flush each (group commit).
 *
 * A batch is everything submitted in one turn of the event loop; items submitted while a batch
 * is being written wait for the next one. If a batch fails, its items are retried one by one, so
 * a single bad item fails alone.
 *
 * @example
 * const writeOrder = createBatcher((rows: OrderRow[]) => insertOrders(db, rows))
 * const result = await writeOrder(row)
 */
export function createBatcher<T, R>(runBatch: (items: T[]) => Promise<R[]>, { maxBatch = 256 }: { maxBatch?: number } = {}): (item: T) => Promise<R> {
  type Waiting = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }
  let queue: Waiting[] = []
  let scheduled = false
  let running = false
  // setImmediate runs after the current I/O phase, so every request parsed in it joins the batch.
  const later: (fn: () => void) => void = globalThis.setImmediate ?? ((fn) => setTimeout(fn, 0))

  const schedule = () => {
    if (scheduled || running || queue.length === 0) return
    scheduled = true
    later(() => void flush())
  }

  const flush = async () => {
    scheduled = false
    running = true
    const batch = queue.slice(0, maxBatch)
    queue = queue.slice(batch.length)
    try {
      const results = await runBatch(batch.map((w) => w.item))
      for (const [i, w] of batch.entries()) w.resolve(results[i] as R)
    } catch {
      for (const w of batch) {
        try {
          const [result] = await runBatch([w.item])
          w.resolve(result as R)
        } catch (error) {
          w.reject(error)
        }
      }
    } finally {
      running = false
      schedule()
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      schedule()
    })
}
