import { createRoot } from 'react-dom/client'
import { flushSync } from 'react-dom'
import { Leaky } from './Leaky.tsx'

type Millis = number

function busy(): void {
  const end: Millis = performance.now() + 250
  while (performance.now() < end) Math.sqrt(end) // blocking handler
}

const root = createRoot(globalThis.document.getElementById('root')!)
globalThis.document.getElementById('mount')!.addEventListener('click', () => {
  flushSync(() => root.render(<Leaky label="ticker" />))
})
globalThis.document.getElementById('unmount')!.addEventListener('click', () => {
  flushSync(() => root.render(null))
})
globalThis.document.getElementById('busy')!.addEventListener('click', busy)
