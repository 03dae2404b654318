import { describe, expect, it } from 'vitest'
import { createBatcher } from './batcher.js'

describe('group commit batcher', () => {
  it('writes calls made together as one batch and answers each with its own result', async () => {
    const batches: number[][] = []
    const double = createBatcher(async (xs: number[]) => {
      batches.push(xs)
      return xs.map((x) => x * 2)
    })
    const results = await Promise.all([1, 2, 3, 4].map(double))
    expect(results).toEqual([2, 4, 6, 8])
    expect(batches).toEqual([[1, 2, 3, 4]])
  })

  it('queues calls that arrive during a write for the next batch', async () => {
    const batches: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const write = createBatcher(async (xs: number[]) => {
      batches.push(xs)
      if (batches.length === 1) await gate
      return xs
    })
    const first = write(1)
    await new Promise((r) => setImmediate(r))
    const later = [write(2), write(3)]
    release()
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3])
    expect(batches).toEqual([[1], [2, 3]])
  })

  it('fails only the bad item when a batch fails', async () => {
    const write = createBatcher(async (xs: number[]) => {
      if (xs.includes(13)) throw new Error('unlucky')
      return xs
    })
    const results = await Promise.allSettled([write(12), write(13), write(14)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })

  it('splits a flood into batches no larger than the limit', async () => {
    const sizes: number[] = []
    const write = createBatcher(
      async (xs: number[]) => {
        sizes.push(xs.length)
        return xs
      },
      { maxBatch: 10 },
    )
    await Promise.all(Array.from({ length: 25 }, (_, i) => write(i)))
    expect(sizes).toEqual([10, 10, 5])
  })
})
