// A widget that starts an interval when it mounts and never clears it. The type-only lines and
// the JSX move its generated lines away from these: only a source map finds this line again.
import { useEffect, useState } from 'react'

export interface LeakyProps {
  label: string
}

type Tick = (count: number) => number

const next: Tick = (count) => count + 1

function startTicker(onTick: () => void): void {
  setInterval(onTick, 1000) // leaky interval
}

export function Leaky({ label }: LeakyProps) {
  const [count, setCount] = useState(0)
  useEffect(() => {
    startTicker(() => setCount(next))
  }, [])
  return (
    <p>
      {label}: {count}
    </p>
  )
}
