// What every route of the playground is made of: a leaky widget and its fixed counterpart, each
// mounted into its own host element by the page's buttons.

/** A component of the playground, mounted and unmounted by the page's buttons. */
export interface Widget {
  mount(): void
  unmount(): void
}

/**
 * Makes the widget that lives in `host`. Called once, while the page is built (before a test
 * opens a scope), so set-up that outlives mounts (a React root) is not counted as the widget's.
 */
export type WidgetFactory = (host: HTMLElement) => Widget

/** One route: one kind of leak. */
export interface Route {
  /** Path of the route, e.g. `/interval`. */
  path: string
  title: string
  /** Source file of the route, relative to the playground (tests read its lines). */
  source: string
  /** What the leaky widget leaves behind when it is unmounted. */
  leaks: string
  /** What the fixed widget does instead. */
  fix: string
  leaky: WidgetFactory
  fixed: WidgetFactory
}

/** A new element with text content (never HTML). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  node.textContent = text
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  return node
}
