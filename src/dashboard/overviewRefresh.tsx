/** How often an open overview fetches its figures again, while the tab is in view. */
export const OVERVIEW_REFRESH_MS = 20_000

/**
 * Fetches the overview again (same filters) and swaps in its `[data-refresh]` parts: the key
 * figures, the chart, the outcomes. The forms are left alone, so nothing being typed is lost. A
 * hidden tab asks nothing; it catches up when it is shown again. A signed-out session gets the
 * sign-in page, which has no such parts, so nothing changes.
 */
const SCRIPT = `
let last = Date.now()
async function refresh() {
  last = Date.now()
  try {
    const res = await fetch(location.href, { headers: { accept: 'text/html' } })
    if (!res.ok) return
    const fresh = new DOMParser().parseFromString(await res.text(), 'text/html')
    for (const part of document.querySelectorAll('[data-refresh]')) {
      const next = fresh.querySelector('[data-refresh="' + part.dataset.refresh + '"]')
      if (next) part.replaceWith(next)
    }
  } catch {}
}
setInterval(() => { if (document.visibilityState === 'visible') refresh() }, ${OVERVIEW_REFRESH_MS})
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && Date.now() - last >= ${OVERVIEW_REFRESH_MS}) refresh()
})
`

/** The overview's self-refresh, run under the page's script nonce (Content-Security-Policy). */
export function OverviewRefresh(props: { nonce: string }) {
  return <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />
}
