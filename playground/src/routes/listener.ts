// A label showing the window's width. The leaky one adds a `resize` listener to window and never
// removes it: window outlives the widget, so the listener (and the label it updates) stays.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = "Adds a 'resize' listener to window on mount and never removes it."
export const fix = 'Removes the listener on unmount.'

export function leaky(host: HTMLElement): Widget {
  const label = element('output', '', { 'data-testid': 'width-leaky' })
  const showWidth = (): void => {
    label.textContent = `${window.innerWidth} px wide`
  }
  return {
    mount() {
      host.append(label)
      showWidth()
      window.addEventListener('resize', showWidth) // LEAK
    },
    unmount() {
      label.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const label = element('output', '', { 'data-testid': 'width-fixed' })
  const showWidth = (): void => {
    label.textContent = `${window.innerWidth} px wide`
  }
  return {
    mount() {
      host.append(label)
      showWidth()
      window.addEventListener('resize', showWidth)
    },
    unmount() {
      window.removeEventListener('resize', showWidth)
      label.remove()
    },
  }
}
