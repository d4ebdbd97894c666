// Natives captured once, at load, before user code or fake clocks can replace them.
// `node:timers` is read rather than `globalThis`: fake-timer libraries replace the globals.
import * as timers from 'node:timers'
import type { StackHolder } from '../shared/stack.js'

export const nativeSetTimeout: typeof timers.setTimeout = timers.setTimeout
export const nativeClearTimeout: typeof timers.clearTimeout = timers.clearTimeout
export const nativeSetInterval: typeof timers.setInterval = timers.setInterval
export const nativeSetImmediate: typeof timers.setImmediate = timers.setImmediate
export const nativeClearImmediate: typeof timers.clearImmediate = timers.clearImmediate
export const dateNow: () => number = Date.now
// Fake clocks replace performance.now too; a frozen one would stall the grace period.
export const monotonicNow: () => number = performance.now.bind(performance)
export const captureStackTrace: typeof Error.captureStackTrace = Error.captureStackTrace

/** Gives a replacement function the name and length of the function it replaces. */
export function keepIdentity(
  patched: (...args: never[]) => unknown,
  original: (...args: never[]) => unknown,
): void {
  Object.defineProperty(patched, 'name', { value: original.name, configurable: true })
  Object.defineProperty(patched, 'length', { value: original.length, configurable: true })
}

/**
 * Walks (does not format) `frames` frames below `cutoff`, whatever the user set as
 * `Error.stackTraceLimit`. Formatting waits until a report reads `holder.stack`.
 */
export function captureStack(cutoff: (...args: never[]) => unknown, frames: number): StackHolder {
  const holder: StackHolder = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = frames
  captureStackTrace(holder, cutoff)
  Error.stackTraceLimit = limit
  return holder
}

let internalDepth = 0

/** True while leakscope itself creates resources, which no scope may track. */
export function insideLeakscope(): boolean {
  return internalDepth !== 0
}

export function asLeakscope<T>(fn: () => T): T {
  internalDepth++
  try {
    return fn()
  } finally {
    internalDepth--
  }
}

/** A wait on a real timer that no scope tracks. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    asLeakscope(() => {
      if (ms <= 0) nativeSetImmediate(resolve)
      else nativeSetTimeout(resolve, ms)
    })
  })
}

/** One event-loop turn, on a native immediate no scope tracks. */
export function nextTurn(): Promise<void> {
  return sleep(0)
}
