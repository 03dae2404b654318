import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localPath } from '../src/utils/localPath.js'
import { ADMIN_TOKEN, registerWoo, startTestService, type TestService } from './support/service.js'

const ENCRYPTION_KEY = randomBytes(32).toString('base64')

const cookieOf = (res: Response) => res.headers.getSetCookie()[0]?.split(';')[0] ?? ''

async function signIn(svc: TestService, token: string, next = '/') {
  return fetch(`${svc.url}/login`, { method: 'POST', headers: { origin: svc.url }, body: new URLSearchParams({ token, next }), redirect: 'manual' })
}

const overview = (svc: TestService, cookie: string) => fetch(`${svc.url}/`, { headers: { cookie }, redirect: 'manual' })

let svc: TestService
beforeAll(async () => {
  svc = await startTestService({ ENCRYPTION_KEY })
})
afterAll(() => svc.close())

describe('signing in', () => {
  it.each([['/\\evil.example/phish'], ['//evil.example/phish'], ['/\t/evil.example'], ['https://evil.example/'], ['/%5Cevil.example']])(
    'never sends the operator to another site after signing in (next=%s)',
    async (next) => {
      const res = await signIn(svc, ADMIN_TOKEN, next)
      expect(res.status).toBe(303)
      const location = res.headers.get('location')!
      expect(new URL(location, svc.url).origin).toBe(new URL(svc.url).origin)
    },
  )

  it('still returns the operator to the page they asked for', async () => {
    const res = await signIn(svc, ADMIN_TOKEN, '/orders?outcome=confirmed')
    expect(res.headers.get('location')).toBe('/orders?outcome=confirmed')
    expect(localPath('/orders/12')).toBe('/orders/12')
  })

  it('signs the operator out everywhere when ADMIN_TOKEN is changed', async () => {
    const cookie = cookieOf(await signIn(svc, ADMIN_TOKEN))
    expect((await overview(svc, cookie)).status).toBe(200)
    // The same deployment (same ENCRYPTION_KEY) restarted with a new admin token.
    const rotated = await startTestService({ ENCRYPTION_KEY, ADMIN_TOKEN: 'a-brand-new-admin-token-987654' })
    try {
      const old = await overview(rotated, cookie)
      expect(old.status).toBe(303)
      expect(old.headers.get('location')).toMatch(/^\/login/)
      const fresh = cookieOf(await signIn(rotated, 'a-brand-new-admin-token-987654'))
      expect((await overview(rotated, fresh)).status).toBe(200)
    } finally {
      await rotated.close()
    }
  })
})

describe("revoking a store's links", () => {
  it("stops the merchant's settings links and dashboard sessions, and new links work again", async () => {
    const woo = await registerWoo(svc, { siteUrl: 'https://revoked.example.al' })
    const link = (await svc.api('POST', `/api/stores/${woo.id}/settings-link`)).body.url as string
    const token = new URL(link).searchParams.get('t')!
    expect((await fetch(`${svc.url}/settings?t=${token}`)).status).toBe(200)
    const entered = await fetch(`${svc.url}/enter?t=${token}`, { redirect: 'manual' })
    const merchant = cookieOf(entered)
    expect((await overview(svc, merchant)).status).toBe(200)

    // A stranger without the admin token cannot revoke anything.
    expect((await svc.api('POST', `/api/stores/${woo.id}/revoke-links`, undefined, { token: null })).status).toBe(401)
    const revoked = await svc.api('POST', `/api/stores/${woo.id}/revoke-links`)
    expect(revoked.status).toBe(200)

    const settings = await fetch(`${svc.url}/settings?t=${token}`)
    expect(settings.status).toBe(401)
    expect(await settings.text()).toContain('withdrawn')
    expect((await fetch(`${svc.url}/enter?t=${token}`, { redirect: 'manual' })).status).toBe(401)
    expect((await overview(svc, merchant)).status).toBe(303)
    // A form opened before the revocation cannot save either.
    const saved = await fetch(`${svc.url}/settings`, { method: 'POST', body: new URLSearchParams({ t: token, companyName: 'Taken over' }) })
    expect(saved.status).toBe(401)

    const again = new URL((await svc.api('POST', `/api/stores/${woo.id}/settings-link`)).body.url as string)
    expect((await fetch(`${svc.url}/settings${again.search}`)).status).toBe(200)
  })
})
