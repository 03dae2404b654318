/**
 * Only a path on this site is a place to go after signing in. Browsers read `//evil.example` and
 * `/\evil.example` as another site, so the path must come back from URL parsing on our own origin.
 */
export function localPath(next: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses (browsers drop tabs and newlines from URLs)
  if (typeof next !== 'string' || !next.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/'
  const base = new URL('https://callconfirm.invalid')
  const url = URL.canParse(next, base.href) ? new URL(next, base) : undefined
  return url?.origin === base.origin ? `${url.pathname}${url.search}` : '/'
}
