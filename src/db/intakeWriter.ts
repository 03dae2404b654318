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

/**
 * Runs intake's durable writes on a thread of their own. A commit waits for the disk (fsync,
 * and now and then a WAL checkpoint); on the event loop that wait would stall every request in
 * flight. Here it overlaps with request handling, on the other core. If the thread dies, the
 * writes it held fail (their webhooks get a 500 and the store retries) and a new one starts.
 */
export async function startIntakeWriter(databasePath: string, log: Logger): Promise<IntakeWriter> {
  const pending = new Map<number, { resolve: (r: SavedOrder[]) => void; reject: (e: Error) => void }>()
  let nextId = 1
  let closing = false
  let worker = await spawn()

  function spawn(): Promise<Worker> {
    // The thread runs TypeScript like the rest of the service: through tsx, scoped to its import.
    const entry = new URL('./intakeWriterThread.ts', import.meta.url).href
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
    const w = new Worker(boot, { eval: true, workerData: { databasePath } })
    w.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') return
      const waiting = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.type === 'saved') waiting?.resolve(reply.results)
      else waiting?.reject(new Error(`intake write failed: ${reply.message}`))
    })
    w.on('error', (error) => log.error('intake writer thread failed', { error }))
    w.on('exit', (code) => {
      for (const [, waiting] of pending) waiting.reject(new Error(`intake writer stopped (exit ${code})`))
      pending.clear()
      if (closing) return
      log.error('intake writer thread exited; starting a new one', { code })
      void spawn().then((next) => (worker = next))
    })
    return new Promise((resolve, reject) => {
      w.once('message', () => resolve(w))
      w.once('error', reject)
    })
  }

  return {
    saveOrders(writes) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        worker.postMessage({ type: 'save', id, writes } satisfies WriterRequest)
      })
    },
    async close() {
      closing = true
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      worker.postMessage({ type: 'close' } satisfies WriterRequest)
      await exited
    },
  }
}
