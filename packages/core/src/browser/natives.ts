// Natives captured once, at load, before user code or fake clocks can replace them. Timers are
// bound to globalThis: native timer functions called with another `this` throw "Illegal
// invocation".
import { assertBrowserEnvironment } from './environment.js'

assertBrowserEnvironment()

type AnyFunction = (...args: never[]) => unknown

/** The global object's timer and frame functions, any of which may be missing in a worker. */
export interface TimerGlobals {
  setTimeout: typeof globalThis.setTimeout
  setInterval: typeof globalThis.setInterval
  clearTimeout: typeof globalThis.clearTimeout
  clearInterval: typeof globalThis.clearInterval
  requestAnimationFrame?: typeof globalThis.requestAnimationFrame
  cancelAnimationFrame?: typeof globalThis.cancelAnimationFrame
  requestIdleCallback?: typeof globalThis.requestIdleCallback
  cancelIdleCallback?: typeof globalThis.cancelIdleCallback
}

export type TimerKey = keyof TimerGlobals

/** globalThis, seen as a plain record of the functions leakscope patches. */
export const globals: Record<TimerKey, unknown> = globalThis as unknown as Record<TimerKey, unknown>

/** A captured native: the unbound original (for name and length) and a bound callable. */
export interface Native {
  readonly key: TimerKey
  readonly original: AnyFunction
  readonly bound: (...args: unknown[]) => unknown
}

function capture(key: TimerKey): Native | undefined {
  const original = globals[key] as AnyFunction | undefined
  if (typeof original !== 'function') return undefined
  return {
    key,
    original,
    bound: (original as unknown as (...args: unknown[]) => unknown).bind(globalThis),
  }
}

export const natives: Partial<Record<TimerKey, Native>> = {}
for (const key of [
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
] as const) {
  const native = capture(key)
  if (native !== undefined) natives[key] = native
}

// zone.js (Angular) keeps the function each of its patches replaced on the patch, under this key.
const zoneOriginalKey = `${
  (globalThis as { __Zone_symbol_prefix?: unknown }).__Zone_symbol_prefix ?? '__zone_symbol__'
}OriginalDelegate`

/**
 * The function a zone.js patch replaced (followed down the chain), else `fn`. For leakscope's own
 * timers and listeners only: when zone.js was loaded first, going through its patches would
 * schedule leakscope's work as tasks of the zone the page's code runs in, and the page's zone
 * hooks (Angular's change detection) would count it as the app's. The page's own calls still go
 * through every layer.
 */
export function unpatched<F>(fn: F): F {
  let current = fn
  // A few hops at most (zone.js patches once; another copy of it could wrap that patch again).
  for (let hops = 0; hops < 4 && typeof current === 'function'; hops++) {
    const original = (current as Record<string, unknown>)[zoneOriginalKey]
    if (typeof original !== 'function') break
    current = original as F
  }
  return current
}

export const nativeSetTimeout: (handler: () => void, ms: number) => unknown = unpatched(
  globalThis.setTimeout,
).bind(globalThis)
export const nativeQueueMicrotask: (callback: () => void) => void = unpatched(
  globalThis.queueMicrotask,
).bind(globalThis)
export const dateNow: () => number = Date.now
// Fake clocks replace performance.now too; a frozen one would stall the grace period.
export const perfNow: () => number = globalThis.performance.now.bind(globalThis.performance)
/** The console object as it was at load; `.warn` is read at call time so spies still see it. */
export const capturedConsole: Console = globalThis.console
type CaptureStackTrace = (target: object, constructorOpt?: AnyFunction) => void
/** V8's Error extensions (absent from the DOM lib). */
export const errorConstructor: { captureStackTrace?: CaptureStackTrace; stackTraceLimit?: number } =
  Error as unknown as { captureStackTrace?: CaptureStackTrace; stackTraceLimit?: number }
/** V8's `Error.captureStackTrace`, bound; undefined in engines without it. */
export const captureStackTrace: CaptureStackTrace | undefined =
  typeof errorConstructor.captureStackTrace === 'function'
    ? errorConstructor.captureStackTrace.bind(Error)
    : undefined

/** A wait on a real timer that no scope tracks (it bypasses the patched globals). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    nativeSetTimeout(resolve, ms)
  })
}
