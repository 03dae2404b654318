import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressKind, addressRefusal, StoreAddressRefused } from './storeAddress.js'
import { createStoreNetwork } from './storeNetwork.js'

describe('store addresses', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    ['127.0.0.1', 'private'],
    ['::1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.20', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['100.100.100.200', 'link-local'],
    ['fd00:ec2::254', 'link-local'],
    ['0.0.0.0', 'special'],
    ['::', 'special'],
    ['255.255.255.255', 'special'],
    ['224.0.0.1', 'special'],
    ['ff02::1', 'special'],
    ['240.0.0.1', 'special'],
    ['64:ff9b::a9fe:a9fe', 'special'],
  ])('files %s as %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind)
  })

  it('lets a shop on the operator’s own network in only when they allow it, and metadata never', () => {
    expect(addressRefusal('10.0.0.5', false)).toContain('private network')
    expect(addressRefusal('10.0.0.5', true)).toBeUndefined()
    expect(addressRefusal('169.254.169.254', true)).toContain('metadata')
    expect(addressRefusal('93.184.215.14', false)).toBeUndefined()
  })
})

describe('requests to a store', () => {
  let server: Server
  let port: number
  let hits = 0
  beforeAll(async () => {
    server = createServer((_, res) => {
      hits++
      res.end('{"ok":true}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('go to the address the name resolved to when it was checked', async () => {
    const network = createStoreNetwork({ allowPrivate: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] })
    const res = await network.fetch(new URL(`http://shop.invalid:${port}/wp-json/wc/v3/webhooks`))
    expect(await res.json()).toEqual({ ok: true })
  })

  it('never reach an address a name turns to after it was checked (DNS rebinding)', async () => {
    const answers = ['93.184.215.14', '127.0.0.1']
    const network = createStoreNetwork({ allowPrivate: false, resolve: async () => [{ address: answers.shift() ?? '127.0.0.1', family: 4 }] })
    const url = new URL(`http://rebind.invalid:${port}/`)
    await network.check(url)
    const before = hits
    await expect(network.fetch(url)).rejects.toThrow(StoreAddressRefused)
    expect(hits).toBe(before)
  })

  it('refuse loopback, private, link-local and metadata hosts, by name or by number', async () => {
    const live = createStoreNetwork({ allowPrivate: false })
    for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, 'http://10.0.0.1/', 'http://[::1]/', 'http://0x7f.1/'])
      await expect(live.fetch(new URL(url)), url).rejects.toThrow(StoreAddressRefused)
    const lan = createStoreNetwork({ allowPrivate: true })
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://100.100.100.200/',
    ])
      await expect(lan.check(new URL(url)), url).rejects.toThrow(StoreAddressRefused)
    const multi = createStoreNetwork({
      allowPrivate: false,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
    })
    await expect(multi.check(new URL('https://mixed.invalid/'))).rejects.toThrow('mixed.invalid resolves to 10.0.0.1')
    expect(hits).toBe(1)
  })
})
