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
// When there is a context to carry (or a `once` to see), the DOM is given the entry itself, an
// EventListener object whose `handleEvent` restores the context and calls the callback, so
// `removeEventListener(type, callback)` finds the entry and removes it. Hot path: one WeakMap
// lookup per call, no per-call argument arrays or closures; per tracked listener one item and one
// entry, both linked into short lists; the item's name, `alive`, `describe` and cancel are shared
// functions that read the entry or the target's WeakRef only when a report needs them.
// Handler properties (`el.onclick = fn`) are handlers.ts's.
import { callInContext, currentContext, runningItem, type ContextNode } from './context.js'
import { captureStackTrace, errorConstructor, unpatched } from './natives.js'
import {
  captureCreationStack,
  captureUnderLayer,
  ownersFor,
  stackFramesFor,
  TrackedItem,
  type Owner,
} from './registry.js'
import type { StackHolder } from '../shared/stack.js'
import {
  callPrevious,
  definePatch,
  describeTarget,
  fault,
  functionName,
  keepIdentity,
  releaseKeptPatches,
  type Callable,
} from './track.js'

// The listeners on one target. A short list until it grows past LIST_LIMIT, then a map by
// callback (entries of one callback form a short list): most targets have a few listeners, and a
// map costs more to update than a scan of a few entries.
interface TargetRecord {
  // Made when the target's first tracked item needs it (creating WeakRefs is not free).
  ref: WeakRef<object> | undefined
  head: Entry | undefined
  count: number
  byCallback: Map<unknown, Entry> | undefined
  // Made when the target's first listener goes through a wrapper (see wrappedRegistered).
  wrapped: WrappedCount | undefined
}

// The target's listeners registered through a wrapper and not removed. A collected target takes
// its listeners with it, with no removeEventListener: the finalizer subtracts them.
interface WrappedCount {
  n: number
}

const LIST_LIMIT = 8

/**
 * One per registered key. When the callback must run in a context (or leave on its first call),
 * the DOM is given the entry itself: an EventListener object whose `handleEvent` calls the
 * callback, so no wrapper function is made per listener.
 */
class Entry {
  // Declared and assigned, not class fields (see TrackedItem).
  declare next: Entry | undefined
  declare wrapped: boolean
  declare linked: boolean
  declare readonly record: TargetRecord
  declare readonly callback: object
  declare readonly type: string
  declare readonly capture: boolean
  declare readonly once: boolean
  declare readonly item: ListenerItem | undefined
  declare readonly node: ContextNode | undefined
  declare readonly carried: TrackedItem | undefined

  constructor(
    record: TargetRecord,
    callback: object,
    type: string,
    capture: boolean,
    once: boolean,
    item: ListenerItem | undefined,
    node: ContextNode | undefined,
    carried: TrackedItem | undefined,
  ) {
    this.next = undefined
    this.wrapped = false
    this.linked = false
    this.record = record
    this.callback = callback
    this.type = type
    this.capture = capture
    this.once = once
    this.item = item
    this.node = node
    this.carried = carried
  }

  handleEvent(event: unknown): unknown {
    if (this.once) {
      forget(this)
      this.item?.complete()
    }
    const callback = this.callback
    // The DOM calls a function listener with the event's currentTarget as `this`.
    if (typeof callback === 'function')
      return callInContext(
        this.node,
        this.carried,
        callback as Callable,
        (event as { currentTarget?: unknown } | null)?.currentTarget,
        [event],
      )
    return callInContext(
      this.node,
      this.carried,
      (callback as { handleEvent?: unknown }).handleEvent as Callable,
      callback,
      [event],
    )
  }
}

// Holds its target only through the target's WeakRef (see above). Its name (the callback's) is
// read when a report needs it, through the entry that still points to it.
class ListenerItem extends TrackedItem {
  declare readonly ref: WeakRef<object>
  declare readonly eventType: string
  declare readonly capture: boolean

  constructor(
    owners: readonly Owner[],
    stack: StackHolder | undefined,
    ref: WeakRef<object>,
    eventType: string,
    capture: boolean,
  ) {
    super('listener', undefined, 'open', Date.now(), owners, stack, undefined, cancelListener)
    this.ref = ref
    this.eventType = eventType
    this.capture = capture
    this.alive = listenerAlive
    this.describe = describeListener
  }

  override dormant(): boolean {
    return targetDormant(this.ref)
  }

  protected override lateName(): string {
    const callback = entryOf(this)?.callback
    return functionName(
      typeof callback === 'function'
        ? callback
        : (callback as { handleEvent?: unknown } | undefined)?.handleEvent,
    )
  }
}

function listenerAlive(this: ListenerItem): boolean {
  return this.ref.deref() !== undefined
}

// Captured at load: the page (or zone.js) may patch the prototype later, never the constructor.
const XHR = (globalThis as { XMLHttpRequest?: new () => { readyState: number } }).XMLHttpRequest

// Targets whose listeners cannot run now, though the target lives:
// - a node out of the document (`isConnected` false; read, not `instanceof Node`, so nodes of
//   other frames count too): no input, layout or document event reaches it. Vue and Preact put
//   listeners on the elements they render and drop the elements at unmount without removing
//   them, so every unmounted component with an `onClick` looked leaked until a garbage
//   collection happened to run;
// - an XMLHttpRequest with no request in flight (UNSENT, also after abort, or DONE): it fires
//   events only between send() and loadend. zone.js leaves its own listeners on every request it
//   saw (its readystatechange listener, and `once` listeners, which it registers without `once`
//   and never removes natively).
// Not reported while so; reported again if the page puts the node back or sends again.
/** While the target lives but no event can reach it (see above); shared with `on*` handlers. */
export function targetDormant(ref: WeakRef<object>): boolean {
  const target = ref.deref()
  if (target === undefined) return false
  if ((target as { isConnected?: unknown }).isConnected === false) return true
  return (
    XHR !== undefined &&
    target instanceof XHR &&
    (target.readyState === 0 || target.readyState === 4)
  )
}

function describeListener(this: ListenerItem): string {
  const t = this.ref.deref()
  return `'${this.eventType}' on ${t === undefined ? 'a collected target' : describeTarget(t)}`
}

// The entry that registered the item, while its target lives and the listener is registered.
function entryOf(item: ListenerItem): Entry | undefined {
  const t = item.ref.deref()
  const record = t === undefined ? undefined : entries.get(t)
  if (record === undefined) return undefined
  if (record.byCallback === undefined) {
    for (let e = record.head; e !== undefined; e = e.next) if (e.item === item) return e
    return undefined
  }
  for (const head of record.byCallback.values())
    for (let e: Entry | undefined = head; e !== undefined; e = e.next) if (e.item === item) return e
  return undefined
}

// The item's `clear`: it is registered under itself.
function cancelListener(id: unknown): void {
  const item = id as ListenerItem
  const entry = entryOf(item)
  const t = item.ref.deref()
  if (entry === undefined || t === undefined) return
  forget(entry)
  nativeRemoveEventListener?.call(
    t,
    item.eventType,
    entry.wrapped ? entry : entry.callback,
    item.capture,
  )
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
/**
 * For leakscope's own listeners (a request's `loadend`, a signal's `abort`): the native method
 * even under a zone.js loaded first (see `unpatched`). Removing a page's listener (cancel) still
 * goes through every layer, which is where the page registered it.
 */
export const ownAddEventListener: Listen | undefined = unpatched(nativeAddEventListener)

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

// The first entry of the list that holds `callback`'s entries.
function headFor(record: TargetRecord, callback: unknown): Entry | undefined {
  return record.byCallback === undefined ? record.head : record.byCallback.get(callback)
}

function setHead(record: TargetRecord, callback: unknown, entry: Entry | undefined): void {
  const byCallback = record.byCallback
  if (byCallback === undefined) record.head = entry
  else if (entry === undefined) byCallback.delete(callback)
  else byCallback.set(callback, entry)
}

function lookup(
  record: TargetRecord,
  callback: unknown,
  type: string,
  capture: boolean,
): Entry | undefined {
  for (let e = headFor(record, callback); e !== undefined; e = e.next)
    if (e.callback === callback && e.type === type && e.capture === capture) return e
  return undefined
}

function unlink(record: TargetRecord, previous: Entry | undefined, entry: Entry): void {
  if (previous === undefined) setHead(record, entry.callback, entry.next)
  else previous.next = entry.next
  entry.next = undefined
  record.count--
  unlinked(entry)
}

// Unlinks the entry for the key, if any, and returns it.
function take(
  record: TargetRecord,
  callback: unknown,
  type: string,
  capture: boolean,
): Entry | undefined {
  let previous: Entry | undefined
  for (let e = headFor(record, callback); e !== undefined; previous = e, e = e.next) {
    if (e.callback === callback && e.type === type && e.capture === capture) {
      unlink(record, previous, e)
      return e
    }
  }
  return undefined
}

function forget(entry: Entry): void {
  if (!entry.linked) return
  const record = entry.record
  let previous: Entry | undefined
  for (let e = headFor(record, entry.callback); e !== undefined; previous = e, e = e.next) {
    if (e === entry) {
      unlink(record, previous, e)
      return
    }
  }
}

// Listeners registered through a wrapper can only be removed through the patched
// removeEventListener (which maps the callback to its wrapper), and re-adding their callback
// only deduplicates through the patched addEventListener: while any is registered, the two
// patches stay in place after the last scope ends, as pass-throughs, and go when the last one
// leaves.
let wrappedRegistered = 0

const collectedTargets =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<WrappedCount>((count) => {
        if (count.n === 0) return
        wrappedRegistered -= count.n
        count.n = 0
        if (wrappedRegistered === 0) releaseKeptPatches()
      })
    : undefined

function remember(entry: Entry): void {
  const record = entry.record
  const callback = entry.callback
  if (record.byCallback === undefined && record.count >= LIST_LIMIT) {
    // Too many for a list: index by callback from now on.
    const byCallback = new Map<unknown, Entry>()
    let e = record.head
    while (e !== undefined) {
      const next = e.next
      e.next = byCallback.get(e.callback)
      byCallback.set(e.callback, e)
      e = next
    }
    record.head = undefined
    record.byCallback = byCallback
  }
  entry.next = headFor(record, callback)
  setHead(record, callback, entry)
  record.count++
  entry.linked = true
  if (entry.wrapped) {
    wrappedRegistered++
    if (record.wrapped !== undefined) record.wrapped.n++
  }
}

function unlinked(entry: Entry): void {
  if (!entry.linked) return
  entry.linked = false
  if (!entry.wrapped) return
  if (entry.record.wrapped !== undefined) entry.record.wrapped.n--
  if (--wrappedRegistered === 0) releaseKeptPatches()
}

const keepWhileWrapped = (): boolean => wrappedRegistered > 0

/** Listeners registered through leakscope's wrappers and not removed yet. */
export function wrappedListenerCount(): number {
  return wrappedRegistered
}

function onAbort(signal: object, entry: Entry): void {
  ownAddEventListener?.call(
    signal,
    'abort',
    () => {
      forget(entry)
      entry.item?.complete()
    },
    { once: true },
  )
}

// The item prepare() created for the call in progress and the frames of creation stack it wants
// (module slots, not a returned object: no allocation per call).
let preparedItem: ListenerItem | undefined
let preparedFrames = 0

// Returns the listener to register in place of `callback`, or undefined to pass it through.
function prepare(
  target: object,
  typeRaw: unknown,
  callback: object,
  options: unknown,
): Entry | undefined {
  if (layered && wrappers.has(callback)) return undefined
  const capture = readCapture(options)
  const type = String(typeRaw)
  let record = entries.get(target)
  if (record !== undefined) {
    const existing = lookup(record, callback, type, capture)
    // The DOM ignores a second registration of the same key: so do we.
    if (existing !== undefined) return existing.wrapped ? existing : undefined
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
    entries.set(
      target,
      (record = {
        ref: undefined,
        head: undefined,
        count: 0,
        byCallback: undefined,
        wrapped: undefined,
      }),
    )
  let item: ListenerItem | undefined
  if (owners !== undefined) {
    const ref = record.ref ?? (record.ref = new WeakRef(target))
    item = new ListenerItem(owners, undefined, ref, type, capture)
    item.registerSelf()
    preparedItem = item
    preparedFrames = stackFramesFor(owners)
  }
  const entry = new Entry(record, callback, type, capture, once, item, node, item ?? parent)
  if (node !== undefined || parent !== undefined || once) {
    entry.wrapped = true
    if (layered) wrappers.add(entry)
    if (record.wrapped === undefined) {
      record.wrapped = { n: 0 }
      collectedTargets?.register(target, record.wrapped)
    }
  }
  remember(entry)
  if (signal !== undefined) onAbort(signal, entry)
  return entry.wrapped ? entry : undefined
}

// The addEventListener the page reaches on `target` when another layer has patched over ours
// (undefined otherwise). Read defensively: a target may define it as a throwing getter.
function layerAbove(target: object, own: unknown): unknown {
  try {
    const found = (target as { addEventListener?: unknown }).addEventListener
    return found === own ? undefined : found
  } catch {
    return undefined
  }
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
          const entry = prepare(this, type, callback, options)
          if (entry !== undefined) listener = entry
          const item = preparedItem
          if (item !== undefined && preparedFrames !== 0) {
            // Captured here, in the patched function itself, and not in a helper: V8 walks every
            // frame above the cut-off, and each frame it skips costs about as much as one it keeps.
            const limit = errorConstructor.stackTraceLimit
            errorConstructor.stackTraceLimit = preparedFrames
            try {
              const holder: StackHolder = {}
              const outer = layerAbove(this, addEventListener)
              if (captureStackTrace === undefined)
                item.stack = captureCreationStack(item.owners, addEventListener)
              else if (typeof outer === 'function') {
                // Another layer patched over this one (zone.js): cut where the page called.
                captureUnderLayer(holder, outer as Callable, addEventListener)
                item.stack = holder
              } else {
                captureStackTrace(holder, addEventListener)
                item.stack = holder
              }
            } finally {
              errorConstructor.stackTraceLimit = limit
            }
          }
        } catch (error) {
          fault(error)
          listener = callback
        }
        preparedItem = undefined
        preparedFrames = 0
      }
      // Forwarded with the caller's count of arguments (arity errors stay the native ones); the
      // common arities through `call`, and `arguments` only read by index, never passed on, so V8
      // need not allocate it.
      const previous = patch.previous as Listen
      const count = arguments.length
      if (count === 2) return previous.call(this, type, listener)
      if (count === 3) return previous.call(this, type, listener, options)
      const list: unknown[] = []
      // eslint-disable-next-line prefer-rest-params
      for (let i = 0; i < count; i++) list.push(i === 1 ? listener : arguments[i])
      return Reflect.apply(previous, this, list)
    }
    return keepIdentity(addEventListener, original)
  })
  if (defined !== undefined) defined.keep = keepWhileWrapped
  return defined !== undefined
}

// A removal of (target, type, callback, capture) on its way to the DOM: completes the item and
// returns what the DOM was given for the key (leakscope's entry, or the callback itself).
function removing(target: unknown, callback: unknown, type: unknown, options: unknown): unknown {
  const record = target !== null && typeof target === 'object' ? entries.get(target) : undefined
  if (record === undefined) return callback
  try {
    const entry = take(record, callback, String(type), readCapture(options))
    if (entry === undefined) return callback
    entry.item?.complete()
    return entry.wrapped ? entry : callback
  } catch (error) {
    fault(error)
    return callback
  }
}

function patchRemove(holder: object | undefined): void {
  const defined = definePatch(holder, 'removeEventListener', (patch, original) =>
    keepIdentity(function removeEventListener(
      this: unknown,
      type: unknown,
      callback: unknown,
      options: unknown,
    ): unknown {
      const listener = removing(this, callback, type, options)
      // Forwarded with the caller's count of arguments (arity errors stay the native ones); the
      // common arities through `call`, and `arguments` only read by index, never passed on, so V8
      // need not allocate it.
      const previous = patch.previous as Listen
      const count = arguments.length
      if (count === 2) return previous.call(this, type, listener)
      if (count === 3) return previous.call(this, type, listener, options)
      const list: unknown[] = []
      // eslint-disable-next-line prefer-rest-params
      for (let i = 0; i < count; i++) list.push(i === 1 ? listener : arguments[i])
      return Reflect.apply(previous, this, list)
    }, original),
  )
  if (defined !== undefined) defined.keep = keepWhileWrapped
}

// MediaQueryList's legacy `addListener(callback)` / `removeListener(callback)` add and remove a
// 'change' listener inside the DOM, without calling addEventListener: patched too, with the same
// key (so `addListener` then `removeEventListener('change', callback)` is clean, as in the DOM).
// Old code and Safari < 14 fallbacks still use them. Not hot: the stack goes through the helper.
function patchLegacyListeners(holder: object | undefined): void {
  const add = definePatch(holder, 'addListener', (patch, original) => {
    const addListener = function (this: unknown, callback: unknown): unknown {
      let listener = callback
      if (
        this !== null &&
        typeof this === 'object' &&
        callback !== null &&
        (typeof callback === 'function' || typeof callback === 'object')
      ) {
        try {
          const entry = prepare(this, 'change', callback, false)
          if (entry !== undefined) listener = entry
          const item = preparedItem
          if (item !== undefined && preparedFrames !== 0)
            item.stack = captureCreationStack(item.owners, addListener)
        } catch (error) {
          fault(error)
          listener = callback
        }
        preparedItem = undefined
        preparedFrames = 0
      }
      return callPrevious(patch, this, arguments.length === 0 ? [] : [listener])
    }
    return keepIdentity(addListener, original)
  })
  const remove = definePatch(holder, 'removeListener', (patch, original) =>
    keepIdentity(function removeListener(this: unknown, callback: unknown): unknown {
      const listener = removing(this, callback, 'change', false)
      return callPrevious(patch, this, arguments.length === 0 ? [] : [listener])
    }, original),
  )
  if (add !== undefined) add.keep = keepWhileWrapped
  if (remove !== undefined) remove.keep = keepWhileWrapped
}

const addPatch = patchAdd(proto)
patchRemove(proto)
patchLegacyListeners(
  (globalThis as { MediaQueryList?: { prototype: object } }).MediaQueryList?.prototype,
)
// Normally `window.addEventListener` is the prototype's; some runners install their own.
const own = (key: string): boolean => Object.prototype.hasOwnProperty.call(globalThis, key)
if (own('addEventListener')) layered = patchAdd(globalThis)
if (own('removeEventListener')) patchRemove(globalThis)

/** True when this global has EventTarget (every window and worker). */
export const LISTENER_KINDS: readonly 'listener'[] = addPatch ? ['listener'] : []
