// Creation stacks for timers, captured at the public call instead of inside the init hook.
//
// V8 cannot skip frames cheaply: Error.captureStackTrace summarises every frame it passes,
// and an optimised frame with inlined calls needs its deoptimisation data translated first.
// From the init hook the walk passes the hook, Node's emitInit and initAsyncResource and the
// Timeout constructor before reaching the user's call, which doubled the cost of a 10-frame
// stack (docs/benchmarks.md, rows 1c and 1j). A wrapper around the public function captures
// with itself as the cut-off, so the walk starts at the user's frame.
//
// The wrappers replace `setTimeout`, `setInterval` and `setImmediate` on globalThis and on
// `node:timers` only while a scope that wants timer stacks is open, and only where the
// property still holds Node's own function (a fake clock installed earlier is left alone:
// its timers are not real work). Calls that miss the wrapper (references saved before the
// scope opened, ESM named imports of `node:timers`, `node:timers/promises`) still get their
// stack from the hook.
import timersModule from 'node:timers'
import type { StackHolder } from '../shared/stack.js'
import {
  captureStackTrace,
  nativeSetImmediate,
  nativeSetInterval,
  nativeSetTimeout,
} from './natives.js'

/** The async_hooks type a wrapped call creates. */
type TimerType = 'Timeout' | 'Immediate'
type TimerKind = 'timeout' | 'interval' | 'immediate'
type Fn = (...args: never[]) => unknown

/** Frames a wrapper should capture for a timer of this kind created in the current context. */
export type StackDemand = (kind: TimerKind) => number

let demand: StackDemand | undefined
let heldStack: StackHolder | undefined
let heldType: TimerType | undefined

// `arguments` rather than a rest parameter: V8 forwards it to Reflect.apply without building
// an array, and these run for every timer while a scope is open.
/* eslint-disable prefer-rest-params */
function wrap(name: string, original: Fn, kind: TimerKind, type: TimerType): Fn {
  const wrapper = function (this: unknown): unknown {
    const frames = demand === undefined ? 0 : demand(kind)
    if (frames === 0) return Reflect.apply(original, this, arguments)
    const holder: StackHolder = {}
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = frames
    captureStackTrace(holder, wrapper)
    Error.stackTraceLimit = limit
    heldStack = holder
    heldType = type
    try {
      return Reflect.apply(original, this, arguments)
    } finally {
      // The init hook has taken it if the call created a timer; a fake or a throw did not.
      heldStack = undefined
    }
  }
  // Same name, length and extras (util.promisify.custom) as Node's function.
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'prototype') continue
    const descriptor = Object.getOwnPropertyDescriptor(original, key)
    if (descriptor !== undefined) Object.defineProperty(wrapper, key, descriptor)
  }
  Object.defineProperty(wrapper, 'name', { value: name, configurable: true })
  return wrapper
}
/* eslint-enable prefer-rest-params */

const PATCHES = [
  ['setTimeout', nativeSetTimeout, 'timeout', 'Timeout'],
  ['setInterval', nativeSetInterval, 'interval', 'Timeout'],
  ['setImmediate', nativeSetImmediate, 'immediate', 'Immediate'],
] as const

const wrappers = PATCHES.map(
  ([name, original, kind, type]) => [name, original, wrap(name, original, kind, type)] as const,
)
const targets = [globalThis, timersModule] as unknown as Record<string, unknown>[]

/**
 * Installs the wrappers; `wanted` says, per call, how many frames the scopes of the current
 * context want (0: none, the call passes straight through). Returns the disposer.
 */
export function installTimerStacks(wanted: StackDemand): () => void {
  demand = wanted
  for (const target of targets)
    for (const [name, original, wrapper] of wrappers)
      if (target[name] === original) target[name] = wrapper
  return () => {
    demand = undefined
    // Someone patched over us (a fake clock): their saved copy of ours now passes through.
    for (const target of targets)
      for (const [name, original, wrapper] of wrappers)
        if (target[name] === wrapper) target[name] = original
  }
}

/** The stack a wrapper captured for the timer being initialised now, once. */
export function takeTimerStack(type: string): StackHolder | undefined {
  const holder = heldStack
  if (holder === undefined || type !== heldType) return undefined
  heldStack = undefined
  return holder
}
