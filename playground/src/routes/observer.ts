// A label showing the page's size, kept up to date by a ResizeObserver on the document element.
// The leaky one never disconnects it: the document element outlives the widget, so the observer
// keeps calling back into the detached label.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Observes the document element with a ResizeObserver and never disconnects it.'
export const fix = 'Disconnects the observer on unmount.'

export function leaky(host: HTMLElement): Widget {
  const label = element('output', '', { 'data-testid': 'size-leaky' })
  const showSize = (entries: ResizeObserverEntry[]): void => {
    const box = entries[0]?.contentRect
    if (box !== undefined)
      label.textContent = `${Math.round(box.width)} × ${Math.round(box.height)}`
  }
  return {
    mount() {
      host.append(label)
      const observer = new ResizeObserver(showSize)
      observer.observe(document.documentElement) // LEAK
    },
    unmount() {
      label.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const label = element('output', '', { 'data-testid': 'size-fixed' })
  const showSize = (entries: ResizeObserverEntry[]): void => {
    const box = entries[0]?.contentRect
    if (box !== undefined)
      label.textContent = `${Math.round(box.width)} × ${Math.round(box.height)}`
  }
  let observer: ResizeObserver | undefined
  return {
    mount() {
      host.append(label)
      observer = new ResizeObserver(showSize)
      observer.observe(document.documentElement)
    },
    unmount() {
      observer?.disconnect()
      label.remove()
    },
  }
}
