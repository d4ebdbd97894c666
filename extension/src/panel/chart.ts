// Counts of live items by kind over the last minute: an SVG of polylines (one per kind, plus the
// total) and a legend. Geometry is computed from numbers only; kinds (page strings) appear only
// as legend text, and colours come from a fixed palette by position.
import { el, svg } from './dom.js'
import { HISTORY_MS, type Sample } from './store.js'

const WIDTH = 1000
const HEIGHT = 100
/** Kinds drawn besides the total, most numerous first; the rest only count in the total. */
const SERIES = 6

function niceMax(value: number): number {
  if (value <= 5) return 5
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power
  return 10 * power
}

export class CountsChart {
  readonly element: HTMLElement
  readonly #svg: SVGSVGElement
  readonly #grid: SVGGElement
  readonly #lines: SVGGElement
  readonly #legend: HTMLElement
  readonly #scale: HTMLElement

  constructor() {
    this.#svg = svg('svg')
    this.#svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
    this.#svg.setAttribute('preserveAspectRatio', 'none')
    this.#svg.setAttribute('class', 'chart-svg')
    this.#svg.setAttribute('role', 'img')
    this.#svg.setAttribute('aria-label', 'Live items by kind over the last minute')
    this.#grid = svg('g')
    this.#lines = svg('g')
    this.#svg.append(this.#grid, this.#lines)
    this.#scale = el('div', 'chart-scale')
    this.#legend = el('div', 'chart-legend')
    this.element = el(
      'div',
      'chart',
      el(
        'div',
        'chart-plot',
        this.#svg,
        this.#scale,
        el('div', 'chart-axis muted', '−60 s', el('span', '', 'now')),
      ),
      this.#legend,
    )
  }

  render(history: readonly Sample[], now: number, truncated: number): void {
    const latest = history[history.length - 1]
    const current = latest?.counts ?? {}
    const kinds = Object.entries(current)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, SERIES)
      .map(([kind]) => kind)
    let peak = 0
    for (const sample of history) peak = Math.max(peak, sample.total)
    const max = niceMax(peak)
    const x = (time: number): number =>
      Math.max(0, Math.min(WIDTH, WIDTH - ((now - time) / HISTORY_MS) * WIDTH))
    const y = (count: number): number => HEIGHT - (count / max) * (HEIGHT - 2) - 1

    this.#grid.replaceChildren()
    for (const fraction of [0.5, 1]) {
      const line = svg('line')
      line.setAttribute('x1', '0')
      line.setAttribute('x2', String(WIDTH))
      line.setAttribute('y1', String(y(max * fraction)))
      line.setAttribute('y2', String(y(max * fraction)))
      line.setAttribute('class', 'chart-grid')
      this.#grid.append(line)
    }
    this.#scale.textContent = String(max)

    this.#lines.replaceChildren()
    const series: { label: string; count: number; value(sample: Sample): number; cls: string }[] = [
      { label: 'total', count: latest?.total ?? 0, value: (s) => s.total, cls: 'series-total' },
      ...kinds.map((kind, index) => ({
        label: kind,
        count: current[kind] ?? 0,
        value: (s: Sample) => s.counts[kind] ?? 0,
        cls: `series-${index}`,
      })),
    ]
    for (const { value, cls } of series) {
      if (history.length === 0) break
      const points: string[] = []
      let previous: number | undefined
      for (const sample of history) {
        const v = value(sample)
        // Steps, not slopes: a count holds until the next batch changes it.
        if (previous !== undefined)
          points.push(`${x(sample.time).toFixed(1)},${y(previous).toFixed(1)}`)
        points.push(`${x(sample.time).toFixed(1)},${y(v).toFixed(1)}`)
        previous = v
      }
      if (previous !== undefined) points.push(`${WIDTH},${y(previous).toFixed(1)}`)
      const line = svg('polyline')
      line.setAttribute('points', points.join(' '))
      line.setAttribute('class', `chart-line ${cls}`)
      this.#lines.append(line)
    }

    this.#legend.replaceChildren()
    for (const { label, count, cls } of series) {
      this.#legend.append(
        el(
          'span',
          'legend-item',
          el('span', `swatch ${cls}`),
          el('span', 'legend-kind', label),
          el('span', 'legend-count', String(count)),
        ),
      )
    }
    if (truncated > 0) {
      this.#legend.append(el('span', 'legend-item muted', `${truncated} not listed (batch limit)`))
    }
  }
}
