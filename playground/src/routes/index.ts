// The playground's routes, one kind of leak each, in the order the home page lists them.
import type { Route } from '../widget.ts'
import * as blocking from './blocking.ts'
import * as camera from './camera.ts'
import * as fetchRoute from './fetch.ts'
import * as intervalRoute from './interval.ts'
import * as listener from './listener.ts'
import * as observer from './observer.ts'
import * as react from './react.tsx'
import * as websocket from './websocket.ts'
import * as worker from './worker.ts'

export const routes: readonly Route[] = [
  {
    path: '/interval',
    title: 'Interval not cleared',
    source: 'src/routes/interval.ts',
    ...intervalRoute,
  },
  {
    path: '/listener',
    title: 'Window listener not removed',
    source: 'src/routes/listener.ts',
    ...listener,
  },
  {
    path: '/observer',
    title: 'Observer not disconnected',
    source: 'src/routes/observer.ts',
    ...observer,
  },
  {
    path: '/websocket',
    title: 'WebSocket not closed',
    source: 'src/routes/websocket.ts',
    ...websocket,
  },
  { path: '/worker', title: 'Worker not terminated', source: 'src/routes/worker.ts', ...worker },
  { path: '/fetch', title: 'Fetch never aborted', source: 'src/routes/fetch.ts', ...fetchRoute },
  { path: '/camera', title: 'Camera never stopped', source: 'src/routes/camera.ts', ...camera },
  {
    path: '/blocking',
    title: 'Blocking click handler',
    source: 'src/routes/blocking.ts',
    ...blocking,
  },
  {
    path: '/react',
    title: 'React effect without cleanup (StrictMode)',
    source: 'src/routes/react.tsx',
    ...react,
  },
]
