import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

const live = {
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'twilio-token',
  TWILIO_FROM_NUMBER: '+35542123456',
  OPENAI_API_KEY: 'sk-test',
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  ADMIN_TOKEN: 'a-long-admin-token-123',
  PUBLIC_URL: 'https://callconfirm.example.com/',
}

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('configuration', () => {
  it('runs in sandbox mode, on loopback, when calling credentials are missing, and says which', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      sandbox: true,
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      databasePath: './data/callconfirm.db',
    })
    expect(c.sandboxBecause).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER', 'OPENAI_API_KEY'])
    expect(c.openai).toMatchObject({ realtimeModel: 'gpt-realtime', realtimeUrl: 'wss://api.openai.com/v1/realtime' })
    expect(c.twilio.apiOrigin).toBe('https://api.twilio.com')
  })

  it('goes live with every credential, listening on all interfaces', () => {
    const c = loadConfig(live)
    expect(c).toMatchObject({ sandbox: false, host: '0.0.0.0', publicUrl: 'https://callconfirm.example.com' })
    expect(c.encryptionKey).toHaveLength(32)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', TWILIO_API_ORIGIN: ' ' })).toMatchObject({ port: 3000, twilio: { apiOrigin: 'https://api.twilio.com' } })
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PUBLIC_URL: 'callconfirm.example.com' }, 'PUBLIC_URL'],
    [{ ENCRYPTION_KEY: 'c2hvcnQ=' }, 'ENCRYPTION_KEY'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ TWILIO_ACCOUNT_SID: 'SK123' }, 'TWILIO_ACCOUNT_SID'],
    [{ TWILIO_FROM_NUMBER: '042123456' }, 'TWILIO_FROM_NUMBER'],
    [{ OPENAI_REALTIME_URL: 'https://api.openai.com/v1/realtime' }, 'OPENAI_REALTIME_URL'],
    [{ SANDBOX: 'maybe' }, 'SANDBOX'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('stops on %j, naming %s', (env, name) => {
    expect(problem(env)).toContain(`${name}:`)
  })

  it('refuses to go live (SANDBOX=0) without what live calling needs, naming each', () => {
    const message = problem({ SANDBOX: '0' })
    for (const name of ['TWILIO_ACCOUNT_SID', 'OPENAI_API_KEY', 'ENCRYPTION_KEY', 'ADMIN_TOKEN', 'PUBLIC_URL']) expect(message).toContain(name)
  })

  it('requires a public https origin when live: Twilio streams need wss', () => {
    expect(problem({ ...live, PUBLIC_URL: 'http://callconfirm.example.com' })).toContain('PUBLIC_URL')
  })
})
