import { describe, expect, it } from 'vitest'
import { reconcileSince } from './reconcileWindow.js'

const HOUR = 3_600_000
const now = Date.parse('2026-11-21T12:00:00Z')
const policy = { lookbackMs: 72 * HOUR, overlapMs: 10 * 60_000 }
const at = (ms: number) => new Date(ms).toISOString()

describe('how far back a store is asked for orders', () => {
  it('asks a store asked before from where that pass reached, whatever the newest order it sent', () => {
    const since = reconcileSince({ now, installedAt: now - 30 * 24 * HOUR, reconciledAt: now - 5 * 60_000, newestPlacedAt: now - 60_000 }, policy)
    expect(at(since)).toBe('2026-11-21T11:45:00.000Z')
  })

  it('asks a store never asked from the newest order it sent us, or from its install when it sent none', () => {
    const installedAt = now - 10 * 24 * HOUR
    expect(at(reconcileSince({ now, installedAt, reconciledAt: null, newestPlacedAt: now - 2 * HOUR }, policy))).toBe('2026-11-21T09:50:00.000Z')
    expect(at(reconcileSince({ now, installedAt: now - HOUR, reconciledAt: null, newestPlacedAt: null }, policy))).toBe('2026-11-21T11:00:00.000Z')
  })

  it('never asks for what was placed before the install, nor beyond the lookback', () => {
    expect(reconcileSince({ now, installedAt: now - HOUR, reconciledAt: now - HOUR + 60_000, newestPlacedAt: null }, policy)).toBe(now - HOUR)
    expect(at(reconcileSince({ now, installedAt: now - 30 * 24 * HOUR, reconciledAt: now - 9 * 24 * HOUR, newestPlacedAt: null }, policy))).toBe(
      '2026-11-18T12:00:00.000Z',
    )
  })
})
