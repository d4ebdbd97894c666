// EventTarget listeners. `window.addEventListener === EventTarget.prototype.addEventListener`,
// so patching the two prototype methods covers windows, documents, elements, sockets, ports…
//
// A listener is keyed as the DOM keys it: (target, type, callback, capture). It leaves through
// `removeEventListener`, after its first call with `{ once: true }`, and when its `{ signal }`
// aborts. Targets are held weakly: the entry table is a WeakMap keyed by the target and the item
// keeps only the target's WeakRef (one per target), so a listener on an element that was
// garbage-collected is not a leak. Nothing an item reaches holds the target or the callback
// (a callback often closes over its target): the entry, held by the target's record, points to
// the item, never the reverse.
//
// When there is a context to carry, the callback is registered through a wrapper that restores
// it; the wrapper is remembered in the entry so `removeEventListener(type, callback)` removes it.
// Hot path: one WeakMap lookup per call, no per-call argument arrays, and per tracked listener one
// item, one entry and (when needed) one small wrapper closure; the item's `alive`, `describe` and
// cancel are shared functions.
// Known gap: `on*` handler properties (`el.onclick = fn`) are neither tracked nor carried.
import { callInContext, currentContext, runningItem, type ContextNode } from './context.js'
import { captureCreationStack, ownersFor, TrackedItem, type Owner } from './registry.js'
import type { StackHolder } from '../shared/stack.js'
import {
  definePatch,
  describeTarget,
  fault,
  functionName,
  keepIdentity,
  objectRegistry,
  type AnyFunction,
  type Callable,
  type Patch,
} from './track.js'

// The listeners on one target, by callback; entries of one callback form a short list.
interface TargetRecord {
  // Made when the target's first tracked item needs it (creating WeakRefs is not free).
  ref: WeakRef<object> | undefined
  readonly byCallback: Map<unknown, Entry>
}

// One per registered key.
class Entry {
  next: Entry | undefined = undefined
  wrapper: Callable | undefined = undefined
  linked = false
  constructor(
    readonly record: TargetRecord,
    readonly callback: object,
    readonly type: string,
    readonly capture: boolean,
    readonly once: boolean,
    readonly item: TrackedItem | undefined,
    readonly node: ContextNode | undefined,
    readonly carried: TrackedItem | undefined,
  ) {}
}

// Holds its target only through the target's WeakRef (see above).
class ListenerItem extends TrackedItem {
  constructor(
    name: string,
    owners: Owner[],
    stack: StackHolder | undefined,
    readonly ref: WeakRef<object>,
    readonly eventType: string,
    readonly capture: boolean,
  ) {
    super('listener', name, 'open', Date.now(), owners, stack, objectRegistry, cancelListener)
    this.alive = listenerAlive
    this.describe = describeListener
  }
}

function listenerAlive(this: ListenerItem): boolean {
  return this.ref.deref() !== undefined
}

function describeListener(this: ListenerItem): string {
  const t = this.ref.deref()
  return `'${this.eventType}' on ${t === undefined ? 'a collected target' : describeTarget(t)}`
}

// The item's `clear`: it is registered under itself.
function cancelListener(id: unknown): void {
  const item = id as ListenerItem
  const t = item.ref.deref()
  const record = t === undefined ? undefined : entries.get(t)
  if (t === undefined || record === undefined) return
  for (const head of record.byCallback.values()) {
    for (let e: Entry | undefined = head; e !== undefined; e = e.next) {
      if (e.item !== item) continue
      forget(e)
      nativeRemoveEventListener?.call(t, item.eventType, e.wrapper ?? e.callback, item.capture)
      return
    }
  }
}

const proto = (globalThis as { EventTarget?: { prototype: object } }).EventTarget?.prototype
const entries = new WeakMap<object, TargetRecord>()
// Our own wrappers, when a second patched layer (an own `window.addEventListener` installed by a
// test runner or framework, which we patch too) passes one on.
const wrappers = new WeakSet<object>()
let layered = false

type Listen = (this: unknown, type: unknown, listener: unknown, options?: unknown) => void
/** The native methods, for leakscope's own listeners (never tracked). */
export const nativeAddEventListener: Listen | undefined = (
  proto as { addEventListener?: Listen } | undefined
)?.addEventListener
export const nativeRemoveEventListener: Listen | undefined = (
  proto as { removeEventListener?: Listen } | undefined
)?.removeEventListener

interface ListenOptions {
  capture?: unknown
  once?: unknown
  signal?: unknown
}

interface AbortSignalLike {
  aborted: boolean
}

function readCapture(options: unknown): boolean {
  if (typeof options === 'boolean') return options
  return (
    typeof options === 'object' && options !== null && Boolean((options as ListenOptions).capture)
  )
}

function lookup(
  record: TargetRecord,
  callback: unknown,
  type: string,
  capture: boolean,
): Entry | undefined {
  for (let e = record.byCallback.get(callback); e !== undefined; e = e.next)
    if (e.type === type && e.capture === capture) return e
  return undefined
}

// Unlinks the entry for the key, if any, and returns it.
function take(
  record: TargetRecord,
  callback: unknown,
  type: string,
  capture: boolean,
): Entry | undefined {
  const byCallback = record.byCallback
  const head = byCallback.get(callback)
  if (head === undefined) return undefined
  if (head.type === type && head.capture === capture) {
    if (head.next === undefined) byCallback.delete(callback)
    else byCallback.set(callback, head.next)
    unlinked(head)
    return head
  }
  for (let e = head; e.next !== undefined; e = e.next) {
    const found = e.next
    if (found.type === type && found.capture === capture) {
      e.next = found.next
      unlinked(found)
      return found
    }
  }
  return undefined
}

function forget(entry: Entry): void {
  const byCallback = entry.record.byCallback
  const head = byCallback.get(entry.callback)
  if (head === undefined) return
  if (head === entry) {
    if (entry.next === undefined) byCallback.delete(entry.callback)
    else byCallback.set(entry.callback, entry.next)
    unlinked(entry)
    return
  }
  for (let e = head; e.next !== undefined; e = e.next) {
    if (e.next === entry) {
      e.next = entry.next
      unlinked(entry)
      return
    }
  }
}

// Listeners registered through a wrapper can only be removed through the patched
// removeEventListener (which maps the callback to its wrapper), and re-adding their callback
// only deduplicates through the patched addEventListener: while any is registered, the two
// patches stay in place after the last scope ends, as pass-throughs.
let wrappedRegistered = 0

function remember(entry: Entry): void {
  const byCallback = entry.record.byCallback
  entry.next = byCallback.get(entry.callback)
  byCallback.set(entry.callback, entry)
  entry.linked = true
  if (entry.wrapper !== undefined) wrappedRegistered++
}

function unlinked(entry: Entry): void {
  if (!entry.linked) return
  entry.linked = false
  if (entry.wrapper !== undefined) wrappedRegistered--
}

const keepWhileWrapped = (): boolean => wrappedRegistered > 0

/** Listeners registered through leakscope's wrappers and not removed yet. */
export function wrappedListenerCount(): number {
  return wrappedRegistered
}

// Apart from prepare(), so the closures below hold only the entry (never the target).
function invoke(entry: Entry, self: unknown, event: unknown): unknown {
  if (entry.once) {
    forget(entry)
    entry.item?.complete()
  }
  const callback = entry.callback
  const isFunction = typeof callback === 'function'
  const fn = isFunction ? callback : (callback as { handleEvent?: unknown }).handleEvent
  return callInContext(
    entry.node,
    entry.carried,
    fn as (...args: unknown[]) => unknown,
    isFunction ? self : callback,
    [event],
  )
}

function makeWrapper(entry: Entry): Callable {
  return function (this: unknown, event: unknown): unknown {
    return invoke(entry, this, event)
  }
}

function onAbort(signal: object, entry: Entry): void {
  nativeAddEventListener?.call(
    signal,
    'abort',
    () => {
      forget(entry)
      entry.item?.complete()
    },
    { once: true },
  )
}

// Returns the function to register in place of `callback`, or undefined to pass it through.
function prepare(
  target: object,
  typeRaw: unknown,
  callback: object,
  options: unknown,
  callee: AnyFunction,
): Callable | undefined {
  if (layered && wrappers.has(callback)) return undefined
  const capture = readCapture(options)
  const type = String(typeRaw)
  let record = entries.get(target)
  if (record !== undefined) {
    const existing = lookup(record, callback, type, capture)
    // The DOM ignores a second registration of the same key: so do we.
    if (existing !== undefined) return existing.wrapper
  }
  const node = currentContext()
  const parent = runningItem()
  const owners = ownersFor('listener', node, parent)
  // No scope tracks this listener and there is no context to carry: nothing to do.
  if (owners === undefined && node === undefined && parent === undefined) return undefined
  let signal: (AbortSignalLike & object) | undefined
  let once = false
  if (typeof options === 'object' && options !== null) {
    const raw = (options as ListenOptions).signal as (AbortSignalLike & object) | null | undefined
    if (raw !== undefined && raw !== null) {
      if (raw.aborted) return undefined
      signal = raw
    }
    once = Boolean((options as ListenOptions).once)
  }
  if (record === undefined)
    entries.set(target, (record = { ref: undefined, byCallback: new Map() }))
  let item: ListenerItem | undefined
  if (owners !== undefined) {
    const ref = record.ref ?? (record.ref = new WeakRef(target))
    item = new ListenerItem(
      functionName(
        typeof callback === 'function'
          ? callback
          : (callback as { handleEvent?: unknown }).handleEvent,
      ),
      owners,
      captureCreationStack(owners, callee),
      ref,
      type,
      capture,
    )
    item.register(item)
  }
  const entry = new Entry(record, callback, type, capture, once, item, node, item ?? parent)
  if (node !== undefined || parent !== undefined || once) {
    const wrapper = makeWrapper(entry)
    entry.wrapper = wrapper
    if (layered) wrappers.add(wrapper)
  }
  remember(entry)
  if (signal !== undefined) onAbort(signal, entry)
  return entry.wrapper
}

// Calls what the patch replaced with the caller's arguments, the listener possibly replaced.
function forward(
  patch: Patch,
  self: unknown,
  args: IArguments,
  type: unknown,
  listener: unknown,
  options: unknown,
): unknown {
  const previous = patch.previous as Listen
  const count = args.length
  if (count === 2) return Reflect.apply(previous, self, [type, listener])
  if (count === 3) return Reflect.apply(previous, self, [type, listener, options])
  const copy = Array.prototype.slice.call(args) as unknown[]
  if (count > 1) copy[1] = listener
  return Reflect.apply(previous, self, copy)
}

function patchAdd(holder: object | undefined): boolean {
  const defined = definePatch(holder, 'addEventListener', (patch, original) => {
    const addEventListener = function (
      this: unknown,
      type: unknown,
      callback: unknown,
      options: unknown,
    ): unknown {
      let listener = callback
      if (
        this !== null &&
        (typeof this === 'object' || typeof this === 'function') &&
        callback !== null &&
        (typeof callback === 'function' || typeof callback === 'object')
      ) {
        try {
          const wrapper = prepare(this, type, callback, options, addEventListener)
          if (wrapper !== undefined) listener = wrapper
        } catch (error) {
          fault(error)
          listener = callback
        }
      }
      // eslint-disable-next-line prefer-rest-params
      return forward(patch, this, arguments, type, listener, options)
    }
    return keepIdentity(addEventListener, original)
  })
  if (defined !== undefined) defined.keep = keepWhileWrapped
  return defined !== undefined
}

function patchRemove(holder: object | undefined): void {
  const defined = definePatch(holder, 'removeEventListener', (patch, original) =>
    keepIdentity(function removeEventListener(
      this: unknown,
      type: unknown,
      callback: unknown,
      options: unknown,
    ): unknown {
      let listener = callback
      const record = this !== null && typeof this === 'object' ? entries.get(this) : undefined
      if (record !== undefined) {
        try {
          const entry = take(record, callback, String(type), readCapture(options))
          if (entry !== undefined) {
            entry.item?.complete()
            if (entry.wrapper !== undefined) listener = entry.wrapper
          }
        } catch (error) {
          fault(error)
          listener = callback
        }
      }
      // eslint-disable-next-line prefer-rest-params
      return forward(patch, this, arguments, type, listener, options)
    }, original),
  )
  if (defined !== undefined) defined.keep = keepWhileWrapped
}

const addPatch = patchAdd(proto)
patchRemove(proto)
// Normally `window.addEventListener` is the prototype's; some runners install their own.
const own = (key: string): boolean => Object.prototype.hasOwnProperty.call(globalThis, key)
if (own('addEventListener')) layered = patchAdd(globalThis)
if (own('removeEventListener')) patchRemove(globalThis)

/** True when this global has EventTarget (every window and worker). */
export const LISTENER_KINDS: readonly 'listener'[] = addPatch ? ['listener'] : []
