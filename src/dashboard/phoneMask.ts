import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

/**
 * A customer's number as the dashboard shows it until someone asks to see it: the country code
 * and the network's prefix, then only the last two digits, grouped as the number is written
 * (the logs' maskPhone is shorter still).
 *
 * @example
 * maskedPhone('+355691234567') // → '+355 69 *** **67'
 * maskedPhone('+38344123456') // → '+383 44 *** *56'
 */
export function maskedPhone(e164: string): string {
  const written = parsePhoneNumberFromString(e164)?.formatInternational() ?? e164
  const [code = '', prefix = '', ...rest] = written.split(' ')
  // A number written in fewer groups: everything after the country code is hidden but its end.
  const hidden = rest.length ? rest.join(' ') : prefix
  let kept = 0
  const masked = [...hidden]
    .reverse()
    .map((ch) => (/\d/.test(ch) ? (kept++ < 2 ? ch : '*') : ch))
    .reverse()
    .join('')
  return rest.length ? `${code} ${prefix} ${masked}` : `${code} ${masked}`
}
