import { describe, expect, it } from 'vitest'
import { createMetrics } from './metrics.js'

describe('metrics', () => {
  it('of two services in one process are their own: nothing registered twice, nothing shared', async () => {
    const a = createMetrics({ callsInFlight: async () => 2, diallingPaused: () => false })
    const b = createMetrics({ callsInFlight: async () => 0, diallingPaused: () => false })
    a.outcomeDecided('confirmed')
    expect(await a.registry.metrics()).toMatch(/^callconfirm_call_outcomes_total\{outcome="confirmed"\} 1$/m)
    expect(await b.registry.metrics()).toMatch(/^callconfirm_call_outcomes_total\{outcome="confirmed"\} 0$/m)
    expect(await a.registry.metrics()).toMatch(/^callconfirm_calls_in_flight 2$/m)
  })

  it('put a frame passed on at once in the sub-millisecond buckets, in its direction only', async () => {
    const metrics = createMetrics({ callsInFlight: async () => 0, diallingPaused: () => false })
    metrics.frameToModel(performance.now())
    const text = await metrics.registry.getSingleMetricAsString('callconfirm_bridge_frame_latency_seconds')
    expect(text).toMatch(/^callconfirm_bridge_frame_latency_seconds_bucket\{le="0\.001",direction="to_model"\} 1$/m)
    expect(text).toMatch(/^callconfirm_bridge_frame_latency_seconds_count\{direction="to_caller"\} 0$/m)
  })
})
