// Preact function components with hooks: the leaky one's effects return no cleanup, the fixed
// one's do. Preact runs effects after paint (its own rAF and setTimeout), through the agent's
// patched timers.
import { h, render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ready, widget } from './harness.js'

function Clock({ variant }) {
  const [ticks, setTicks] = useState(0)
  const [width, setWidth] = useState(0)
  const [clicks, setClicks] = useState(0)
  useEffect(() => {
    function tick() {
      setTicks((n) => n + 1)
    }
    if (variant === 'leaky') {
      setInterval(tick, 20) // LEAK interval
      return undefined
    }
    const interval = setInterval(tick, 20)
    return () => clearInterval(interval)
  }, [])
  useEffect(() => {
    function measure() {
      setWidth(window.innerWidth)
    }
    measure()
    if (variant === 'leaky') {
      window.addEventListener('resize', measure) // LEAK listener
      return undefined
    }
    window.addEventListener('resize', measure)
    return () => window.removeEventListener('resize', measure)
  }, [])
  return [
    h('p', { 'data-testid': `ticks-${variant}` }, `ticks: ${ticks}`),
    h('p', { 'data-testid': `width-${variant}` }, `width: ${width}`),
    h(
      'button',
      { 'data-testid': `click-${variant}`, onClick: () => setClicks((n) => n + 1) },
      `clicked ${clicks}`,
    ),
  ]
}

for (const variant of ['leaky', 'fixed']) {
  widget(variant, {
    mount(host) {
      render(h(Clock, { variant }), host)
    },
    unmount(host) {
      render(null, host)
    },
  })
}

ready()
