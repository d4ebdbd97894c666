// React 19 under StrictMode: a ticker whose effect starts an interval. The leaky effect returns no
// cleanup, so every interval it starts outlives the component (StrictMode runs the effect twice
// on mount, so two leak); the fixed effect returns one that clears it.
import { StrictMode, useEffect, useState } from 'react'
import type { ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { flushSync } from 'react-dom'
import type { Widget } from '../widget.ts'

export const leaks =
  'A useEffect starts setInterval and returns no cleanup (StrictMode mounts it twice: two leak).'
export const fix = 'The effect returns a cleanup that clears the interval.'

function LeakyTicker(): ReactNode {
  const [count, setCount] = useState(0)
  useEffect(() => {
    const tick = (): void => setCount((n) => n + 1)
    setInterval(tick, 1000) // LEAK
  }, [])
  return <output data-testid="ticker-leaky">{count}</output>
}

function FixedTicker(): ReactNode {
  const [count, setCount] = useState(0)
  useEffect(() => {
    const tick = (): void => setCount((n) => n + 1)
    const timer = setInterval(tick, 1000)
    return () => clearInterval(timer)
  }, [])
  return <output data-testid="ticker-fixed">{count}</output>
}

/** A widget rendering `ticker` into a React root made once, when the page is built. */
function reactWidget(host: HTMLElement, ticker: () => ReactNode): Widget {
  const root = createRoot(host)
  // flushSync: the render and its effects are done when the click handler returns.
  return {
    mount() {
      flushSync(() => root.render(<StrictMode>{ticker()}</StrictMode>))
    },
    unmount() {
      flushSync(() => root.render(null))
    },
  }
}

export const leaky = (host: HTMLElement): Widget => reactWidget(host, () => <LeakyTicker />)
export const fixed = (host: HTMLElement): Widget => reactWidget(host, () => <FixedTicker />)
