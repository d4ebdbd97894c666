// A panel that loads its data from the dev server's slow endpoint, which never answers (see
// server.js `SLOW_PATH`). The leaky panel never aborts its request: it stays in flight after
// unmount.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Starts a fetch on mount and never aborts it (the server never answers).'
export const fix = 'Aborts the request with an AbortController on unmount.'

const slowUrl = '/__playground/slow'

export function leaky(host: HTMLElement): Widget {
  const status = element('output', 'loading', { 'data-testid': 'load-leaky' })
  const show = (text: string): void => {
    status.textContent = text
  }
  return {
    mount() {
      host.append(status)
      const request = fetch(slowUrl) // LEAK
      request.then(
        () => show('loaded'),
        () => show('failed'),
      )
    },
    unmount() {
      status.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const status = element('output', 'loading', { 'data-testid': 'load-fixed' })
  const show = (text: string): void => {
    status.textContent = text
  }
  let controller: AbortController | undefined
  return {
    mount() {
      host.append(status)
      controller = new AbortController()
      fetch(slowUrl, { signal: controller.signal }).then(
        () => show('loaded'),
        () => show('aborted'),
      )
    },
    unmount() {
      controller?.abort()
      status.remove()
    },
  }
}
