import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { saveOrdersInTransaction, type OrderWrite } from '../orders/intake.js'
import { connectDatabase } from './node.js'

/**
 * The intake writer's thread (see intakeWriter.ts). Whatever has queued up while it waited for
 * the disk is committed together: one transaction, one fsync, however many batches arrived.
 */

export type WriterRequest = { type: 'save'; id: number; writes: OrderWrite[] } | { type: 'close' }
export type WriterReply =
  | { type: 'ready' }
  | { type: 'saved'; id: number; results: ReturnType<typeof saveOrdersInTransaction> }
  | { type: 'failed'; id: number; message: string }

type SaveRequest = Extract<WriterRequest, { type: 'save' }>

const port = parentPort!
const { db, sqlite } = connectDatabase((workerData as { databasePath: string }).databasePath)
const reply = (message: WriterReply) => port.postMessage(message)

function save(requests: SaveRequest[]) {
  try {
    const results = saveOrdersInTransaction(db, requests.flatMap((r) => r.writes))
    let offset = 0
    for (const r of requests) {
      reply({ type: 'saved', id: r.id, results: results.slice(offset, offset + r.writes.length) })
      offset += r.writes.length
    }
  } catch (error) {
    // One bad batch must not fail the others it was combined with.
    if (requests.length > 1) return requests.forEach((r) => save([r]))
    reply({ type: 'failed', id: requests[0]!.id, message: (error as Error).message })
  }
}

port.on('message', (first: WriterRequest) => {
  const waiting: SaveRequest[] = []
  let closing = false
  for (let next: WriterRequest | undefined = first; next; next = receiveMessageOnPort(port)?.message as WriterRequest | undefined) {
    if (next.type === 'close') closing = true
    else waiting.push(next)
  }
  if (waiting.length) save(waiting)
  if (closing) {
    sqlite.close()
    port.close()
  }
})
reply({ type: 'ready' })
