// Shared machinery of the object-keyed kinds (listeners, observers, connections, requests,
// promises, posted tasks): a helper that creates an item for the current context (such items are
// found through their own objects, so they have no id registry), and reversible patches of
// globals and prototype members. Like the timer patches, these are installed only while a scope is open and delegate to
// whatever they replaced, so a patch installed by someone else earlier keeps working.
import type { BrowserTaskKind, TaskState } from '../shared/model.js'
import { reportInternalFault } from '../shared/scope.js'
import { currentContext, runningItem } from './context.js'
import { browserPlatformHooks } from './platform.js'
import { captureCreationStack, ownersFor, TrackedItem } from './registry.js'

export type AnyFunction = (...args: never[]) => unknown
export type Callable = (this: unknown, ...args: unknown[]) => unknown

export function fault(error: unknown): void {
  reportInternalFault(browserPlatformHooks, error)
}

export function functionName(callback: unknown): string {
  if (typeof callback === 'function') {
    const name = (callback as { name?: unknown }).name
    return typeof name === 'string' && name !== '' ? name : 'anonymous'
  }
  return 'anonymous'
}

/**
 * Creates and registers an item for the current context, or returns undefined when no open
 * scope wants this kind here. `callee` is the patched entry point (the stack starts at its caller).
 */
export function trackItem(
  kind: BrowserTaskKind,
  name: string,
  state: TaskState,
  callee: AnyFunction,
  cancel: () => void,
  detail?: string,
): TrackedItem | undefined {
  const owners = ownersFor(kind, currentContext(), runningItem())
  if (owners === undefined) return undefined
  const item = new TrackedItem(
    kind,
    name,
    state,
    Date.now(),
    owners,
    captureCreationStack(owners, callee),
    undefined,
    cancel,
  )
  item.detail = detail
  item.registerSelf()
  return item
}

/** Gives a replacement function the name and length of the function it replaces. */
export function keepIdentity<F extends AnyFunction>(patched: F, original: AnyFunction): F {
  Object.defineProperty(patched, 'name', { value: original.name, configurable: true })
  Object.defineProperty(patched, 'length', { value: original.length, configurable: true })
  return patched
}

/** A patch's note that someone replaced it while it was installed (see mayInstallOver). */
export interface Displaceable {
  displaced: boolean
}

/** A reversible replacement of `holder[key]`. */
export interface Patch extends Displaceable {
  readonly holder: Record<string, unknown>
  readonly key: string
  readonly patched: unknown
  /** What the patch replaced at its last install; it delegates there. */
  previous: unknown
  /** True while the patch must outlive the last scope (something still depends on it). */
  keep?: () => boolean
}

/**
 * Whether a patch may be installed over `current`, what is in its place now. Not when that is
 * `ours` already. Not either when someone replaced the patch while it was installed and theirs is
 * still there: theirs may call ours (a spy never restored), and ours, installed over it, would
 * call theirs, a loop; leakscope's patch still runs inside theirs. Again once what the patch had
 * `replaced` is back. Uninstalling notes `displaced` when the patch is no longer in its place.
 */
export function mayInstallOver(
  patch: Displaceable,
  current: unknown,
  ours: unknown,
  replaced: unknown,
): boolean {
  if (current === ours) {
    patch.displaced = false
    return false
  }
  if (patch.displaced && current !== replaced) return false
  patch.displaced = false
  return true
}

const patches: Patch[] = []

/** Registers a patch of `holder[key]`; `make` builds the replacement from the patch record. */
export function definePatch(
  holder: object | undefined,
  key: string,
  make: (patch: Patch, original: AnyFunction) => unknown,
): Patch | undefined {
  if (holder === undefined || holder === null) return undefined
  const record = holder as Record<string, unknown>
  const original = record[key]
  if (typeof original !== 'function') return undefined
  const patch = {
    holder: record,
    key,
    patched: undefined as unknown,
    previous: original as unknown,
    displaced: false,
  }
  patch.patched = make(patch, original as AnyFunction)
  patches.push(patch)
  return patch
}

/** Calls what the patch replaced, with the caller's `this` and arguments. */
export function callPrevious(patch: Patch, self: unknown, args: ArrayLike<unknown>): unknown {
  return Reflect.apply(patch.previous as AnyFunction, self, args)
}

/**
 * Patches a method that ends tracked work (`close`, `clearWatch`): once the call has returned,
 * the item `itemFor(this, args)` finds is complete.
 */
export function patchEnding(
  holder: object | undefined,
  key: string,
  itemFor: (self: unknown, args: readonly unknown[]) => TrackedItem | undefined,
): Patch | undefined {
  return definePatch(holder, key, (patch, original) =>
    keepIdentity(function (this: unknown, ...args: unknown[]): unknown {
      const result = callPrevious(patch, this, args)
      try {
        itemFor(this, args)?.complete()
      } catch (error) {
        fault(error)
      }
      return result
    }, original),
  )
}

/** `callPrevious` for a call that made `item`: the item ends if the call throws (the page's error). */
export function callPreviousFor(
  item: TrackedItem | undefined,
  patch: Patch,
  self: unknown,
  args: ArrayLike<unknown>,
): unknown {
  try {
    return callPrevious(patch, self, args)
  } catch (error) {
    item?.complete()
    throw error
  }
}

// Patches the last scope's end left in place because their `keep` said so (see
// releaseKeptPatches), and whether a scope holds the patches now.
const kept = new Set<Patch>()
let scopesHoldPatches = false

export function installObjectPatches(): void {
  scopesHoldPatches = true
  kept.clear()
  for (const patch of patches) {
    const current = patch.holder[patch.key]
    if (!mayInstallOver(patch, current, patch.patched, patch.previous)) continue
    patch.previous = current
    patch.holder[patch.key] = patch.patched
  }
}

/** Puts back what each patch replaced, unless someone replaced the patch in the meantime. */
export function uninstallObjectPatches(): void {
  scopesHoldPatches = false
  for (const patch of patches) {
    if (patch.keep?.() === true) kept.add(patch)
    else uninstallPatch(patch)
  }
}

/**
 * For a patch's `keep` that may have turned false (the last listener registered through a
 * wrapper left): with no scope open, the patches it kept go now, not at the next scope's end,
 * which may never come.
 */
export function releaseKeptPatches(): void {
  if (scopesHoldPatches) return
  // Runs inside the page's removeEventListener call or a finalizer: never throws into either
  // (a frozen prototype, say).
  try {
    for (const patch of kept) {
      if (patch.keep?.() === true) continue
      kept.delete(patch)
      uninstallPatch(patch)
    }
  } catch (error) {
    fault(error)
  }
}

function uninstallPatch(patch: Patch): void {
  if (patch.holder[patch.key] === patch.patched) patch.holder[patch.key] = patch.previous
  else patch.displaced = true
}

/** A short description of an event target: `window`, `document`, `<button#save.primary>`. */
export function describeTarget(target: object): string {
  const g = globalThis as { window?: unknown; document?: unknown }
  if (target === g.window || target === globalThis) return 'window'
  if (target === g.document) return 'document'
  const element = target as { localName?: unknown; id?: unknown; classList?: Iterable<string> }
  if (typeof element.localName === 'string') {
    let text = element.localName
    if (typeof element.id === 'string' && element.id !== '') text += `#${element.id}`
    if (element.classList !== undefined) for (const name of element.classList) text += `.${name}`
    return `<${text}>`
  }
  const name = (target as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? name : 'EventTarget'
}
