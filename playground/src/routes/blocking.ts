// A "Recalculate" button whose click handler works for 300 ms. The leaky (blocking) handler does
// it in one synchronous stretch, so the page cannot paint or react for 300 ms; the fixed one does
// the same work in 20 ms slices and yields to the event loop between them.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Its click handler blocks the main thread for 300 ms.'
export const fix = 'Does the same 300 ms of work in 20 ms slices, yielding in between.'

/** Keeps the thread busy for `ms` milliseconds; returns how many rounds it managed. */
function work(ms: number): number {
  const end = performance.now() + ms
  let rounds = 0
  while (performance.now() < end) rounds++
  return rounds
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

export function leaky(host: HTMLElement): Widget {
  const button = element('button', 'Recalculate', { id: 'work-leaky', 'data-testid': 'work-leaky' })
  const status = element('output', 'idle', { 'data-testid': 'result-leaky' })
  const show = (rounds: number): void => {
    status.textContent = `done (${rounds} rounds)`
  }
  const recalculate = (): void => show(work(300)) // BLOCKS
  return {
    mount() {
      button.addEventListener('click', recalculate)
      host.append(button, status)
    },
    unmount() {
      button.removeEventListener('click', recalculate)
      button.remove()
      status.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const button = element('button', 'Recalculate', { id: 'work-fixed', 'data-testid': 'work-fixed' })
  const status = element('output', 'idle', { 'data-testid': 'result-fixed' })
  const recalculate = async (): Promise<void> => {
    status.textContent = 'working'
    let rounds = 0
    for (let slice = 0; slice < 15; slice++) {
      rounds += work(20)
      await nextTask()
    }
    status.textContent = `done (${rounds} rounds)`
  }
  return {
    mount() {
      button.addEventListener('click', recalculate)
      host.append(button, status)
    },
    unmount() {
      button.removeEventListener('click', recalculate)
      button.remove()
      status.remove()
    },
  }
}
