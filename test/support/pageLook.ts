import { themes } from '@shopify/polaris-tokens'
import type { Page } from 'playwright-core'

/** Polaris's font stack as the browser reports it (quotes are the browser's business). */
export const POLARIS_FONT = themes.light.font['font-family-sans'].replaceAll("'", '')

/** The font the page's text is set in, by the same rule. */
export const bodyFont = (page: Page) => page.evaluate(() => getComputedStyle(document.body).fontFamily.replaceAll('"', ''))

/** How many pixels the page is wider than the window: a phone user would scroll sideways to read it. */
export const sidewaysOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

/** How many lines an element's text takes. */
export const textLines = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const range = document.createRange()
    range.selectNodeContents(el)
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
  })

/** A Polaris colour as the browser reports an opaque one: `rgb(r, g, b)`. */
export const polarisColor = (name: keyof typeof themes.light.color) => themes.light.color[name].replace(/^rgba\((\d+, \d+, \d+), 1\)$/, 'rgb($1)')
