// Timer, animation-frame and idle-callback patches. They are created once and installed on
// globalThis only while a scope is open. Each delegates to whatever function it replaced when
// it was installed (normally the native; a fake clock installed earlier keeps working), called
// with globalThis as `this`.
import type { BrowserTaskKind, TaskState } from '../shared/model.js'
import { reportInternalFault } from '../shared/scope.js'
import { callInContext, currentContext, runningItem, type ContextNode } from './context.js'
import type { StackHolder } from '../shared/stack.js'
import {
  captureStackTrace,
  errorConstructor,
  globals,
  natives,
  perfNow,
  type Native,
  type TimerKey,
} from './natives.js'
import { browserPlatformHooks } from './platform.js'
import {
  captureCreationStack,
  captureUnderLayer,
  ownersFor,
  stackFramesFor,
  TrackedItem,
} from './registry.js'
import { mayInstallOver, type Displaceable } from './track.js'

type Callable = (...args: unknown[]) => unknown

interface Patch extends Displaceable {
  readonly key: TimerKey
  readonly native: Native
  readonly patched: Callable
  /** What `patched` replaced at its last install; it delegates there. */
  previous: Callable | undefined
}

/** Pending timeouts and intervals by id (they share one id space: either clear works). */
export const timerRegistry: Map<unknown, TrackedItem> = new Map()
/** Pending animation frames by id. */
export const frameRegistry: Map<unknown, TrackedItem> = new Map()
/** Pending idle callbacks by id. */
export const idleRegistry: Map<unknown, TrackedItem> = new Map()

const patches: Patch[] = []

function fault(error: unknown): void {
  reportInternalFault(browserPlatformHooks, error)
}

function target(patch: Patch): Callable {
  return patch.previous ?? patch.native.bound
}

function keepIdentity(patched: Callable, native: Native): void {
  Object.defineProperty(patched, 'name', { value: native.original.name, configurable: true })
  Object.defineProperty(patched, 'length', { value: native.original.length, configurable: true })
}

function callbackName(callback: Callable): string {
  const name = callback.name
  return typeof name === 'string' && name !== '' ? name : 'anonymous'
}

/** Told how long each wrapped callback ran, while a blocking scope is open (blocking.ts). */
export type CallbackTimer = (
  name: string,
  stack: StackHolder | undefined,
  start: number,
  end: number,
) => void

let callbackTimer: CallbackTimer | undefined

export function setCallbackTimer(timer: CallbackTimer | undefined): void {
  callbackTimer = timer
}

function timeCallback(
  timer: CallbackTimer,
  callback: Callable,
  item: TrackedItem | undefined,
  start: number,
): void {
  try {
    timer(callbackName(callback), item?.stack, start, perfNow())
  } catch (error) {
    fault(error)
  }
}

// The item prepare() created for the call in progress and the frames of creation stack it wants
// (module slots, not a returned object: no allocation per call).
let prepared: TrackedItem | undefined
let preparedFrames = 0

// The function the wrapper of one scheduled callback runs: it carries the context the callback
// was scheduled in, and the item (or the running item it continues) for what the callback starts.
function makeWrapper(
  callback: Callable,
  node: ContextNode | undefined,
  carried: TrackedItem | undefined,
  item: TrackedItem | undefined,
  once: boolean,
): Callable {
  return function (this: unknown, ...args: unknown[]): unknown {
    if (once && item !== undefined) {
      try {
        item.complete()
      } catch (error) {
        fault(error)
      }
    }
    const timer = callbackTimer
    if (timer === undefined) return callInContext(node, carried, callback, this, args)
    const start = perfNow()
    try {
      return callInContext(node, carried, callback, this, args)
    } finally {
      timeCallback(timer, callback, item, start)
    }
  }
}

// Returns the wrapper to schedule in place of `callback` (its item, if tracked, in `prepared`),
// or undefined when nothing needs tracking and there is no context to carry.
function prepare(
  kind: BrowserTaskKind,
  once: boolean,
  callback: Callable,
  registry: Map<unknown, TrackedItem>,
  clear: (id: unknown) => void,
): Callable | undefined {
  const node = currentContext()
  const parent = runningItem()
  const owners = ownersFor(kind, node, parent)
  if (owners === undefined && node === undefined && parent === undefined) return undefined
  let item: TrackedItem | undefined
  if (owners !== undefined) {
    const state: TaskState = once ? 'scheduled' : 'repeating'
    item = new TrackedItem(
      kind,
      callbackName(callback),
      state,
      Date.now(),
      owners,
      undefined,
      registry,
      clear,
    )
    preparedFrames = stackFramesFor(owners)
  }
  prepared = item
  return makeWrapper(callback, node, item ?? parent, item, once)
}

function schedulePatch(
  key: TimerKey,
  kind: BrowserTaskKind,
  once: boolean,
  registry: Map<unknown, TrackedItem>,
  clearPatch: Patch,
): Patch | undefined {
  const native = natives[key]
  if (native === undefined) return undefined
  // One cancel function per kind, shared by its items; it calls whatever the clear patch
  // delegates to at the time of the cancel.
  const clear = (id: unknown): void => void target(clearPatch).call(globalThis, id)
  const patched = function (this: unknown, callback: unknown, delay: unknown): unknown {
    const count = arguments.length
    let scheduled = callback
    let item: TrackedItem | undefined
    // String handlers (`setTimeout('code')`) and invalid callbacks pass through untracked, so
    // the native keeps its own behaviour and errors.
    if (typeof callback === 'function') {
      try {
        const wrapper = prepare(kind, once, callback as Callable, registry, clear)
        if (wrapper !== undefined) {
          scheduled = wrapper
          item = prepared
          prepared = undefined
          if (item !== undefined && preparedFrames !== 0) {
            // Captured here, in the patched function itself, and not in a helper: V8 walks every
            // frame above the cut-off, and each frame it skips costs about as much as one it keeps.
            const limit = errorConstructor.stackTraceLimit
            errorConstructor.stackTraceLimit = preparedFrames
            try {
              const holder: StackHolder = {}
              const outer = globals[key]
              if (captureStackTrace === undefined)
                item.stack = captureCreationStack(item.owners, patched)
              else if (outer !== patched && typeof outer === 'function') {
                // Another layer patched over this one (zone.js): cut where the page called.
                captureUnderLayer(holder, outer as Callable, patched)
                item.stack = holder
              } else {
                captureStackTrace(holder, patched)
                item.stack = holder
              }
            } finally {
              errorConstructor.stackTraceLimit = limit
            }
          }
        }
      } catch (error) {
        fault(error)
        prepared = undefined
        scheduled = callback
        item = undefined
      }
      preparedFrames = 0
    }
    // The common arities go through `call` (no argument array); the count of arguments is kept,
    // so arity errors stay the native ones.
    const fn = target(patch)
    let id: unknown
    if (count === 2) id = fn.call(globalThis, scheduled, delay)
    else if (count === 1) id = fn.call(globalThis, scheduled)
    else {
      // Other arities: the arguments read by index, never passed on, so V8 need not allocate an
      // arguments object on the common path.
      const list: unknown[] = count === 0 ? [] : [scheduled]
      // eslint-disable-next-line prefer-rest-params
      for (let i = 1; i < count; i++) list.push(arguments[i])
      id = Reflect.apply(fn, globalThis, list)
    }
    if (item !== undefined) {
      try {
        item.register(id)
      } catch (error) {
        fault(error)
      }
    }
    return id
  }
  keepIdentity(patched, native)
  const patch: Patch = { key, native, patched, previous: undefined, displaced: false }
  return patch
}

function clearPatchFor(key: TimerKey, registry: Map<unknown, TrackedItem>): Patch | undefined {
  const native = natives[key]
  if (native === undefined) return undefined
  const patched = function (this: unknown, id: unknown): unknown {
    const count = arguments.length
    const fn = target(patch)
    let result: unknown
    if (count === 1) result = fn.call(globalThis, id)
    else {
      const list: unknown[] = count === 0 ? [] : [id]
      // eslint-disable-next-line prefer-rest-params
      for (let i = 1; i < count; i++) list.push(arguments[i])
      result = Reflect.apply(fn, globalThis, list)
    }
    if (registry.size !== 0) {
      try {
        registry.get(id)?.completeFound(id)
      } catch (error) {
        fault(error)
      }
    }
    return result
  }
  keepIdentity(patched, native)
  const patch: Patch = { key, native, patched, previous: undefined, displaced: false }
  return patch
}

function pair(
  scheduleKey: TimerKey,
  clearKey: TimerKey,
  kind: BrowserTaskKind,
  once: boolean,
  registry: Map<unknown, TrackedItem>,
): boolean {
  const clear = clearPatchFor(clearKey, registry)
  if (clear === undefined) return false
  const schedule = schedulePatch(scheduleKey, kind, once, registry, clear)
  if (schedule === undefined) return false
  patches.push(schedule, clear)
  return true
}

const TRACKED: BrowserTaskKind[] = []
if (pair('setTimeout', 'clearTimeout', 'timeout', true, timerRegistry)) TRACKED.push('timeout')
if (pair('setInterval', 'clearInterval', 'interval', false, timerRegistry)) TRACKED.push('interval')
if (pair('requestAnimationFrame', 'cancelAnimationFrame', 'animation-frame', true, frameRegistry))
  TRACKED.push('animation-frame')
if (pair('requestIdleCallback', 'cancelIdleCallback', 'idle-callback', true, idleRegistry))
  TRACKED.push('idle-callback')

/** The kinds this adapter can track in this global (frames and idle callbacks may be absent). */
export const TIMER_KINDS: readonly BrowserTaskKind[] = TRACKED

export function installTimerPatches(): void {
  for (const patch of patches) {
    const current = globals[patch.key] as Callable | undefined
    // Not when still ours from an earlier install (someone put it back after replacing it).
    if (!mayInstallOver(patch, current, patch.patched, patch.previous)) continue
    patch.previous = current ?? patch.native.bound
    globals[patch.key] = patch.patched
  }
}

/** Puts back what each patch replaced, unless someone replaced the patch in the meantime. */
export function uninstallTimerPatches(): void {
  for (const patch of patches) {
    if (globals[patch.key] === patch.patched) globals[patch.key] = patch.previous
    else patch.displaced = true
  }
  timerRegistry.clear()
  frameRegistry.clear()
  idleRegistry.clear()
}
