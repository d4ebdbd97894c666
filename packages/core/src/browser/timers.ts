// Timer, animation-frame and idle-callback patches. They are created once and installed on
// globalThis only while a scope is open. Each delegates to whatever function it replaced when
// it was installed (normally the native; a fake clock installed earlier keeps working), called
// with globalThis as `this`.
import type { BrowserTaskKind, TaskState } from '../shared/model.js'
import { reportInternalFault } from '../shared/scope.js'
import { callInContext, currentContext, runningItem } from './context.js'
import type { StackHolder } from '../shared/stack.js'
import { globals, natives, perfNow, type Native, type TimerKey } from './natives.js'
import { browserPlatformHooks } from './platform.js'
import { captureCreationStack, ownersFor, TrackedItem } from './registry.js'

type Callable = (...args: unknown[]) => unknown

interface Patch {
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

interface Prepared {
  wrapper: Callable
  item: TrackedItem | undefined
}

// Returns undefined when nothing needs tracking and there is no context to carry.
function prepare(
  kind: BrowserTaskKind,
  once: boolean,
  callback: Callable,
  patched: Callable,
  registry: Map<unknown, TrackedItem>,
  clearPatch: Patch,
): Prepared | undefined {
  const node = currentContext()
  const parent = runningItem()
  const owners = ownersFor(kind, node, parent)
  if (owners === undefined && node === undefined && parent === undefined) return undefined
  let item: TrackedItem | undefined
  if (owners !== undefined) {
    const clear = target(clearPatch)
    const state: TaskState = once ? 'scheduled' : 'repeating'
    item = new TrackedItem(
      kind,
      callbackName(callback),
      state,
      Date.now(),
      owners,
      captureCreationStack(owners, patched),
      registry,
      (id) => void Reflect.apply(clear, globalThis, [id]),
    )
  }
  const carried = item ?? parent
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
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
  return { wrapper, item }
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
  const patched = function (this: unknown, ...args: unknown[]): unknown {
    const callback = args[0]
    let item: TrackedItem | undefined
    // String handlers (`setTimeout('code')`) and invalid callbacks pass through untracked, so
    // the native keeps its own behaviour and errors.
    if (typeof callback === 'function') {
      try {
        const prepared = prepare(kind, once, callback as Callable, patched, registry, clearPatch)
        if (prepared !== undefined) {
          args[0] = prepared.wrapper
          item = prepared.item
        }
      } catch (error) {
        fault(error)
        args[0] = callback
        item = undefined
      }
    }
    const id = Reflect.apply(target(patch), globalThis, args)
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
  const patch: Patch = { key, native, patched, previous: undefined }
  return patch
}

function clearPatchFor(key: TimerKey, registry: Map<unknown, TrackedItem>): Patch | undefined {
  const native = natives[key]
  if (native === undefined) return undefined
  const patched = function (this: unknown, ...args: unknown[]): unknown {
    const result = Reflect.apply(target(patch), globalThis, args)
    if (registry.size !== 0) {
      try {
        registry.get(args[0])?.complete()
      } catch (error) {
        fault(error)
      }
    }
    return result
  }
  keepIdentity(patched, native)
  const patch: Patch = { key, native, patched, previous: undefined }
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
    // Still ours from an earlier install (someone put it back after replacing it).
    if (current === patch.patched) continue
    patch.previous = current ?? patch.native.bound
    globals[patch.key] = patch.patched
  }
}

/** Puts back what each patch replaced, unless someone replaced the patch in the meantime. */
export function uninstallTimerPatches(): void {
  for (const patch of patches) {
    if (globals[patch.key] === patch.patched) globals[patch.key] = patch.previous
  }
  timerRegistry.clear()
  frameRegistry.clear()
  idleRegistry.clear()
}
