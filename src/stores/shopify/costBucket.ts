/**
 * Shopify's Admin GraphQL rate limit, as each response reports it: a leaky bucket of query-cost
 * points per app and shop (`extensions.cost.throttleStatus`), refilling at `restoreRate` points a
 * second. Kept per shop so a request is sent only when the bucket can pay for it, rather than
 * sent to be refused with THROTTLED.
 */

export interface ThrottleStatus {
  maximumAvailable: number
  currentlyAvailable: number
  restoreRate: number
}

export interface QueryCost {
  requestedQueryCost: number
  actualQueryCost: number | null
  throttleStatus: ThrottleStatus
}

export class CostBucket {
  private status: ThrottleStatus | undefined
  private at = 0

  /** What Shopify last said, and when we heard it. */
  update(status: ThrottleStatus, at: number): void {
    this.status = status
    this.at = at
  }

  /** Points available at `now`, by the last report and the refill since; undefined before any report. */
  available(now: number): number | undefined {
    const s = this.status
    if (!s) return undefined
    return Math.min(s.maximumAvailable, s.currentlyAvailable + ((now - this.at) / 1000) * s.restoreRate)
  }

  /** Milliseconds to wait before a request costing `cost` points can be paid for (0: send now). */
  waitFor(cost: number, now: number): number {
    const available = this.available(now)
    if (available === undefined || available >= cost) return 0
    // A request dearer than the whole bucket could never be paid for by waiting; send it and let Shopify say.
    if (cost > this.status!.maximumAvailable) return 0
    return Math.ceil(((cost - available) / this.status!.restoreRate) * 1000)
  }
}

/** Reads `extensions.cost` from a response body, if it carries one. */
export function queryCost(body: unknown): QueryCost | undefined {
  const cost = (body as { extensions?: { cost?: QueryCost } } | undefined)?.extensions?.cost
  return cost && typeof cost.throttleStatus?.restoreRate === 'number' ? cost : undefined
}
