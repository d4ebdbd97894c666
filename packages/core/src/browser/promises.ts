// Promises and `scheduler.postTask`.
//
// Promises (kind 'promise', opt-in through `kinds`): while a scope that tracks them is open,
// `globalThis.Promise` is a Proxy of the constructor it replaced (construct trap only:
// `instanceof`, statics and prototype are that constructor's; under zone.js, ZoneAwarePromise's,
// so the page's promises still run in their zones). A promise built through it (`new Promise(executor)`
// and the statics called on it: `Promise.all`, `Promise.race`, `Promise.withResolvers`…) is
// pending until its executor's `resolve` or `reject` is called. Limits: async functions, `await`,
// `.then()` results and the promises native APIs return (`fetch()`, `response.json()`, …) are made
// by V8's intrinsic %Promise%, which no replacement of the global reaches; and a promise created
// before the scope opened, or resolved with another promise that never settles, is not seen.
//
// `scheduler.postTask(callback, { signal, delay, priority })` (kind 'timeout', detail
// 'scheduler.postTask'): pending until the callback runs or the signal aborts. `'cancel'` turns
// the callback into a no-op (aborting would reject the caller's promise with an AbortError).
//
// `queueMicrotask` is not tracked: a microtask always runs before the current task ends, so it
// can never outlive a scope's check (which itself waits at least one task); it cannot leak.
// Its callback is not carried either (it runs before any other code could observe the context).
import type { BrowserTaskKind } from '../shared/model.js'
import { callInContext, currentContext, runningItem } from './context.js'
import { ownAddEventListener } from './listeners.js'
import {
  callPrevious,
  definePatch,
  fault,
  functionName,
  keepIdentity,
  trackItem,
  type AnyFunction,
  type Callable,
} from './track.js'

type Resolver = (value?: unknown) => void
type Executor = (resolve: Resolver, reject: Resolver) => void
type PromiseConstructorLike = new (executor: Executor) => object

// What the installed Proxy replaced, and the Proxies made so far (one per constructor, so a
// page that compares `Promise` across scopes sees the same one).
let replacedPromise: unknown
const proxies = new WeakMap<object, object>()
const ourProxies = new WeakSet<object>()

const promiseHandler: ProxyHandler<PromiseConstructorLike> = {
  construct(target, args, newTarget) {
    const executor = args[0] as unknown
    const effectiveTarget = ourProxies.has(newTarget) ? target : newTarget
    if (typeof executor !== 'function')
      return Reflect.construct(target, args, effectiveTarget) as object
    let wrapped: Executor | undefined
    try {
      const item = trackItem(
        'promise',
        functionName(executor) === 'anonymous' ? 'promise' : functionName(executor),
        'pending',
        promiseHandler.construct as AnyFunction,
        () => {},
      )
      if (item !== undefined) {
        wrapped = function (this: unknown, resolve: Resolver, reject: Resolver): void {
          try {
            Reflect.apply(executor as Executor, this, [
              (value?: unknown) => {
                item.complete()
                resolve(value)
              },
              (reason?: unknown) => {
                item.complete()
                reject(reason)
              },
            ])
          } catch (error) {
            item.complete()
            throw error
          }
        }
      }
    } catch (error) {
      fault(error)
      wrapped = undefined
    }
    return Reflect.construct(target, [wrapped ?? executor], effectiveTarget) as object
  },
}
function proxyOf(constructor: PromiseConstructorLike): object {
  let proxy = proxies.get(constructor)
  if (proxy === undefined) {
    proxy = new Proxy(constructor, promiseHandler)
    proxies.set(constructor, proxy)
    ourProxies.add(proxy)
  }
  return proxy
}

/** Installs the Promise Proxy (only scopes whose `kinds` include 'promise' ask for it). */
export function installPromisePatch(): void {
  const g = globalThis as unknown as Record<string, unknown>
  const current = g.Promise
  if (typeof current !== 'function' || ourProxies.has(current)) return
  replacedPromise = current
  g.Promise = proxyOf(current as PromiseConstructorLike)
}

export function uninstallPromisePatch(): void {
  const g = globalThis as unknown as Record<string, unknown>
  const current = g.Promise
  if (typeof current === 'function' && ourProxies.has(current)) g.Promise = replacedPromise
}

interface PostTaskOptions {
  signal?: { aborted: boolean } & object
}

const scheduler = (globalThis as { scheduler?: object }).scheduler
const schedulerProto =
  scheduler === undefined ? undefined : (Object.getPrototypeOf(scheduler) as object)

const postTaskPatch = definePatch(schedulerProto, 'postTask', (patch, original) => {
  const postTask = function (this: unknown, ...args: unknown[]): unknown {
    const callback = args[0]
    if (typeof callback === 'function') {
      try {
        const options = (
          typeof args[1] === 'object' && args[1] !== null ? args[1] : {}
        ) as PostTaskOptions
        const node = currentContext()
        const parent = runningItem()
        const aborted = options.signal?.aborted === true
        let cancelled = false
        const item = aborted
          ? undefined
          : trackItem(
              'timeout',
              functionName(callback),
              'scheduled',
              postTask,
              () => {
                cancelled = true
              },
              'scheduler.postTask',
            )
        if (item !== undefined && options.signal !== undefined)
          ownAddEventListener?.call(options.signal, 'abort', () => item.complete(), {
            once: true,
          })
        if (item !== undefined || node !== undefined || parent !== undefined) {
          args[0] = function (this: unknown, ...callArgs: unknown[]): unknown {
            item?.complete()
            if (cancelled) return undefined
            return callInContext(node, item ?? parent, callback as Callable, this, callArgs)
          }
        }
      } catch (error) {
        fault(error)
        args[0] = callback
      }
    }
    return callPrevious(patch, this, args)
  }
  return keepIdentity(postTask, original)
})

export const PROMISE_KINDS: readonly BrowserTaskKind[] = ['promise']
export const POST_TASK_AVAILABLE: boolean = postTaskPatch !== undefined
