import { describe, expect, it } from 'vitest'
import { createLogger } from './log.js'

describe('logs', () => {
  it('never carry a full phone number or a secret, even when a caller slips', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    log.info('calling +355 69 123 4567 now', { accessToken: 'shpat_abc', phone: '+38344123456', webhookSecret: 's3cret' })
    const out = lines.join('\n')
    expect(out).not.toMatch(/691234567|38344123456|shpat_abc|s3cret/)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', accessToken: '[redacted]' })
  })

  it('respect the level', () => {
    const lines: string[] = []
    const log = createLogger('warn', (l) => lines.push(l))
    log.info('quiet')
    log.warn('loud')
    expect(lines).toHaveLength(1)
  })
})
