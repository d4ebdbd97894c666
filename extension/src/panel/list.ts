// A windowed list: only the rows in view (plus a margin) exist in the DOM, positioned inside a
// spacer as tall as the whole list, so 10,000 items cost as much to show as 40. Rows have one
// fixed height; the full details of the selected item go to a separate pane.
import { el } from './dom.js'

export interface VirtualListOptions<T> {
  /** Row height in CSS pixels (must match the stylesheet). */
  rowHeight: number
  /** Fixed class names for the scroll container (column layout). */
  className: string
  key(item: T): string
  /** Fills an emptied row element for `item`. */
  render(item: T, row: HTMLElement): void
  /**
   * Refreshes a row already showing `item` (ages); rows are rebuilt only when their item changes,
   * so a link under the pointer is not replaced while it is being clicked.
   */
  update?(item: T, row: HTMLElement): void
  /** Shown when the list has no items. */
  empty: string
  onSelect?(item: T | undefined): void
}

const OVERSCAN = 8

export class VirtualList<T> {
  readonly element: HTMLElement
  readonly #spacer: HTMLElement
  readonly #emptyNote: HTMLElement
  readonly #options: VirtualListOptions<T>
  #items: readonly T[] = []
  #selected: string | undefined
  #frame = 0
  #rows: HTMLElement[] = []
  readonly #shown = new WeakMap<HTMLElement, T>()

  constructor(options: VirtualListOptions<T>) {
    this.#options = options
    this.#spacer = el('div', 'vlist-spacer')
    this.#emptyNote = el('div', 'vlist-empty muted', options.empty)
    this.element = el('div', `vlist ${options.className}`, this.#spacer, this.#emptyNote)
    this.element.tabIndex = 0
    this.element.setAttribute('role', 'list')
    this.element.addEventListener('scroll', () => this.schedule())
    this.element.addEventListener('keydown', (event) => this.#key(event))
  }

  get items(): readonly T[] {
    return this.#items
  }

  get selectedKey(): string | undefined {
    return this.#selected
  }

  /** The selected item, if it is still in the list. */
  selected(): T | undefined {
    if (this.#selected === undefined) return undefined
    return this.#items.find((item) => this.#options.key(item) === this.#selected)
  }

  /** The note shown while the list is empty. */
  setEmpty(note: string): void {
    if (this.#emptyNote.textContent !== note) this.#emptyNote.textContent = note
  }

  setItems(items: readonly T[]): void {
    this.#items = items
    this.schedule()
  }

  select(key: string | undefined): void {
    this.#selected = key
    this.schedule()
  }

  /** Re-renders the visible rows on the next animation frame (one render per frame at most). */
  schedule(): void {
    if (this.#frame !== 0) return
    this.#frame = globalThis.requestAnimationFrame(() => {
      this.#frame = 0
      this.render()
    })
  }

  /** Renders now. */
  render(): void {
    const { rowHeight, key, render } = this.#options
    const items = this.#items
    this.#spacer.style.height = `${items.length * rowHeight}px`
    this.#emptyNote.hidden = items.length > 0
    const viewport = this.element.clientHeight || 600
    const first = Math.max(0, Math.floor(this.element.scrollTop / rowHeight) - OVERSCAN)
    const last = Math.min(items.length, first + Math.ceil(viewport / rowHeight) + 2 * OVERSCAN)
    const count = Math.max(0, last - first)
    while (this.#rows.length < count) {
      const row = el('div', 'vlist-row')
      row.setAttribute('role', 'listitem')
      row.addEventListener('click', () => {
        const index = Number(row.dataset.index)
        const item = this.#items[index]
        if (item === undefined) return
        this.#selected = key(item)
        this.#options.onSelect?.(item)
        this.render()
      })
      this.#spacer.append(row)
      this.#rows.push(row)
    }
    while (this.#rows.length > count) this.#rows.pop()?.remove()
    for (let i = 0; i < count; i++) {
      const index = first + i
      const item = items[index] as T
      const row = this.#rows[i] as HTMLElement
      // The index is ours (a number), never page data.
      row.dataset.index = String(index)
      row.style.transform = `translateY(${index * rowHeight}px)`
      row.classList.toggle('selected', key(item) === this.#selected)
      row.classList.toggle('odd', index % 2 === 1)
      if (this.#shown.get(row) === item) {
        this.#options.update?.(item, row)
      } else {
        this.#shown.set(row, item)
        row.replaceChildren()
        render(item, row)
      }
    }
  }

  #key(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
    event.preventDefault()
    const items = this.#items
    if (items.length === 0) return
    const { key, rowHeight } = this.#options
    const current = items.findIndex((item) => key(item) === this.#selected)
    const next =
      current === -1
        ? 0
        : Math.max(0, Math.min(items.length - 1, current + (event.key === 'ArrowDown' ? 1 : -1)))
    const item = items[next] as T
    this.#selected = key(item)
    this.#options.onSelect?.(item)
    const top = next * rowHeight
    if (top < this.element.scrollTop) this.element.scrollTop = top
    else if (top + rowHeight > this.element.scrollTop + this.element.clientHeight)
      this.element.scrollTop = top + rowHeight - this.element.clientHeight
    this.render()
  }

  dispose(): void {
    if (this.#frame !== 0) globalThis.cancelAnimationFrame(this.#frame)
    this.#frame = 0
  }
}
