import { describe, expect, it } from 'vitest'
import { CostBucket } from './costBucket.js'

describe("pacing requests by Shopify's cost bucket", () => {
  it('sends at once before Shopify has said anything, and while the bucket can pay', () => {
    const bucket = new CostBucket()
    expect(bucket.waitFor(50, 0)).toBe(0)
    bucket.update({ maximumAvailable: 1000, currentlyAvailable: 60, restoreRate: 50 }, 0)
    expect(bucket.waitFor(50, 0)).toBe(0)
  })

  it('waits just long enough for the refill to cover the request', () => {
    const bucket = new CostBucket()
    bucket.update({ maximumAvailable: 1000, currentlyAvailable: 10, restoreRate: 50 }, 1_000)
    // 40 points short at 50 a second: 800 ms, less whatever time has passed since.
    expect(bucket.waitFor(50, 1_000)).toBe(800)
    expect(bucket.waitFor(50, 1_500)).toBe(300)
    expect(bucket.waitFor(50, 1_800)).toBe(0)
  })

  it('never counts the refill past the bucket’s size', () => {
    const bucket = new CostBucket()
    bucket.update({ maximumAvailable: 100, currentlyAvailable: 0, restoreRate: 50 }, 0)
    expect(bucket.available(60_000)).toBe(100)
  })
})
