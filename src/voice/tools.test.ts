import { describe, expect, it } from 'vitest'
import { TOOL_NAMES } from '../domain/callOutcome.js'
import { AGENT_TOOLS } from './tools.js'

describe('the tools the agent is given', () => {
  it('are exactly the ones whose answers callOutcome knows how to record', () => {
    expect(AGENT_TOOLS.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort())
  })
})
