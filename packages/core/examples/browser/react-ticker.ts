// A React component whose effect polls, listens to the window and opens a BroadcastChannel.
// The leaky variant's effect returns no cleanup; under StrictMode (which mounts, unmounts and
// mounts again in development) it then leaks everything twice.
import { createElement, useEffect, useState, type ReactElement } from 'react'

export function Ticker({ leaky = false }: { leaky?: boolean }): ReactElement {
  const [count, setCount] = useState(0)
  useEffect(() => {
    const timer = setInterval(function poll() {
      setCount((n) => n + 1)
    }, 1000)
    function onOnline(): void {
      setCount(0)
    }
    window.addEventListener('online', onOnline)
    const channel = new BroadcastChannel('ticker')
    if (leaky) return undefined
    return () => {
      clearInterval(timer)
      window.removeEventListener('online', onOnline)
      channel.close()
    }
  }, [leaky])
  return createElement('output', null, count)
}
