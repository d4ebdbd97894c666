// MutationObserver, ResizeObserver, IntersectionObserver and PerformanceObserver. An observer is
// pending from its first `observe()` until `disconnect()` (or, for Resize and Intersection
// observers, until every observed target has been unobserved). The constructors are replaced by
// Proxies of the originals (construct trap only), so `instanceof`, `prototype`, `name` and
// `length` are the originals'; the trap wraps the callback so it runs in the context the observer
// was created in. Observers are held weakly: one that was garbage-collected is not a leak.
import { callInContext, currentContext, runningItem } from './context.js'
import type { TrackedItem } from './registry.js'
import {
  callPrevious,
  definePatch,
  fault,
  functionName,
  keepIdentity,
  trackItem,
  type AnyFunction,
} from './track.js'

type Constructor = new (...args: never[]) => object

interface ObserverState {
  item: TrackedItem | undefined
  readonly targets: Set<unknown>
  name: string
}

const states = new WeakMap<object, ObserverState>()

function stateOf(observer: object): ObserverState {
  let state = states.get(observer)
  if (state === undefined) {
    state = { item: undefined, targets: new Set(), name: 'anonymous' }
    states.set(observer, state)
  }
  return state
}

function patchObserver(key: string, withTargets: boolean): boolean {
  const g = globalThis as unknown as Record<string, Constructor | undefined>
  const ctor = g[key]
  if (typeof ctor !== 'function') return false
  const prototype = ctor.prototype as Record<string, unknown>
  const originalDisconnect = prototype.disconnect as AnyFunction | undefined

  const handler: ProxyHandler<Constructor> = {
    construct(targetCtor, args, newTarget) {
      const ctorPatch = patch
      const callback = args[0]
      let name = 'anonymous'
      if (typeof callback === 'function') {
        try {
          name = functionName(callback)
          const node = currentContext()
          const parent = runningItem()
          if (node !== undefined || parent !== undefined) {
            args[0] = function (this: unknown, ...callArgs: unknown[]): unknown {
              return callInContext(
                node,
                parent,
                callback as (...a: unknown[]) => unknown,
                this,
                callArgs,
              )
            }
          }
        } catch (error) {
          fault(error)
          args[0] = callback
        }
      }
      const previous = (ctorPatch?.previous ?? targetCtor) as Constructor
      const instance = Reflect.construct(
        previous,
        args,
        newTarget === ctorPatch?.patched ? previous : newTarget,
      ) as object
      try {
        stateOf(instance).name = name
      } catch (error) {
        fault(error)
      }
      return instance
    },
  }
  const patch = definePatch(
    g,
    key,
    (_patch, original) => new Proxy(original as unknown as Constructor, handler),
  )

  definePatch(prototype, 'observe', (p, original) =>
    keepIdentity(function observe(this: unknown, ...args: unknown[]): unknown {
      const result = callPrevious(p, this, args)
      if (this !== null && typeof this === 'object') {
        try {
          const state = stateOf(this)
          if (withTargets) state.targets.add(args[0])
          if (state.item === undefined || state.item.done) {
            const weak = new WeakRef(this)
            const item = trackItem(
              'observer',
              state.name,
              'open',
              observe,
              () => {
                // Weak: the item must not keep the observed elements alive.
                const o = weak.deref()
                if (o === undefined) return
                states.get(o)?.targets.clear()
                if (originalDisconnect !== undefined) Reflect.apply(originalDisconnect, o, [])
              },
              key,
            )
            if (item !== undefined) item.alive = () => weak.deref() !== undefined
            state.item = item
          }
        } catch (error) {
          fault(error)
        }
      }
      return result
    }, original),
  )

  definePatch(prototype, 'disconnect', (p, original) =>
    keepIdentity(function disconnect(this: unknown, ...args: unknown[]): unknown {
      if (this !== null && typeof this === 'object') {
        try {
          const state = states.get(this)
          if (state !== undefined) {
            state.targets.clear()
            state.item?.complete()
            state.item = undefined
          }
        } catch (error) {
          fault(error)
        }
      }
      return callPrevious(p, this, args)
    }, original),
  )

  if (withTargets) {
    definePatch(prototype, 'unobserve', (p, original) =>
      keepIdentity(function unobserve(this: unknown, ...args: unknown[]): unknown {
        if (this !== null && typeof this === 'object') {
          try {
            const state = states.get(this)
            if (state !== undefined && state.targets.delete(args[0]) && state.targets.size === 0) {
              state.item?.complete()
              state.item = undefined
            }
          } catch (error) {
            fault(error)
          }
        }
        return callPrevious(p, this, args)
      }, original),
    )
  }
  return true
}

const available = [
  patchObserver('MutationObserver', false),
  patchObserver('ResizeObserver', true),
  patchObserver('IntersectionObserver', true),
  patchObserver('PerformanceObserver', false),
].some(Boolean)

export const OBSERVER_KINDS: readonly 'observer'[] = available ? ['observer'] : []
