// Event handler properties: `window.onresize = fn`, `document.onkeydown = fn`, `el.onclick = fn`.
// The DOM keeps one handler per (target, property) until the code sets the property again, so a
// handler set on a long-lived target and never reset is a listener that was never removed: it is
// reported as kind 'listener', keyed by target and property.
//
// Which targets: the window, documents, HTML elements (`<body>` also forwards some of the
// window's), the visual viewport, media query lists and the screen orientation, which outlive
// the code that sets a handler on them. Not the request- and connection-like objects (sockets,
// ports, workers, XMLHttpRequest, FileReader, IndexedDB requests): the object itself is what is
// tracked (or it is done once its request completes), and a handler on it is not a leak of its
// own. Their handlers are only carried (CARRIERS).
//
// The accessors of those interfaces (~370 in Chromium; ~30 more for the carriers) are replaced by
// pass-through accessors. Putting them all in place costs a few milliseconds per document (the
// agent's install in bench/e2e.mjs grew from 2.8 ms to 5-7 ms), too much for every scope (Vitest
// opens one per test), so they are put back only when no scope has been open for HANDLER_LINGER_MS, and not while a handler wrapped
// for its context is stored (the getter must keep returning the page's function).
//
// Set in a context (a scope's `run`, a tracked callback), the DOM is given a wrapper that runs the
// handler in that context; the getter returns the page's function, never the wrapper. The item
// completes when the property is set again through the setter. It is not reported while the DOM
// holds something else (an `onclick="…"` attribute replaced it), once its target was collected,
// or while the target is dormant (see listeners.ts). Nothing the item reaches holds the target or
// the handler: the record that does is found through the target, weakly.
import type { StackHolder } from '../shared/stack.js'
import { callInContext, currentContext, runningItem, type ContextNode } from './context.js'
import { targetDormant } from './listeners.js'
import { nativeSetTimeout } from './natives.js'
import { captureCreationStack, ownersFor, TrackedItem, type Owner } from './registry.js'
import {
  describeTarget,
  fault,
  functionName,
  mayInstallOver,
  type Callable,
  type Displaceable,
} from './track.js'

// Each accessor adds to every document's install: SVG elements (101), `Element`'s own 8 (copy and
// fullscreen events) and `<frameset>` (24) are left out, as places where a handler rarely
// outlives the code that set it.
const HOLDERS = [
  'Document',
  'HTMLElement',
  'HTMLBodyElement',
  'VisualViewport',
  'MediaQueryList',
  'ScreenOrientation',
]

// Request- and connection-like objects: their handlers are carried (a handler set in a context
// runs in it), not tracked (see above).
const CARRIERS = [
  'WebSocket',
  'EventSource',
  'BroadcastChannel',
  'MessagePort',
  'Worker',
  'XMLHttpRequestEventTarget',
  'XMLHttpRequest',
  'FileReader',
  'IDBRequest',
  'IDBTransaction',
  'AbortSignal',
]

/** How long the accessors stay after the last scope ended (see above). */
export const HANDLER_LINGER_MS = 250

type Getter = (this: unknown) => unknown
type Setter = (this: unknown, value: unknown) => void

interface AccessorPatch extends Displaceable {
  readonly holder: object
  readonly key: string
  /** False for CARRIERS: the handler runs in its context but is no item of any scope. */
  readonly track: boolean
  readonly get: Getter
  readonly set: Setter
  /** The accessor replaced at the last install: the patch delegates there. */
  previous: { get: Getter; set: Setter; enumerable: boolean }
}

interface HandlerRecord {
  readonly patch: AccessorPatch
  readonly handler: Callable
  /** What the DOM was given: the handler, or its wrapper. */
  readonly stored: unknown
  readonly item: HandlerItem | undefined
}

interface TargetHandlers {
  readonly ref: WeakRef<object>
  // Held weakly through the target, so this may hold the handlers (and the target itself).
  readonly byKey: Map<string, HandlerRecord>
}

const records = new WeakMap<object, TargetHandlers>()
// Targets that were given a wrapper: while one still holds it, the accessors stay. Pruned when
// they would be put back (a target collected, a handler reset or replaced by an attribute).
// Held by their WeakRefs: a handler often closes over its target.
const wrappedTargets = new Set<WeakRef<object>>()

class HandlerItem extends TrackedItem {
  declare readonly ref: WeakRef<object>
  declare readonly patch: AccessorPatch

  constructor(
    owners: readonly Owner[],
    stack: StackHolder | undefined,
    ref: WeakRef<object>,
    patch: AccessorPatch,
  ) {
    super('listener', undefined, 'open', Date.now(), owners, stack, undefined, cancelHandler)
    this.ref = ref
    this.patch = patch
    this.alive = handlerAlive
    this.describe = describeHandler
  }

  override dormant(): boolean {
    return targetDormant(this.ref)
  }

  protected override lateName(): string {
    return functionName(recordOf(this)?.handler)
  }
}

function recordOf(item: HandlerItem): HandlerRecord | undefined {
  const target = item.ref.deref()
  const record = target === undefined ? undefined : records.get(target)?.byKey.get(item.patch.key)
  return record?.item === item ? record : undefined
}

// Alive while the target lives and the DOM still holds what the setter gave it.
function handlerAlive(this: HandlerItem): boolean {
  const target = this.ref.deref()
  const record = recordOf(this)
  return target !== undefined && record !== undefined && readStored(record, target)
}

const functionSource: (this: unknown) => string = Function.prototype.toString
// `function noop() {}`, `function(e){}`, `() => {}`, `e => {}`, `noop() {}`, async forms.
const EMPTY_FUNCTION =
  /^(?:async\s*)?(?:function\b[^(]*|[\w$]+\s*)?(?:\([^)]*\)|[\w$]+)\s*(?:=>\s*)?\{\s*\}$/

// Asked per function once: React sets the same `noop` on every element with an `onClick` prop.
const emptyFunctions = new WeakMap<object, boolean>()

function isEmptyFunction(fn: object): boolean {
  let empty = emptyFunctions.get(fn)
  if (empty === undefined) {
    try {
      const source = functionSource.call(fn)
      empty = source.length < 200 && EMPTY_FUNCTION.test(source)
    } catch {
      empty = false
    }
    emptyFunctions.set(fn, empty)
  }
  return empty
}

function describeHandler(this: HandlerItem): string {
  const target = this.ref.deref()
  const type = this.patch.key.slice(2)
  return `'${type}' on ${target === undefined ? 'a collected target' : describeTarget(target)} (${this.patch.key})`
}

// The item's `clear`: it is registered under itself. Reset through the property, so every layer
// over leakscope's (and leakscope's own setter, which forgets the record) sees it.
function cancelHandler(id: unknown): void {
  const item = id as HandlerItem
  const target = item.ref.deref()
  if (target === undefined || recordOf(item) === undefined) return
  forget(target, item.patch.key)
  ;(target as Record<string, unknown>)[item.patch.key] = null
}

function forget(target: object, key: string): void {
  const byKey = records.get(target)?.byKey
  const record = byKey?.get(key)
  if (record === undefined) return
  byKey?.delete(key)
  record.item?.complete()
}

function wrapHandler(
  handler: Callable,
  node: ContextNode | undefined,
  carried: TrackedItem | undefined,
): Callable {
  return function (this: unknown, ...args: unknown[]): unknown {
    return callInContext(node, carried, handler, this, args)
  }
}

// Records a handler about to be stored and returns what to store (the handler or its wrapper).
function onSet(patch: AccessorPatch, target: object, value: unknown, callee: Setter): unknown {
  forget(target, patch.key)
  // A handler that does nothing holds nothing: not tracked, and no context to carry. React sets
  // `onclick = noop` for good on the parent of every root's container (a Safari click-delegation
  // fix) and on every element with an `onClick` prop; tracking those cost a creation stack each.
  if (typeof value !== 'function' || isEmptyFunction(value)) return value
  const node = currentContext()
  const parent = runningItem()
  const owners = patch.track ? ownersFor('listener', node, parent) : undefined
  if (owners === undefined && node === undefined && parent === undefined) return value
  let entry = records.get(target)
  if (entry === undefined)
    records.set(target, (entry = { ref: new WeakRef(target), byKey: new Map() }))
  let item: HandlerItem | undefined
  if (owners !== undefined) {
    item = new HandlerItem(owners, captureCreationStack(owners, callee), entry.ref, patch)
    item.registerSelf()
  }
  const handler = value as Callable
  const stored =
    node === undefined && parent === undefined
      ? handler
      : wrapHandler(handler, node, item ?? parent)
  if (stored !== handler) wrappedTargets.add(entry.ref)
  entry.byKey.set(patch.key, { patch, handler, stored, item })
  return stored
}

function makePatch(
  holder: object,
  key: string,
  original: PropertyDescriptor,
  track: boolean,
): AccessorPatch {
  const patch: AccessorPatch = {
    holder,
    key,
    track,
    displaced: false,
    get: undefined as unknown as Getter,
    set: undefined as unknown as Setter,
    previous: {
      get: original.get as Getter,
      set: original.set as Setter,
      enumerable: original.enumerable === true,
    },
  }
  // Named like the DOM's own (`get onclick`) through computed method names: redefining `name` on
  // each of ~1,000 functions cost more than the rest of the install.
  const named = {
    [`get ${key}`](this: unknown): unknown {
      const value = patch.previous.get.call(this)
      if (wrappedTargets.size === 0 || typeof value !== 'function' || this === null) return value
      if (typeof this !== 'object') return value
      const record = records.get(this)?.byKey.get(key)
      return record !== undefined && record.stored === value ? record.handler : value
    },
    [`set ${key}`](this: unknown, value: unknown): void {
      if (this === null || typeof this !== 'object') {
        patch.previous.set.call(this, value)
        return
      }
      let stored: unknown
      try {
        stored = onSet(patch, this, value, set)
      } catch (error) {
        fault(error)
        stored = value
      }
      try {
        patch.previous.set.call(this, stored)
      } catch (error) {
        // Not a target of this interface (the prototype itself, say): the DOM refused, so nothing
        // was registered. The page gets the DOM's own error.
        forget(this, key)
        throw error
      }
    },
  }
  const get = named[`get ${key}`] as Getter
  const set = named[`set ${key}`] as Setter
  ;(patch as { get: Getter }).get = get
  ;(patch as { set: Setter }).set = set
  return patch
}

function isHandlerAccessor(descriptor: PropertyDescriptor | undefined): boolean {
  return (
    descriptor !== undefined &&
    typeof descriptor.get === 'function' &&
    typeof descriptor.set === 'function' &&
    descriptor.configurable === true
  )
}

// The window's own handlers: its GlobalEventHandlers and WindowEventHandlers are the documents',
// elements' and `<body>`'s names, plus these. Enumerating the window's properties instead creates
// every interface object the page has not touched yet (the agent's install in bench/e2e.mjs was
// 15.6 ms that way, 5-7 ms this way).
const WINDOW_ONLY = [
  'onappinstalled',
  'onbeforeinstallprompt',
  'ondevicemotion',
  'ondeviceorientation',
  'ondeviceorientationabsolute',
  'onorientationchange',
  'onpagereveal',
  'onpageswap',
]

function collect(): AccessorPatch[] {
  const patches: AccessorPatch[] = []
  const names = new Set(WINDOW_ONLY)
  const add = (holder: object, key: string, track: boolean): void => {
    const descriptor = Object.getOwnPropertyDescriptor(holder, key)
    if (descriptor !== undefined && isHandlerAccessor(descriptor))
      patches.push(makePatch(holder, key, descriptor, track))
  }
  for (const name of [...HOLDERS, ...CARRIERS]) {
    const ctor = Object.getOwnPropertyDescriptor(globalThis, name)?.value as
      { prototype?: unknown } | undefined
    if (typeof ctor !== 'function' || typeof ctor.prototype !== 'object' || ctor.prototype === null)
      continue
    const track = HOLDERS.includes(name)
    for (const key of Object.getOwnPropertyNames(ctor.prototype)) {
      if (!key.startsWith('on')) continue
      if (track) names.add(key)
      add(ctor.prototype, key, track)
    }
  }
  for (const key of names) add(globalThis, key, true)
  return patches
}

let patches: AccessorPatch[] | undefined
let installed = false
// Bumped by every install: a restore scheduled before it is void.
let lingerToken = 0

/** Puts the accessors in place (cheap when they already are). */
export function installHandlerPatches(): void {
  lingerToken++
  if (installed) return
  installed = true
  patches ??= collect()
  for (const patch of patches) {
    const current = Object.getOwnPropertyDescriptor(patch.holder, patch.key)
    if (!mayInstallOver(patch, current?.set, patch.set, patch.previous.set)) continue
    if (!isHandlerAccessor(current)) continue
    patch.previous = {
      get: current?.get as Getter,
      set: current?.set as Setter,
      enumerable: current?.enumerable === true,
    }
    Object.defineProperty(patch.holder, patch.key, {
      configurable: true,
      enumerable: patch.previous.enumerable,
      get: patch.get,
      set: patch.set,
    })
  }
}

/** Called when the last scope ends: the accessors are put back LINGER_MS later (see above). */
export function uninstallHandlerPatches(): void {
  const token = ++lingerToken
  nativeSetTimeout(() => {
    if (token === lingerToken) restoreAccessors()
  }, HANDLER_LINGER_MS)
}

// True while some target still holds a wrapper it was given (see wrappedTargets).
function holdsWrapper(): boolean {
  for (const ref of wrappedTargets) {
    const target = ref.deref()
    const byKey = target === undefined ? undefined : records.get(target)?.byKey
    let holds = false
    if (target !== undefined && byKey !== undefined)
      for (const record of byKey.values()) {
        if (record.stored === record.handler) continue
        if (readStored(record, target)) holds = true
      }
    if (!holds) wrappedTargets.delete(ref)
  }
  return wrappedTargets.size > 0
}

function readStored(record: HandlerRecord, target: object): boolean {
  try {
    return record.patch.previous.get.call(target) === record.stored
  } catch {
    return false
  }
}

// Puts back what each accessor replaced, unless someone replaced it in the meantime.
function restoreAccessors(): void {
  if (!installed || patches === undefined || holdsWrapper()) return
  installed = false
  for (const patch of patches) {
    if (Object.getOwnPropertyDescriptor(patch.holder, patch.key)?.set !== patch.set) {
      patch.displaced = true
      continue
    }
    Object.defineProperty(patch.holder, patch.key, {
      configurable: true,
      enumerable: patch.previous.enumerable,
      get: patch.previous.get,
      set: patch.previous.set,
    })
  }
}

/** True while leakscope's `on*` accessors are in place (tests). */
export function handlerPatchesInstalled(): boolean {
  return installed
}
