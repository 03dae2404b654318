import { memoize } from '../domain/memo.js'
import type { PageTranslator } from '../i18n/index.js'
import { usePageWords } from '../pages/language.js'
import type { CHART_TONE } from '../pages/theme.js'
import type { CallStats } from './stats.js'

type Day = CallStats['days'][number]
type Series = keyof typeof CHART_TONE

/** Stacked from the bottom up: what ships first (labels: `chart.<series>`). */
const SERIES: readonly Series[] = ['confirmed', 'cancelled', 'otherOutcome', 'inProgress']

const total = (d: Day) => d.confirmed + d.cancelled + d.otherOutcome + d.inProgress
// The days are UTC days (stats.ts); day before month in both languages ("2 Dec", "2 dhj").
const dayName = memoize(
  (locale: string) => new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
)
const dayLabel = (tr: PageTranslator, day: string) => dayName(tr.locale).format(Date.parse(day))
const lower = (tr: PageTranslator, series: Series) => tr.t(`chart.${series}`).toLocaleLowerCase(tr.locale)

/**
 * The y axis's values for counts up to `max`: whole numbers from 0 in steps of 1, 2 or 5 times a
 * power of ten, about four steps, the last at or above `max`.
 *
 * @example
 * axisTicks(7) // → [0, 2, 4, 6, 8]
 */
export function axisTicks(max: number): number[] {
  const rough = Math.max(max, 1) / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!)
  const top = Math.max(step, Math.ceil(max / step) * step)
  return Array.from({ length: top / step + 1 }, (_, i) => i * step)
}

function daySummary(tr: PageTranslator, d: Day): string {
  const parts = SERIES.filter((key) => d[key] > 0).map((key) => `${d[key]} ${lower(tr, key)}`)
  const orders = total(d) === 0 ? tr.t('chart.noOrders') : tr.t('chart.orders', { count: total(d), parts: parts.join(', ') })
  return tr.t('chart.day', { day: dayLabel(tr, d.day), orders })
}

/** What a screen reader says for the chart: the period, its totals by series, the busiest day. */
function chartSummary(tr: PageTranslator, days: Day[]): string {
  if (!days.length) return tr.t('chart.noDays')
  const sum = (key: Series) => days.reduce((n, d) => n + d[key], 0)
  const busiest = days.reduce((a, b) => (total(b) > total(a) ? b : a))
  const totals = SERIES.map((key) => `${sum(key)} ${lower(tr, key)}`).join(', ')
  const peak = total(busiest) > 0 ? tr.t('chart.peak', { day: dayLabel(tr, busiest.day), count: total(busiest) }) : ''
  return tr.t('chart.summary', { from: dayLabel(tr, days[0]!.day), to: dayLabel(tr, days.at(-1)!.day), totals }) + peak
}

/**
 * Orders per day, stacked by where they stand, with a y axis of round counts and the dates below.
 * The bars are an SVG stretched to the card's width; the axis values are text beside it, so they
 * stay the same size on a phone as on a desktop. Hovering a day shows its counts.
 */
export function DayChart(props: { days: CallStats['days'] }) {
  const { days } = props
  const tr = usePageWords()
  const ticks = axisTicks(Math.max(0, ...days.map(total)))
  const top = ticks.at(-1)!
  // Each day is 10 units wide, the plot 100 high; the SVG stretches to fit (preserveAspectRatio none).
  const width = Math.max(1, days.length) * 10
  const y = (count: number) => 100 - (count / top) * 100
  const labelEvery = Math.ceil(days.length / 8)
  const empty = days.every((d) => total(d) === 0)
  return (
    <section class="card chart-card" data-refresh="chart">
      <h2>{tr.t('chart.title')}</h2>
      <figure>
        <div class="chart-plot" role="img" aria-label={chartSummary(tr, days)}>
          <div class="chart-y" aria-hidden="true">
            {ticks.map((t) => (
              <span style={`bottom:${(t / top) * 100}%`}>{t}</span>
            ))}
          </div>
          <svg class="chart" viewBox={`0 0 ${width} 100`} preserveAspectRatio="none" aria-hidden="true">
            {ticks.map((t) => (
              <line class={t === 0 ? 'axis' : 'grid'} x1="0" x2={width} y1={y(t)} y2={y(t)} vector-effect="non-scaling-stroke" />
            ))}
            {days.map((d, i) => {
              let base = 0
              return (
                <g class="day" data-day={d.day}>
                  <rect class="hit" x={i * 10} y="0" width="10" height="100">
                    <title>{daySummary(tr, d)}</title>
                  </rect>
                  {SERIES.map((key) => {
                    if (d[key] === 0) return null
                    const bar = (
                      <rect class={`bar series-${key}`} x={i * 10 + 2} width="6" y={y(base + d[key])} height={(d[key] / top) * 100}>
                        <title>{daySummary(tr, d)}</title>
                      </rect>
                    )
                    base += d[key]
                    return bar
                  })}
                </g>
              )
            })}
          </svg>
          {empty && <p class="chart-empty">{tr.t('chart.none')}</p>}
          <div class="chart-x" aria-hidden="true">
            {days.map((d, i) => {
              // Counted from the last day, so today always has its date; a phone shows every other one.
              const fromLast = days.length - 1 - i
              return (
                <span class={fromLast % (labelEvery * 2) === 0 ? undefined : 'minor'}>{fromLast % labelEvery === 0 ? dayLabel(tr, d.day) : ''}</span>
              )
            })}
          </div>
        </div>
        <figcaption class="legend">
          {SERIES.map((key) => (
            <span>
              <i class={`sw series-${key}`} />
              {tr.t(`chart.${key}`)}
            </span>
          ))}
        </figcaption>
      </figure>
    </section>
  )
}
