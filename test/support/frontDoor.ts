import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { connect } from 'node:net'
import { join } from 'node:path'

/** Where the front door sends a request or stream for `path`: a worker's own http origin, or none (503). */
export type Route = (path: string) => string | undefined

export interface FrontDoor {
  /** The https origin on loopback: the PUBLIC_URL of every worker behind the door. */
  url: string
  /** From now on each new request and media stream goes where `choose` says (streams already open stay where they are). */
  route(choose: Route): void
  close(): Promise<void>
}

const certificate = join(import.meta.dirname, '..', 'fixtures', 'front-door')

/**
 * A load balancer on loopback, as a live deployment has in front of its workers: it terminates
 * TLS (PUBLIC_URL must be https:// outside the sandbox) and passes each request, and each
 * WebSocket upgrade as a byte stream, to the worker its route names; no worker named, or one that
 * does not answer, is a 503 or a dropped socket, as a load balancer's would be. Twilio's simulator
 * reaches the workers through it, so a test chooses which worker a callback or a media stream
 * lands on. Its certificate is a throwaway one for 127.0.0.1 (test/fixtures/front-door); the
 * simulators here take no CA of ours, so this process stops checking certificates (every peer
 * it has is on loopback).
 *
 * @example
 * const door = await startFrontDoor()
 * door.route((path) => (path.startsWith('/twilio/media-stream') ? b.url : a.url))
 */
export async function startFrontDoor(): Promise<FrontDoor> {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
  let choose: Route = () => undefined
  const tunnels = new Set<Socket>()
  const server = createServer({ cert: readFileSync(join(certificate, 'cert.pem')), key: readFileSync(join(certificate, 'key.pem')) })

  server.on('request', (req, res) => {
    const backend = choose(req.url ?? '/')
    const unavailable = () => {
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' }).end('no worker available')
      else res.destroy()
    }
    if (!backend) return unavailable()
    const target = new URL(backend)
    const forwarded = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forwarded.on('error', unavailable)
    req.pipe(forwarded)
  })

  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const backend = choose(req.url ?? '/')
    if (!backend) return client.destroy()
    const target = new URL(backend)
    const worker = connect(Number(target.port), target.hostname, () => {
      // The upgrade request as it came, then the bytes both ways until either side closes.
      const headers = req.rawHeaders.flatMap((v, i) => (i % 2 ? [] : [`${v}: ${req.rawHeaders[i + 1]}`]))
      worker.write(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n${headers.join('\r\n')}\r\n\r\n`)
      if (head.length) worker.write(head)
      worker.pipe(client)
      client.pipe(worker)
    })
    for (const socket of [client, worker]) {
      tunnels.add(socket)
      socket.on('error', () => {
        client.destroy()
        worker.destroy()
      })
      socket.on('close', () => {
        tunnels.delete(socket)
        client.destroy()
        worker.destroy()
      })
    }
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route(next) {
      choose = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels) socket.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
