import { type AddressInfo, createServer } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'

const listen = (app: Hono, port: number) =>
  new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })

/**
 * Serves a simulator on loopback: on `preferredPort` when it is free (so its address stays the
 * same from one start to the next), else on any free port. `close` also drops kept-alive
 * connections.
 */
export async function serveOnLoopback(app: Hono, preferredPort = 0): Promise<{ origin: string; close(): Promise<void> }> {
  const server = await listen(app, preferredPort).catch((error: NodeJS.ErrnoException) => {
    if (preferredPort && error.code === 'EADDRINUSE') return listen(app, 0)
    throw error
  })
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}

/** A free loopback port, so a service's PUBLIC_URL can name its own address before it listens. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}
