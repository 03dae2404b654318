import { Worker } from 'node:worker_threads'
import type { OrderWrite, SavedOrder } from '../orders/intake.js'
import type { Logger } from '../utils/log.js'
import type { WriterReply, WriterRequest } from './intakeWriterThread.js'

export interface IntakeWriter {
  /** Writes a batch of orders in one transaction on the writer thread. */
  saveOrders(writes: OrderWrite[]): Promise<SavedOrder[]>
  /** Finishes the writes already sent, then stops the thread. */
  close(): Promise<void>
}

export interface IntakeWriterOptions {
  /** Told of each thread started (the first, and any after one died). */
  onThreadStart?: (thread: Worker) => void
}

/**
 * Runs intake's durable writes on a thread of their own. A commit waits for the disk (fsync,
 * and now and then a WAL checkpoint); on the event loop that wait would stall every request in
 * flight. Here it overlaps with request handling.
 *
 * If the thread dies, the writes it held fail (their webhooks get a 500 and the store delivers
 * again) and the next write starts a new thread.
 */
export async function startIntakeWriter(databasePath: string, log: Logger, options: IntakeWriterOptions = {}): Promise<IntakeWriter> {
  const pending = new Map<number, { resolve: (r: SavedOrder[]) => void; reject: (e: Error) => void }>()
  let nextId = 1
  let live: Promise<Worker> | undefined
  let closing = false

  function spawn(): Promise<Worker> {
    // The thread runs TypeScript like the rest of the service: through tsx, scoped to its import.
    const entry = new URL('./intakeWriterThread.ts', import.meta.url).href
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
    const thread = new Worker(boot, { eval: true, workerData: { databasePath } })
    options.onThreadStart?.(thread)
    thread.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') return
      const waiting = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.type === 'saved') waiting?.resolve(reply.results)
      else waiting?.reject(new Error(`intake write failed: ${reply.message}`))
    })
    thread.on('error', (error) => log.error('intake writer thread failed', { error }))
    const started = new Promise<Worker>((resolve, reject) => {
      thread.once('message', () => resolve(thread))
      thread.once('exit', (code) => reject(new Error(`intake writer could not start (exit ${code})`)))
    })
    thread.once('exit', (code) => {
      live = undefined
      for (const [, waiting] of pending) waiting.reject(new Error(`intake writer stopped (exit ${code})`))
      pending.clear()
      if (!closing) log.error('intake writer thread exited; the next write starts a new one', { code })
    })
    return started
  }

  live = spawn()
  await live

  return {
    async saveOrders(writes) {
      if (closing) throw new Error('intake writer is closed')
      live ??= spawn()
      const thread = await live
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        try {
          thread.postMessage({ type: 'save', id, writes } satisfies WriterRequest)
        } catch (error) {
          pending.delete(id)
          reject(error)
        }
      })
    },
    async close() {
      closing = true
      const thread = await live?.catch(() => undefined)
      if (!thread) return
      const exited = new Promise((resolve) => thread.once('exit', resolve))
      thread.postMessage({ type: 'close' } satisfies WriterRequest)
      await exited
    },
  }
}
