// The only way the panel makes DOM: elements from fixed tag names and class names, page data as
// text nodes. Nothing here parses HTML, so no string from the page can become an element, an
// attribute handler, a URL or a style.

type Child = Node | string | undefined | false

/** An element with a fixed class and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = globalThis.document.createElement(tag)
  if (className !== undefined && className !== '') element.className = className
  append(element, children)
  return element
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === false) continue
    parent.appendChild(
      typeof child === 'string' ? globalThis.document.createTextNode(child) : child,
    )
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An SVG element; callers set only numeric geometry and fixed class names on it. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K): SVGElementTagNameMap[K] {
  return globalThis.document.createElementNS(SVG_NS, tag)
}

/** A button with fixed text (toolbar, tabs). */
export function button(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const element = el('button', className, label)
  element.type = 'button'
  element.addEventListener('click', onClick)
  return element
}

// Page strings are capped before display: one 10 MB "name" should not freeze layout.
const MAX_TEXT = 2000

/** A page value as display text: strings (capped) and finite numbers; anything else is ''. */
export function text(value: unknown, max: number = MAX_TEXT): string {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}…` : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return ''
}

/** A page value as a finite number, or `fallback`. */
export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Milliseconds as a short duration: 850 ms, 12.3 s, 4 min 2 s, 3 h 5 min. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

/** Milliseconds with one decimal under 100 ms. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/** Epoch milliseconds as local wall-clock time with milliseconds. */
export function formatClock(epoch: number): string {
  if (!Number.isFinite(epoch)) return '–'
  const d = new Date(epoch)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}
