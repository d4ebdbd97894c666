// A zone-like "current context" for browsers, which have no AsyncLocalStorage.
//
// `runInContext` sets it for the synchronous part of a function; every patched API captures it
// when work is scheduled and restores it while that work's callback runs, so a timer created
// in a timer callback created inside a scope still belongs to that scope, however deep.
//
// Where it is lost: native `await` continuations (and `.then` callbacks) run from V8's
// microtask queue, which leakscope cannot patch (replacing `Promise` does not reach
// async-function results). Code after the first `await` in a scope body therefore runs with no
// context: what it creates is seen by `attribution: 'global'` scopes only.
import { ownersChanged, type OwnerState, type TrackedItem } from './registry.js'
import { nativeQueueMicrotask } from './natives.js'

export interface ContextOwner {
  readonly state: OwnerState
}

export interface ContextNode {
  readonly owner: ContextOwner
  readonly parent: ContextNode | undefined
  /** The registry's memo of the task sessions that own what is created here. */
  cache: object | undefined
  /** Its owner no longer takes what is created here (see ContextBoundSession). */
  detached: boolean
}

let current: ContextNode | undefined
// The tracked item whose callback is running: what it creates continues its owners' work.
let running: TrackedItem | undefined
// How many runInContext/callInContext frames are on the stack: 0 at the top of a task.
let depth = 0
let restoreQueued = false
let restoreTo: ContextNode | undefined

/** The nearest context whose owner is not disposed. */
export function currentContext(): ContextNode | undefined {
  let node = current
  while (node !== undefined && node.owner.state === 'disposed') node = node.parent
  return node
}

export function runningItem(): TrackedItem | undefined {
  return running
}

export function runInContext<T>(node: ContextNode | undefined, fn: () => T): T {
  const previous = current
  current = node
  depth++
  try {
    return fn()
  } finally {
    depth--
    current = previous
  }
}

/** Calls a scheduled callback in the context (and as the continuation of the item) it had. */
export function callInContext(
  node: ContextNode | undefined,
  item: TrackedItem | undefined,
  callback: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
): unknown {
  const previous = current
  const previousRunning = running
  current = node
  running = item
  depth++
  try {
    return Reflect.apply(callback, thisArg, args)
  } finally {
    depth--
    current = previous
    running = previousRunning
  }
}

function restore(): void {
  restoreQueued = false
  current = restoreTo
  restoreTo = undefined
}

/**
 * Makes `node` current for the rest of the synchronous task (`await using`). At the top of a
 * task the previous context comes back in a microtask; inside a callback or run(), the frame
 * that set the context restores it when it returns.
 */
export function enterContext(node: ContextNode | undefined): void {
  if (depth === 0 && !restoreQueued) {
    restoreQueued = true
    restoreTo = current
    nativeQueueMicrotask(restore)
  }
  current = node
}

/**
 * The context half of a session: its node in the context chain, and binding code to it
 * (`run`, and `enter`/`leave` for `await using`). `'global'` sessions bind nothing: every open
 * global session sees every item.
 *
 * A scope enters its context when it is made (for `await using` and `check()`), so a scope made
 * right after it is nested in it. Used with `run()`, a scope covers its body only: its
 * construction-time node is detached then, and scopes made back to back and run side by side
 * (`a = noTaskLeaks(); b = noTaskLeaks(); Promise.all([a.run(f), b.run(g)])`) are siblings.
 */
export abstract class ContextBoundSession implements ContextOwner {
  abstract readonly state: OwnerState
  readonly #bound: boolean
  readonly #node: ContextNode
  readonly #entered: ContextNode

  constructor(attribution: 'context' | 'global') {
    this.#bound = attribution === 'context'
    const parent = currentContext()
    this.#node = { owner: this, parent, cache: undefined, detached: false }
    this.#entered = { owner: this, parent, cache: undefined, detached: false }
  }

  run<T>(fn: () => T): T {
    if (!this.#bound) return fn()
    if (!this.#entered.detached) {
      this.#entered.detached = true
      ownersChanged()
    }
    return runInContext(this.#node, fn)
  }

  enter(): void {
    if (this.#bound) enterContext(this.#entered)
  }

  leave(): void {
    if (this.#bound) enterContext(this.#node.parent)
  }
}
