// The watchdog thread of `noEventLoopBlocking` (see blocking.ts). It watches the main thread's
// heartbeat counter in shared memory; once the counter has not moved for `sampleAfter` ms, it
// asks the main thread for its stack with `Runtime.evaluate` through an inspector session
// connected to the main thread (V8 runs the expression at its next interrupt check, inside the
// busy code; the debugger is never enabled) and writes the stack text back to shared memory.
import { Session } from 'node:inspector'
import { parentPort, workerData } from 'node:worker_threads'
import {
  CONTROL,
  STACK_EXPRESSION,
  type WatchdogData,
  type WatchdogMessage,
} from './blocking-shared.js'

const data = workerData as WatchdogData
const control = new Int32Array(data.control)
const text = new Uint16Array(data.text)

let session: Session | undefined
let lastSeq = Atomics.load(control, CONTROL.beat)
let lastChange = performance.now()
let sampled = false
let inFlight = false

function post(message: WatchdogMessage): void {
  parentPort?.postMessage(message)
}

function stop(): void {
  clearInterval(timer)
  try {
    session?.disconnect()
  } catch {
    // Already gone.
  }
  session = undefined
  Atomics.store(control, CONTROL.stopped, 1)
  Atomics.notify(control, CONTROL.stopped)
  parentPort?.close()
}

function capture(seq: number, requestedAt: number): void {
  const current = session
  if (current === undefined) return
  inFlight = true
  Atomics.store(control, CONTROL.sampling, seq)
  current.post(
    'Runtime.evaluate',
    { expression: STACK_EXPRESSION, returnByValue: true, silent: true },
    (error, result) => {
      inFlight = false
      const value = (result as { result?: { value?: unknown } } | undefined)?.result?.value
      if (error !== null || typeof value !== 'string') {
        Atomics.store(control, CONTROL.sampling, 0)
        return
      }
      const length = Math.min(value.length, text.length)
      for (let index = 0; index < length; index++) text[index] = value.charCodeAt(index)
      Atomics.store(control, CONTROL.stackLength, length)
      Atomics.store(control, CONTROL.latency, Math.round(performance.now() - requestedAt))
      Atomics.store(control, CONTROL.stackSeq, seq)
    },
  )
}

function tick(): void {
  if (Atomics.load(control, CONTROL.stop) !== 0) {
    stop()
    return
  }
  const seq = Atomics.load(control, CONTROL.beat)
  const now = performance.now()
  if (seq !== lastSeq) {
    lastSeq = seq
    lastChange = now
    sampled = false
    return
  }
  if (sampled || inFlight) return
  if (now - lastChange >= Atomics.load(control, CONTROL.sampleAfter)) {
    sampled = true
    capture(seq, now)
  }
}

// The interval also keeps this thread's loop alive while it waits for inspector replies (the
// session holds no ref). The main thread unrefs the Worker, so it never keeps the process up.
const timer = setInterval(tick, data.pollInterval)
parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') stop()
})

try {
  session = new Session()
  session.connectToMainThread()
  post({ type: 'ready' })
} catch (error) {
  session = undefined
  post({ type: 'unavailable', reason: error instanceof Error ? error.message : String(error) })
  stop()
}
