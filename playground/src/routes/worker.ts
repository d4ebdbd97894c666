// A counter fed by a Web Worker. The leaky one never terminates its worker: the thread keeps
// running (and posting) after unmount.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Starts a Web Worker on mount and never terminates it.'
export const fix = 'Terminates the worker on unmount.'

const tickerUrl = new URL('../workers/ticker.ts', import.meta.url)

export function leaky(host: HTMLElement): Widget {
  const counter = element('output', '0', { 'data-testid': 'count-leaky' })
  return {
    mount() {
      host.append(counter)
      const worker = new Worker(tickerUrl, { type: 'module', name: 'ticker' }) // LEAK
      worker.onmessage = (event: MessageEvent<number>) => {
        counter.textContent = String(event.data)
      }
    },
    unmount() {
      counter.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const counter = element('output', '0', { 'data-testid': 'count-fixed' })
  let worker: Worker | undefined
  return {
    mount() {
      host.append(counter)
      worker = new Worker(tickerUrl, { type: 'module', name: 'ticker' })
      worker.onmessage = (event: MessageEvent<number>) => {
        counter.textContent = String(event.data)
      }
    },
    unmount() {
      worker?.terminate()
      counter.remove()
    },
  }
}
