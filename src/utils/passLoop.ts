import type { Logger } from './log.js'

export interface PassLoop {
  /** Runs a pass now and then every `pollMs`. */
  start(): void
  /** Something may be due now: run a pass unless stopped (a pass under way runs once more). */
  wake(): void
  /** One pass, or, if one is under way, that one followed by another. */
  tick(): Promise<void>
  /** No more passes; resolves once the one under way, and the work passes started (`inFlight`), have finished. */
  stop(): Promise<void>
  readonly stopped: boolean
}

/**
 * A background worker's heartbeat: passes that never overlap, run every `pollMs` and whenever
 * something wakes the loop. A wake during a pass runs one more pass after it, so nothing that
 * became due mid-pass waits for the next poll. A pass that throws is logged; the next one runs.
 *
 * @example
 * const loop = createPassLoop({ name: 'scheduler', pollMs: 1_000, log, pass: () => dialDueCalls() })
 * loop.start()
 */
export function createPassLoop(options: {
  name: string
  pollMs: number
  log: Logger
  pass: () => Promise<void>
  /** Work a pass starts that outlives it (dials, deliveries): `stop` waits for it too. */
  inFlight?: () => Iterable<Promise<unknown>>
}): PassLoop {
  let timer: ReturnType<typeof setInterval> | undefined
  let running: Promise<void> | undefined
  let again = false
  let started = false
  let stopped = false

  function tick(): Promise<void> {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await options.pass()
        } while (again && !stopped)
      } catch (error) {
        options.log.error(`${options.name} pass failed`, { error })
      } finally {
        running = undefined
      }
    })()
    return running
  }

  return {
    start() {
      started = true
      timer = setInterval(() => void tick(), options.pollMs)
      void tick()
    },
    wake() {
      if (started && !stopped) void tick()
    },
    tick,
    async stop() {
      stopped = true
      if (timer) clearInterval(timer)
      await running
      await Promise.allSettled(options.inFlight?.() ?? [])
    },
    get stopped() {
      return stopped
    },
  }
}
