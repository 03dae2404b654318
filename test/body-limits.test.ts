import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIVE_ENV, startTestService, type TestService } from './support/service.js'

/**
 * A stranger's oversized bodies (attack 4 of issue 12): every route that reads a body refuses
 * one far over its limit without reading it, whether the body declares its length or streams
 * in chunks. The proof is that the answer arrives while the client is still sending.
 */

let svc: TestService

// Production mode, as a stranger on the internet meets it.
beforeAll(async () => {
  svc = await startTestService(LIVE_ENV)
})
afterAll(() => svc.close())

const HUGE = 20 * 1024 * 1024
const CHUNK = new Uint8Array(64 * 1024).fill(0x61) // "aaaa…": a form field's value, endlessly

interface HugeAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** How much of the body had been written when the answer's headers came back. */
  sentBeforeAnswer: number
}

/**
 * POSTs HUGE bytes to `path`, written as fast as the socket takes them, declaring the length or
 * (`chunked`) not; resolves with the answer and how much had gone out when it came. A server
 * that reads the whole body before answering makes `sentBeforeAnswer` equal HUGE.
 */
function postHuge(path: string, { chunked = false, headers = {} as Record<string, string> } = {}): Promise<HugeAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, svc.url)
    let sent = 0
    let answer: HugeAnswer | undefined
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: svc.url,
        ...(chunked ? {} : { 'content-length': String(HUGE) }),
        ...headers,
      },
    })
    req.on('response', (res) => {
      answer = { status: res.statusCode!, headers: res.headers, body: '', sentBeforeAnswer: sent }
      res.setEncoding('utf8')
      res.on('data', (text: string) => (answer!.body += text))
      res.on('end', () => resolve(answer!))
      res.on('error', () => resolve(answer!))
    })
    // Once the server has answered and closed, writing fails (EPIPE, ECONNRESET): that is expected.
    req.on('error', (error) => (answer ? resolve(answer) : reject(error)))
    const write = () => {
      while (!answer && sent < HUGE) {
        sent += CHUNK.length
        if (!req.write(CHUNK)) return void req.once('drain', write)
      }
      if (!answer) req.end()
    }
    write()
  })
}

// Every route that reads a form or JSON body, and one that reads none.
const ROUTES = ['/settings', '/login', '/logout', '/test-orders', '/woocommerce/callback', '/no-such-route']

describe('a stranger sending a huge body', () => {
  for (const chunked of [false, true])
    for (const path of ROUTES)
      it(`is refused with 413 before the ${chunked ? 'chunked' : 'declared-length'} body to ${path} has been read`, async () => {
        const res = await postHuge(path, { chunked })
        expect(res.status).toBe(413)
        expect(res.sentBeforeAnswer).toBeLessThan(HUGE)
        expect(res.headers.connection).toBe('close')
      })

  for (const chunked of [false, true])
    for (const path of ['/twilio/status/ca_1', '/twilio/amd/ca_1', '/twilio/incoming']) {
      it(`is refused with 403 at ${path} without a Twilio signature, before the ${chunked ? 'chunked' : 'declared-length'} body has been read`, async () => {
        const res = await postHuge(path, { chunked })
        expect(res.status).toBe(403)
        expect(res.sentBeforeAnswer).toBeLessThan(HUGE)
        expect(res.headers.connection).toBe('close')
        expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_signature' } })
      })

      it(`is refused with 413 at ${path} with a made-up signature, before the ${chunked ? 'chunked' : 'declared-length'} body has been read`, async () => {
        const res = await postHuge(path, { chunked, headers: { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' } })
        expect(res.status).toBe(413)
        expect(res.sentBeforeAnswer).toBeLessThan(HUGE)
      })
    }

  it('sees a page, not JSON, when a browser posts a form that is too large', async () => {
    const res = await postHuge('/login', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(res.status).toBe(413)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain('too large')
  })

  it('still gets the sign-in form and its answer for a form of ordinary size', async () => {
    const res = await fetch(`${svc.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: svc.url },
      body: new URLSearchParams({ token: 'not-the-token', next: '/', pad: 'x'.repeat(32 * 1024) }),
    })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('That is not the admin token.')
  })
})
