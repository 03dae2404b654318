/**
 * A browser as far as cookies go: each request carries the cookies earlier answers set (by name,
 * the newest winning), and redirects are not followed, so a test sees each hop.
 */
export function cookieBrowser() {
  const jar = new Map<string, string>()
  return {
    async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
      const res = await fetch(url, {
        redirect: 'manual',
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
      })
      for (const set of res.headers.getSetCookie()) {
        const [pair] = set.split(';')
        const eq = pair!.indexOf('=')
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
      }
      return res
    },
    cookies: jar,
  }
}
