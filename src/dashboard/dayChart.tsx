import type { CHART_TONE } from '../pages/theme.js'
import type { CallStats } from './stats.js'

type Day = CallStats['days'][number]
type Series = keyof typeof CHART_TONE

/** Stacked from the bottom up: what ships first. */
const SERIES: ReadonlyArray<readonly [Series, string]> = [
  ['confirmed', 'Confirmed'],
  ['cancelled', 'Cancelled'],
  ['otherOutcome', 'Other outcome'],
  ['inProgress', 'Waiting or calling'],
]

const total = (d: Day) => d.confirmed + d.cancelled + d.otherOutcome + d.inProgress
const dayName = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const dayLabel = (day: string) => dayName.format(Date.parse(day))

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

function daySummary(d: Day): string {
  const parts = SERIES.filter(([key]) => d[key] > 0).map(([key, label]) => `${d[key]} ${label.toLowerCase()}`)
  return `${dayLabel(d.day)}: ${total(d) === 0 ? 'no orders' : `${total(d)} ${total(d) === 1 ? 'order' : 'orders'} (${parts.join(', ')})`}`
}

/** What a screen reader says for the chart: the period, its totals by series, the busiest day. */
function chartSummary(days: Day[]): string {
  if (!days.length) return 'Orders per day: no days in this period'
  const sum = (key: Series) => days.reduce((n, d) => n + d[key], 0)
  const busiest = days.reduce((a, b) => (total(b) > total(a) ? b : a))
  const totals = SERIES.map(([key, label]) => `${sum(key)} ${label.toLowerCase()}`).join(', ')
  const peak = total(busiest) > 0 ? `; most on ${dayLabel(busiest.day)} (${total(busiest)})` : ''
  return `Orders per day, ${dayLabel(days[0]!.day)} to ${dayLabel(days.at(-1)!.day)}: ${totals}${peak}`
}

/**
 * Orders per day, stacked by where they stand, with a y axis of round counts and the dates below.
 * The bars are an SVG stretched to the card's width; the axis values are text beside it, so they
 * stay the same size on a phone as on a desktop. Hovering a day shows its counts.
 */
export function DayChart(props: { days: CallStats['days'] }) {
  const { days } = props
  const ticks = axisTicks(Math.max(0, ...days.map(total)))
  const top = ticks.at(-1)!
  // Each day is 10 units wide, the plot 100 high; the SVG stretches to fit (preserveAspectRatio none).
  const width = Math.max(1, days.length) * 10
  const y = (count: number) => 100 - (count / top) * 100
  const labelEvery = Math.ceil(days.length / 8)
  const empty = days.every((d) => total(d) === 0)
  return (
    <section class="card chart-card" data-refresh="chart">
      <h2>Orders per day</h2>
      <figure>
        <div class="chart-plot" role="img" aria-label={chartSummary(days)}>
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
                    <title>{daySummary(d)}</title>
                  </rect>
                  {SERIES.map(([key]) => {
                    if (d[key] === 0) return null
                    const bar = (
                      <rect class={`bar series-${key}`} x={i * 10 + 2} width="6" y={y(base + d[key])} height={(d[key] / top) * 100}>
                        <title>{daySummary(d)}</title>
                      </rect>
                    )
                    base += d[key]
                    return bar
                  })}
                </g>
              )
            })}
          </svg>
          {empty && <p class="chart-empty">No orders in this period</p>}
          <div class="chart-x" aria-hidden="true">
            {days.map((d, i) => {
              // Counted from the last day, so today always has its date; a phone shows every other one.
              const fromLast = days.length - 1 - i
              return <span class={fromLast % (labelEvery * 2) === 0 ? undefined : 'minor'}>{fromLast % labelEvery === 0 ? dayLabel(d.day) : ''}</span>
            })}
          </div>
        </div>
        <figcaption class="legend">
          {SERIES.map(([key, label]) => (
            <span>
              <i class={`sw series-${key}`} />
              {label}
            </span>
          ))}
        </figcaption>
      </figure>
    </section>
  )
}
