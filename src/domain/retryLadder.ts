import { type CallingHours, earliestCallTime } from './callingWindow.js'

export interface LadderSettings {
  /** Minutes after each unanswered call before the next one: `[15, 120, 1080]`. */
  retryDelaysMinutes: readonly number[]
  callingHours: CallingHours
  timezone: string
}

/** How many calls an order gets in all: the first, then one per rung of the ladder. */
export function maxCalls(settings: Pick<LadderSettings, 'retryDelaysMinutes'>): number {
  return 1 + settings.retryDelaysMinutes.length
}

/**
 * When to call again after `callsMade` calls went unanswered (busy, no answer, a machine, a
 * failure), the last one ending at `endedAt`; undefined when the ladder is exhausted. A rung that
 * lands outside the calling hours moves to their next opening: with the default ladder a call
 * at 16:00 is followed at 16:15, 18:15, then 09:00 the next morning.
 */
export function nextRetryAt(callsMade: number, endedAt: number, settings: LadderSettings): number | undefined {
  const delay = settings.retryDelaysMinutes[callsMade - 1]
  if (delay === undefined) return undefined
  return earliestCallTime(endedAt + delay * 60_000, settings.callingHours, settings.timezone)
}
