import { createRoot } from 'react-dom/client'
import { flushSync } from 'react-dom'
import { Leaky } from './Leaky.tsx'

const root = createRoot(globalThis.document.getElementById('root')!)
globalThis.document.getElementById('mount')!.addEventListener('click', () => {
  flushSync(() => root.render(<Leaky label="ticker" />))
})
globalThis.document.getElementById('unmount')!.addEventListener('click', () => {
  flushSync(() => root.render(null))
})
