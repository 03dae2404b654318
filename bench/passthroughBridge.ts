/**
 * The floor for `bench/bridge.ts`: the least a Twilio ⇄ OpenAI bridge can do. Each Twilio
 * socket gets an upstream socket; every message is forwarded as it arrives, bytes untouched, in
 * both directions: no parsing, no translation, no state. Run by the benchmark, not by callconfirm.
 *
 *   PORT=… UPSTREAM=ws://…/v1/realtime node --import tsx bench/passthroughBridge.ts
 */
import WebSocket, { WebSocketServer } from 'ws'

const upstreamUrl = process.env.UPSTREAM!
const wss = new WebSocketServer({ port: Number(process.env.PORT), host: '127.0.0.1' })

wss.on('connection', (caller) => {
  const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false, headers: { authorization: 'Bearer floor' } })
  const early: Array<[WebSocket.RawData, boolean]> = []
  caller.on('message', (data, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary })
    else early.push([data, isBinary])
  })
  upstream.on('open', () => {
    for (const [data, isBinary] of early.splice(0)) upstream.send(data, { binary: isBinary })
  })
  upstream.on('message', (data, isBinary) => caller.readyState === WebSocket.OPEN && caller.send(data, { binary: isBinary }))
  caller.on('close', () => upstream.close())
  upstream.on('close', () => caller.close())
  upstream.on('error', () => caller.close())
})
wss.on('listening', () => console.log('listening'))
// Exit cleanly on SIGTERM so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0))
