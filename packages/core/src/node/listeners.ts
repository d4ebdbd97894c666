// EventEmitter listeners (kind 'listener', opt-in through `kinds`). A listener added inside a
// scope to an emitter that was there before (`process`, a module's singleton, a server made in
// `beforeAll`) and still registered when the scope ends is a leak: the emitter keeps it and
// everything it closes over, and once enough pile up Node warns "MaxListenersExceededWarning".
// Listeners on emitters created after the scope opened belong to objects of the scope's own and
// go with them: not the scope's leak (an emitter's birth is seen in `EventEmitter.init`, which
// every emitter's constructor calls, while a listener-tracking scope is open).
//
// Whether a listener is still registered is read from its emitter (`rawListeners`) when a report
// asks, so `off`, `removeAllListeners` and a `once` that fired need no patch. Emitter and
// listener are held weakly.
import { EventEmitter } from 'node:events'
import { keepIdentity } from './natives.js'

export interface ListenerResource {
  /** The listener-tracking generation the emitter was born in (0: before any). */
  readonly bornIn: number
  readonly emitter: WeakRef<EventEmitter>
  readonly type: string | symbol
  readonly listener: WeakRef<(...args: unknown[]) => unknown>
}

/**
 * Told of every listener added while the patches are in place: the emitter, and the generation
 * it was born in (0: before any listener-tracking scope).
 */
export type ListenerAdded = (
  emitter: EventEmitter,
  type: string | symbol,
  listener: (...args: unknown[]) => unknown,
  bornIn: number,
  callee: AnyFunction,
) => void

type AnyFunction = (...args: never[]) => unknown

interface Patch {
  readonly holder: Record<string, unknown>
  readonly key: string
  readonly original: unknown
  readonly patched: unknown
}

// Listeners reach the emitter through these; `once` and `prependOnceListener` call them too.
const ADD_KEYS = ['addListener', 'on', 'prependListener'] as const
// Bumped by every listener-tracking scope that opens: an emitter born in generation g is older
// than a scope opened with a generation above g.
let generation = 0
const born = new WeakMap<object, number>()
let installed: Patch[] | undefined

/** The generation of a listener-tracking scope opening now. */
export function openListenerGeneration(): number {
  return ++generation
}

function patchAdd(key: string, onAdded: ListenerAdded, fault: (error: unknown) => void): Patch {
  const holder = EventEmitter.prototype as unknown as Record<string, unknown>
  const original = holder[key] as AnyFunction
  const patched = function (this: unknown, type: unknown, listener: unknown): unknown {
    // The emitter's own checks (ERR_INVALID_ARG_TYPE) and behaviour come first, untouched.
    // eslint-disable-next-line prefer-rest-params
    const result = Reflect.apply(original, this, arguments)
    if (
      typeof listener === 'function' &&
      this instanceof EventEmitter &&
      (typeof type === 'string' || typeof type === 'symbol')
    ) {
      try {
        onAdded(
          this,
          type,
          listener as (...args: unknown[]) => unknown,
          born.get(this) ?? 0,
          patched,
        )
      } catch (error) {
        fault(error)
      }
    }
    return result
  }
  keepIdentity(patched, original)
  holder[key] = patched
  return { holder, key, original, patched }
}

/** Puts the patches in place (once); `onAdded` hears of each tracked addition. */
export function installListenerPatches(
  onAdded: ListenerAdded,
  fault: (error: unknown) => void,
): void {
  if (installed !== undefined) return
  const patches: Patch[] = ADD_KEYS.map((key) => patchAdd(key, onAdded, fault))
  const statics = EventEmitter as unknown as Record<string, unknown>
  const init = statics.init as AnyFunction
  const patchedInit = function (this: unknown): unknown {
    if (typeof this === 'object' && this !== null) born.set(this, generation)
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(init, this, arguments)
  }
  keepIdentity(patchedInit, init)
  statics.init = patchedInit
  patches.push({ holder: statics, key: 'init', original: init, patched: patchedInit })
  installed = patches
}

/** Puts back what the patches replaced, unless someone replaced a patch meanwhile. */
export function uninstallListenerPatches(): void {
  if (installed === undefined) return
  for (const patch of installed)
    if (patch.holder[patch.key] === patch.patched) patch.holder[patch.key] = patch.original
  installed = undefined
}

export function listenerResource(
  emitter: EventEmitter,
  type: string | symbol,
  listener: (...args: unknown[]) => unknown,
  bornIn: number,
): ListenerResource {
  return { bornIn, emitter: new WeakRef(emitter), type, listener: new WeakRef(listener) }
}

/** Whether the listener is still registered on its emitter (neither was collected). */
export function listenerRegistered(resource: ListenerResource): boolean {
  const emitter = resource.emitter.deref()
  const listener = resource.listener.deref()
  return (
    emitter !== undefined &&
    listener !== undefined &&
    emitter.rawListeners(resource.type).includes(listener)
  )
}

/** The listener's own function: a `once` registration wraps it. */
export function listenerFunction(resource: ListenerResource): unknown {
  const listener = resource.listener.deref() as { listener?: unknown } | undefined
  return listener?.listener ?? listener
}

export function describeListener(resource: ListenerResource): string {
  const emitter = resource.emitter.deref()
  const on =
    emitter === undefined
      ? 'a collected emitter'
      : emitter === (process as unknown)
        ? 'process'
        : (emitter.constructor as { name?: string } | undefined)?.name || 'EventEmitter'
  return `'${String(resource.type)}' on ${on}`
}

export function removeListener(resource: ListenerResource): void {
  const emitter = resource.emitter.deref()
  const listener = resource.listener.deref()
  if (emitter !== undefined && listener !== undefined)
    emitter.removeListener(resource.type, listener)
}
