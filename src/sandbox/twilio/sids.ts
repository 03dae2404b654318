import { randomBytes } from 'node:crypto'

/** A Twilio-shaped SID: two-letter prefix and 32 hex digits (`CA…` calls, `MZ…` streams). */
export function twilioSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex')
}
