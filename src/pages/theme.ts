/**
 * The look of every page: Shopify's Polaris design tokens (`@shopify/polaris-tokens`, the same
 * values the Shopify admin is drawn with) under markup and classes of our own.
 *
 * Why not Polaris's web components: they load only from Shopify's CDN and need App Bridge, so
 * they would draw nothing in the sandbox, in the tests (both offline) or on the standalone
 * dashboard. The tokens are plain data in the package's JavaScript export, so this stylesheet is
 * built at start-up on Node and on Workers alike, inlined in each page: no front-end build, no
 * request to anyone.
 *
 * Light only: the Shopify admin is light, and Polaris's dark theme is marked experimental (it
 * leaves inputs, banners and badges light on a dark page).
 */
import { createVar, getMediaConditions, themes } from '@shopify/polaris-tokens'
import type { Outcome } from '../domain/order.js'

type TokenName = Parameters<typeof createVar>[0]
type Tokens = Record<string, string>

/** `var(--p-…)` for a token, checked against the package's names. */
const p = (name: TokenName) => createVar(name)

const flat = (theme: (typeof themes)[keyof typeof themes]): Tokens => Object.assign({}, ...Object.values(theme))
const light = flat(themes.light)
/** Polaris's phone theme: larger body text (16 px, so iOS does not zoom into a field), flatter buttons. */
const mobile = Object.fromEntries(Object.entries(flat(themes['light-mobile'])).filter(([name, value]) => light[name] !== value))
const phone = getMediaConditions(themes.light.breakpoints)['breakpoints-sm'].down
const desktop = getMediaConditions(themes.light.breakpoints)['breakpoints-md'].up

/** A badge's tone, as Polaris names them. */
export type Tone = 'success' | 'critical' | 'attention' | 'info'
const TONE_TOKENS: Record<Tone, { bg: TokenName; text: TokenName; fill: TokenName; surface: TokenName; icon: TokenName }> = {
  success: {
    bg: 'color-bg-fill-success-secondary',
    text: 'color-text-success',
    fill: 'color-bg-fill-success',
    surface: 'color-bg-surface-success',
    icon: 'color-icon-success',
  },
  critical: {
    bg: 'color-bg-fill-critical-secondary',
    text: 'color-text-critical',
    fill: 'color-bg-fill-critical',
    surface: 'color-bg-surface-critical',
    icon: 'color-icon-critical',
  },
  attention: {
    bg: 'color-bg-fill-caution-secondary',
    text: 'color-text-caution',
    fill: 'color-bg-fill-caution',
    surface: 'color-bg-surface-caution',
    icon: 'color-icon-caution',
  },
  info: {
    bg: 'color-bg-fill-info-secondary',
    text: 'color-text-info',
    fill: 'color-bg-fill-info',
    surface: 'color-bg-surface-info',
    icon: 'color-icon-info',
  },
}

/**
 * How each outcome's badge reads at a glance: green ships, red does not, yellow wants a person.
 * The day chart colours its bars the same way.
 */
export const OUTCOME_TONE: Record<Outcome, Tone> = {
  confirmed: 'success',
  cancelled: 'critical',
  invalid_phone: 'critical',
  failed: 'critical',
  needs_review: 'attention',
  no_answer: 'attention',
  voicemail: 'attention',
}

/** The day chart's series, by the tone of what they count. */
export const CHART_TONE = { confirmed: 'success', cancelled: 'critical', otherOutcome: 'attention', inProgress: 'info' } as const

/** A banner's tone and the mark in its circle. `.notice` alone is information; `.problem` is critical. */
const BANNERS: Array<[selector: string, tone: Tone, mark: string]> = [
  ['.notice', 'info', 'i'],
  ['.notice.success', 'success', '✓'],
  ['.notice.warning', 'attention', '!'],
  ['.problem', 'critical', '!'],
]

const card = `background: ${p('color-bg-surface')}; border-radius: ${p('border-radius-300')}; box-shadow: ${p('shadow-100')}, ${p('shadow-bevel-100')}`
const focus = `outline: ${p('border-width-050')} solid ${p('color-border-focus')}; outline-offset: ${p('space-025')}`
const bodyText = `font-size: ${p('text-body-md-font-size')}; line-height: ${p('text-body-md-font-line-height')}`
const smallText = `font-size: ${p('text-body-sm-font-size')}; line-height: ${p('text-body-sm-font-line-height')}`

const RULES = `
*, *::before, *::after { box-sizing: border-box }
/* A field's and a button's height: Polaris's 2rem; on a phone 2.75rem, the size of a fingertip. */
:root { --control-height: 2rem }
@media ${phone} { :root { --control-height: 2.75rem } }
body {
  margin: 0; min-height: 100vh; background: ${p('color-bg')}; color: ${p('color-text')};
  font-family: ${p('font-family-sans')}; font-weight: ${p('font-weight-regular')}; ${bodyText};
  -webkit-font-smoothing: antialiased; overflow-wrap: break-word;
}
h1 { font-size: ${p('text-heading-lg-font-size')}; line-height: ${p('text-heading-lg-font-line-height')}; font-weight: ${p('font-weight-bold')}; letter-spacing: ${p('font-letter-spacing-dense')}; margin: ${p('space-600')} 0 ${p('space-400')} }
h2 { font-size: ${p('text-heading-md-font-size')}; line-height: ${p('text-heading-md-font-line-height')}; font-weight: ${p('font-weight-semibold')}; margin: ${p('space-600')} 0 ${p('space-200')} }
h1 .hint { font-size: ${p('text-body-lg-font-size')}; font-weight: ${p('font-weight-regular')}; letter-spacing: 0 }
p { margin: ${p('space-200')} 0 }
a { color: ${p('color-text-link')}; text-underline-offset: .15em }
a:hover { color: ${p('color-text-link-hover')} }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { ${focus} }
code { font-family: ${p('font-family-mono')}; font-size: .92em; word-break: break-all }
.hint { color: ${p('color-text-secondary')}; margin: ${p('space-100')} 0 }
ul { padding-left: ${p('space-500')} }

/* A page: narrow for a form, wide in the dashboard's frame. */
.page { width: 100%; max-width: 41.375rem; margin: 0 auto; padding: 0 ${p('space-400')} ${p('space-1200')} }
.page.wide { max-width: 75rem }
.page-header { display: flex; flex-wrap: wrap; align-items: center; gap: ${p('space-200')} ${p('space-300')}; margin: ${p('space-600')} 0 ${p('space-400')} }
.page-header h1 { margin: 0; flex: 1 1 auto }
.page-header .actions { display: flex; gap: ${p('space-200')}; flex-wrap: wrap }
.subtitle { color: ${p('color-text-secondary')}; margin: calc(-1 * ${p('space-300')}) 0 ${p('space-400')} }

/* Cards (Polaris Card / Box). */
.card { ${card}; padding: ${p('space-400')}; margin: 0 0 ${p('space-400')} }
.card > h2:first-child { margin-top: 0 }
form.card > h2 { margin: ${p('space-500')} calc(-1 * ${p('space-400')}) ${p('space-300')}; padding: ${p('space-400')} ${p('space-400')} 0; border-top: ${p('border-width-025')} solid ${p('color-border-secondary')} }
.card > label:first-child, .card > input[type=hidden]:first-child + label { margin-top: 0 }

/* Buttons: secondary unless told; primary, critical and plain by class. */
button, .button {
  appearance: none; display: inline-flex; align-items: center; justify-content: center; gap: ${p('space-100')};
  min-height: var(--control-height); padding: ${p('space-150')} ${p('space-300')}; border: 0; border-radius: ${p('border-radius-200')};
  font: inherit; ${bodyText}; font-weight: ${p('font-weight-medium')};
  white-space: nowrap; text-decoration: none; cursor: pointer; user-select: none;
  background: ${p('color-bg-fill')}; color: ${p('color-text')}; box-shadow: ${p('shadow-button')};
}
button:hover, .button:hover { background: ${p('color-bg-fill-hover')}; box-shadow: ${p('shadow-button-hover')}; color: ${p('color-text')} }
button:active, .button:active { background: ${p('color-bg-fill-active')}; box-shadow: ${p('shadow-button-inset')} }
:is(button, .button).primary { background: ${p('color-button-gradient-bg-fill')}, ${p('color-bg-fill-brand')}; color: ${p('color-text-brand-on-bg-fill')}; box-shadow: ${p('shadow-button-primary')} }
:is(button, .button).primary:hover { background: ${p('color-button-gradient-bg-fill')}, ${p('color-bg-fill-brand-hover')}; color: ${p('color-text-brand-on-bg-fill')}; box-shadow: ${p('shadow-button-primary-hover')} }
:is(button, .button).primary:active { background: ${p('color-bg-fill-brand-active')}; box-shadow: ${p('shadow-button-primary-inset')} }
:is(button, .button).critical { background: ${p('color-button-gradient-bg-fill')}, ${p('color-bg-fill-critical')}; color: ${p('color-text-critical-on-bg-fill')}; box-shadow: ${p('shadow-button-primary-critical')} }
:is(button, .button).critical:hover { background: ${p('color-button-gradient-bg-fill')}, ${p('color-bg-fill-critical-hover')}; color: ${p('color-text-critical-on-bg-fill')}; box-shadow: ${p('shadow-button-primary-critical-hover')} }
:is(button, .button).plain, :is(button, .button).plain:hover, :is(button, .button).plain:active { background: none; box-shadow: none; min-height: 0; padding: 0; color: ${p('color-text-link')} }
:is(button, .button).plain:hover { text-decoration: underline }
/* A form's submit after its fields stands apart from them (not a button alone in a bar or a table cell). */
:where(form > :is(div, label, p, input, select) + button[type=submit]) { margin-top: ${p('space-400')} }
form.card > button[type=submit]:last-child { display: flex; margin-left: auto }

/* Text fields and selects. */
label { display: block; margin: ${p('space-400')} 0 ${p('space-100')} }
input:where(:not([type=checkbox], [type=radio], [type=hidden])), select {
  display: block; width: 100%; max-width: 26rem; height: var(--control-height); margin: 0;
  padding: ${p('space-150')} ${p('space-300')}; font: inherit; ${bodyText}; color: ${p('color-text')};
  background-color: ${p('color-input-bg-surface')}; border: ${p('border-width-0165')} solid ${p('color-input-border')};
  border-top-color: #898f94; border-radius: ${p('border-radius-200')};
}
input:hover, select:hover { border-color: ${p('color-input-border-hover')}; background-color: ${p('color-input-bg-surface-hover')} }
input:focus-visible, select:focus-visible { border-color: ${p('color-input-border-active')} }
select {
  appearance: none; padding-right: ${p('space-800')}; cursor: pointer;
  background-image: linear-gradient(45deg, transparent 50%, ${p('color-icon')} 50%), linear-gradient(135deg, ${p('color-icon')} 50%, transparent 50%);
  background-position: calc(100% - 1rem) 55%, calc(100% - .7rem) 55%; background-size: .3rem .3rem; background-repeat: no-repeat;
}
div:has(> .field-error) :is(input, select) { border-color: ${p('color-border-critical-secondary')}; background-color: ${p('color-bg-surface-critical')} }
.field-error { color: ${p('color-text-critical')}; margin: ${p('space-100')} 0 0 }
.field-error::before { content: '!'; display: inline-grid; place-items: center; width: 1rem; height: 1rem; margin-right: ${p('space-150')}; border-radius: 50%; background: ${p('color-icon-critical')}; color: #fff; font-size: .7rem; font-weight: ${p('font-weight-bold')}; vertical-align: .05rem }
.row { display: flex; flex-wrap: wrap; gap: 0 ${p('space-300')} } .row > div { flex: 1 1 11rem; min-width: 0 }

/* Checkboxes. */
label:has(> input[type=checkbox]) { display: flex; align-items: flex-start; gap: ${p('space-200')}; cursor: pointer }
input[type=checkbox] {
  appearance: none; flex: none; display: inline-grid; place-content: center; width: 1rem; height: 1rem; margin: .125rem 0 0;
  border: ${p('border-width-0165')} solid ${p('color-input-border')}; border-radius: ${p('border-radius-100')}; background: ${p('color-input-bg-surface')}; cursor: pointer;
}
input[type=checkbox]:checked { background: ${p('color-bg-fill-brand')}; border-color: ${p('color-bg-fill-brand')} }
input[type=checkbox]:checked::before { content: ''; width: .3rem; height: .55rem; margin-top: -.1rem; border: solid ${p('color-text-brand-on-bg-fill')}; border-width: 0 .125rem .125rem 0; transform: rotate(45deg) }

/* Banners: a tinted box with the tone's mark. */
.notice, .problem {
  position: relative; margin: 0 0 ${p('space-400')}; padding: ${p('space-300')} ${p('space-300')} ${p('space-300')} 2.5rem;
  border-radius: ${p('border-radius-300')}; color: ${p('color-text')}; box-shadow: ${p('shadow-100')};
}
.notice::before, .problem::before {
  position: absolute; left: ${p('space-300')}; top: ${p('space-300')}; display: grid; place-items: center; width: 1.25rem; height: 1.25rem;
  border-radius: 50%; color: #fff; font-size: .75rem; font-weight: ${p('font-weight-bold')}; line-height: 1;
}
${BANNERS.map(([selector, tone, mark]) => `${selector} { background: ${p(TONE_TOKENS[tone].surface)} } ${selector}::before { content: '${mark}'; background: ${p(TONE_TOKENS[tone].icon)} }`).join('\n')}

/* Badges, toned by outcome. */
.badge {
  display: inline-block; padding: ${p('space-050')} ${p('space-200')}; border-radius: ${p('border-radius-200')};
  ${smallText}; font-weight: ${p('font-weight-medium')}; background: ${p('color-bg-fill-transparent-secondary')}; color: ${p('color-text-secondary')};
}
${(Object.keys(TONE_TOKENS) as Tone[]).map((tone) => `.badge.${tone} { background: ${p(TONE_TOKENS[tone].bg)}; color: ${p(TONE_TOKENS[tone].text)} }`).join('\n')}
${Object.entries(OUTCOME_TONE)
  .map(([outcome, tone]) => `.badge.${outcome} { background: ${p(TONE_TOKENS[tone].bg)}; color: ${p(TONE_TOKENS[tone].text)} }`)
  .join('\n')}

/* Data tables (the index table's look); wide ones scroll sideways inside their card on a phone. */
table { width: 100%; border-collapse: separate; border-spacing: 0; ${card}; overflow: hidden; margin: 0 0 ${p('space-400')} }
.table { ${card}; overflow-x: auto; margin: 0 0 ${p('space-400')} }
.table > table { box-shadow: none; border-radius: 0; margin: 0 }
th, td { text-align: left; vertical-align: top; padding: ${p('space-200')} ${p('space-300')}; border-bottom: ${p('border-width-025')} solid ${p('color-border-secondary')} }
th { background: ${p('color-bg-surface-secondary')}; color: ${p('color-text-secondary')}; font-weight: ${p('font-weight-medium')}; ${smallText}; white-space: nowrap }
tr:last-child > td { border-bottom: 0 }
tbody tr:hover { background: ${p('color-bg-surface-hover')} }
td a { color: ${p('color-text')}; font-weight: ${p('font-weight-semibold')}; text-decoration: none }
td a:hover { color: ${p('color-text')}; text-decoration: underline }
td:last-child:not(:first-child) { text-align: right }
thead th:last-child:not(:first-child) { text-align: right }
td form { display: flex; gap: ${p('space-200')}; align-items: center; margin: 0 }
td input:not([type=checkbox]) { display: inline-block; width: 7rem }
td form > button { margin: 0 }
td .notice { margin: ${p('space-200')} 0 0 }
@media ${phone} { .hide-narrow { display: none } .sections a { padding: ${p('space-150')} ${p('space-200')} } }

/* Filters: a row of small fields above a list. */
.filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: ${p('space-300')}; margin: 0 0 ${p('space-300')} }
.filters label { display: flex; flex-direction: column; max-width: 100%; min-width: 0; gap: ${p('space-100')}; margin: 0; color: ${p('color-text-secondary')}; ${smallText} }
.filters :is(input, select) { width: auto; min-width: 8.5rem; max-width: 100%; color: ${p('color-text')} }
.filters button { margin: 0 }
section > .filters { margin-top: ${p('space-300')} }
@media ${phone} { .filters label { flex: 1 1 40% } .filters label:has(select) { flex-basis: 100% } .filters :is(input, select) { width: 100%; min-width: 0 } }

/* The dashboard's frame: a dark top bar, the sections beside the page (above it on a phone). */
.topbar {
  position: sticky; top: 0; z-index: 10; display: flex; align-items: center; gap: ${p('space-300')};
  min-height: 3.5rem; padding: ${p('space-200')} ${p('space-400')}; background: ${p('color-bg-inverse')}; color: ${p('color-text-inverse')};
}
.topbar .brand { margin-right: auto; display: flex; align-items: center; gap: ${p('space-200')}; color: inherit; text-decoration: none; font-weight: ${p('font-weight-semibold')}; font-size: ${p('font-size-350')}; white-space: nowrap }
.topbar .brand::before { content: ''; width: 1.75rem; height: 1.75rem; border-radius: ${p('border-radius-200')}; background: linear-gradient(135deg, ${p('color-bg-fill-success')}, #36c98e) }
.topbar .who { color: ${p('color-text-inverse-secondary')}; ${smallText}; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0 }
.topbar form { display: flex; margin: 0; flex: none }
.topbar > a:not(.brand) { color: ${p('color-text-inverse')}; font-weight: ${p('font-weight-medium')}; white-space: nowrap; text-decoration: none }
.topbar > a:not(.brand):hover { color: ${p('color-text-inverse')}; text-decoration: underline }
.topbar button { background: ${p('color-bg-fill-inverse')}; color: ${p('color-text-inverse')}; box-shadow: none }
.topbar button:hover { background: ${p('color-bg-fill-inverse-hover')}; color: ${p('color-text-inverse')}; box-shadow: none }
/* The language switch: small, beside who is signed in; in a form page, above the form. */
.language { ${smallText}; white-space: nowrap; flex: none }
.language a { color: inherit }
.topbar .language { color: ${p('color-text-inverse-secondary')} }
.topbar .language b { color: ${p('color-text-inverse')} }
main > .language { text-align: right; margin: ${p('space-300')} 0 ${p('space-200')} }
/* On a phone the bar keeps the name, Settings and Sign out on one row, whatever the font's width:
   who is signed in gives way, and the language switch takes a row of its own below. */
@media ${phone} {
  .topbar { flex-wrap: wrap; row-gap: ${p('space-100')}; gap: ${p('space-200')} ${p('space-300')}; padding-inline: ${p('space-300')} }
  .topbar .who { display: none }
  .topbar .language { order: 1; flex-basis: 100%; text-align: right }
}
.frame { display: block }
.sections { display: flex; gap: ${p('space-100')}; overflow-x: auto; padding: ${p('space-200')} ${p('space-300')}; background: ${p('color-bg-surface-secondary')}; border-bottom: ${p('border-width-025')} solid ${p('color-border')} }
.sections a { flex: none; padding: ${p('space-150')} ${p('space-300')}; border-radius: ${p('border-radius-200')}; color: ${p('color-text')}; font-weight: ${p('font-weight-semibold')}; text-decoration: none; white-space: nowrap }
.sections a:hover { background: ${p('color-bg-fill-transparent-hover')} }
.sections a[aria-current=page] { background: ${p('color-bg-surface')}; box-shadow: ${p('shadow-100')}, ${p('shadow-bevel-100')} }
@media ${desktop} {
  .frame { display: grid; grid-template-columns: 15rem minmax(0, 1fr); min-height: calc(100vh - 3.5rem) }
  .sections { flex-direction: column; overflow: visible; padding: ${p('space-300')}; border-bottom: 0; border-right: ${p('border-width-025')} solid ${p('color-border')}; background: ${p('color-bg-surface-tertiary')} }
  .page.wide { padding: 0 ${p('space-600')} ${p('space-1200')} }
}

/* Key figures. */
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(9.5rem, 40%), 1fr)); gap: ${p('space-300')}; margin: 0 0 ${p('space-400')} }
.cards .card { margin: 0 }
.stat-label { display: block; font-weight: ${p('font-weight-semibold')}; ${smallText}; color: ${p('color-text-secondary')} }
.stat-value { display: block; margin: ${p('space-100')} 0; font-size: ${p('text-heading-xl-font-size')}; line-height: ${p('text-heading-xl-font-line-height')}; font-weight: ${p('font-weight-bold')}; letter-spacing: ${p('font-letter-spacing-dense')} }
.stat-detail { display: block; ${smallText}; color: ${p('color-text-secondary')} }

/* The day chart; a date under the first or last bar may stick out into the card's padding, no further. */
.chart-card { overflow: hidden }
.chart-plot { display: grid; grid-template-columns: auto minmax(0, 1fr); grid-template-rows: 12rem auto; column-gap: ${p('space-200')} }
.chart-y { grid-area: 1 / 1; position: relative; min-width: 1.5rem; ${smallText}; color: ${p('color-text-secondary')}; text-align: right }
.chart-y span { position: absolute; right: 0; transform: translateY(50%) }
.chart { grid-area: 1 / 2; display: block; width: 100%; height: 100%; overflow: visible }
.chart .grid { stroke: ${p('color-border-secondary')}; stroke-width: 1 }
.chart .axis { stroke: ${p('color-border-tertiary')}; stroke-width: 1 }
.chart .day:hover .hit { fill: ${p('color-bg-fill-transparent-hover')} }
.chart .hit { fill: transparent }
.chart-x { grid-area: 2 / 2; display: flex; ${smallText}; color: ${p('color-text-secondary')}; padding-top: ${p('space-100')} }
.chart-x span { flex: 1 1 0; min-width: 0; text-align: center; white-space: nowrap }
@media ${phone} { .chart-x .minor { visibility: hidden } }
.chart-empty { grid-area: 1 / 2; margin: 0; align-self: center; justify-self: center; color: ${p('color-text-secondary')} }
.legend { display: flex; flex-wrap: wrap; gap: ${p('space-100')} ${p('space-400')}; margin-top: ${p('space-300')}; ${smallText}; color: ${p('color-text-secondary')} }
.legend span { display: inline-flex; align-items: center; gap: ${p('space-150')}; white-space: nowrap }
.sw { display: inline-block; width: .625rem; height: .625rem; border-radius: ${p('border-radius-050')} }
${Object.entries(CHART_TONE)
  .map(([series, tone]) => `.series-${series} { fill: ${p(TONE_TOKENS[tone].fill)}; background: ${p(TONE_TOKENS[tone].fill)} }`)
  .join('\n')}
figure { margin: 0 }

/* The order page's transcript. */
.transcript p { margin: ${p('space-150')} 0 }
.transcript .agent b { color: ${p('color-text-info')} }
.transcript .customer b { color: ${p('color-text-success')} }
.transcript .system { color: ${p('color-text-secondary')}; ${smallText} }

/* The customer's answer page (messages/answerPage.tsx): what was ordered, then two buttons a thumb finds, the column's width. */
.order-items { list-style: none; padding: 0; margin: 0 0 ${p('space-200')} }
.order-items li { padding: ${p('space-100')} 0 }
.order-total { margin: 0; padding-top: ${p('space-200')}; border-top: ${p('border-width-025')} solid ${p('color-border-secondary')} }
form.answer { display: grid; gap: ${p('space-300')}; margin: ${p('space-400')} 0 0 }
form.answer button { width: 100%; min-height: 3.5rem; white-space: normal; font-size: ${p('text-heading-md-font-size')}; line-height: ${p('text-heading-md-font-line-height')} }
`

/** The custom properties the rules use (and those their values use in turn), for one theme. */
function declarations(tokens: Tokens, used: Set<string>): string {
  return Object.entries(tokens)
    .filter(([name]) => used.has(name))
    .map(([name, value]) => `--p-${name}: ${value};`)
    .join(' ')
}

function usedTokens(text: string): Set<string> {
  const used = new Set<string>()
  const queue = [text]
  while (queue.length) {
    for (const [, name] of queue.pop()!.matchAll(/var\(--p-([a-z0-9-]+)\)/g)) {
      if (!name || used.has(name)) continue
      used.add(name)
      queue.push(light[name] ?? '', mobile[name] ?? '')
    }
  }
  return used
}

const used = usedTokens(RULES)

/** The whole stylesheet: the tokens the rules need, then the rules. */
export const STYLESHEET = `:root { color-scheme: light; ${declarations(light, used)} }
@media ${phone} { :root { ${declarations(mobile, used)} } }
${RULES}`
