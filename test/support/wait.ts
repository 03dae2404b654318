export { freePort } from '../../src/sandbox/loopback.js'

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what = 'condition', ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** An IANA zone where it is now about `hour` o'clock, so calling-hours tests do not depend on the time they run. */
export function zoneWhereItIs(hour: number, now = Date.now()): string {
  let offset = hour - new Date(now).getUTCHours()
  if (offset > 14) offset -= 24
  if (offset < -12) offset += 24
  // Etc/GMT zones count the other way round: Etc/GMT-2 is UTC+2.
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`
}
