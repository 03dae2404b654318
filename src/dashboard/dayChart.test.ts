import { describe, expect, it } from 'vitest'
import { axisTicks } from './dayChart.js'

describe("the day chart's y axis", () => {
  it('counts in whole numbers from 0, in steps of 1, 2 or 5 times ten, up to the busiest day or just past it', () => {
    expect(axisTicks(0)).toEqual([0, 1])
    expect(axisTicks(2)).toEqual([0, 1, 2])
    expect(axisTicks(7)).toEqual([0, 2, 4, 6, 8])
    expect(axisTicks(23)).toEqual([0, 10, 20, 30])
    expect(axisTicks(180)).toEqual([0, 50, 100, 150, 200])
  })
})
