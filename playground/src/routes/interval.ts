// A clock that ticks with setInterval. The leaky clock never clears its interval, so `showTime`
// keeps running after unmount and keeps the detached clock element alive.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Starts setInterval on mount and never clears it.'
export const fix = 'Clears the interval on unmount.'

export function leaky(host: HTMLElement): Widget {
  const clock = element('output', '', { 'data-testid': 'clock-leaky' })
  const showTime = (): void => {
    clock.textContent = new Date().toLocaleTimeString()
  }
  return {
    mount() {
      host.append(clock)
      showTime()
      setInterval(showTime, 1000) // LEAK
    },
    unmount() {
      clock.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const clock = element('output', '', { 'data-testid': 'clock-fixed' })
  const showTime = (): void => {
    clock.textContent = new Date().toLocaleTimeString()
  }
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    mount() {
      host.append(clock)
      showTime()
      timer = setInterval(showTime, 1000)
    },
    unmount() {
      clearInterval(timer)
      clock.remove()
    },
  }
}
