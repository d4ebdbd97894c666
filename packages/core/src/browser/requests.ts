// In-flight requests: `fetch()` until its promise settles (the response headers arrived or it
// failed; reading the body afterwards is not tracked) and `XMLHttpRequest` from `send()` until
// `loadend`. `'cancel'` aborts them: fetch gets an extra AbortSignal (combined with the caller's
// own through `AbortSignal.any`), XHR gets `abort()`. The promise `fetch()` returns is a native
// promise chained on the native one, so an unhandled failure is still reported as unhandled.
import type { BrowserTaskKind } from '../shared/model.js'
import { ownAddEventListener } from './listeners.js'
import type { TrackedItem } from './registry.js'
import {
  callPrevious,
  definePatch,
  fault,
  keepIdentity,
  trackItem,
  type AnyFunction,
} from './track.js'

const kinds: BrowserTaskKind[] = []

interface AbortSignalStatics {
  any?: (signals: unknown[]) => unknown
}

function describeRequest(input: unknown, init: unknown): string {
  const method =
    (typeof init === 'object' && init !== null
      ? (init as { method?: unknown }).method
      : undefined) ??
    (typeof input === 'object' && input !== null ? (input as { method?: unknown }).method : 'GET')
  const url =
    typeof input === 'object' && input !== null && 'url' in input
      ? String((input as { url: unknown }).url)
      : String(input)
  return `${String(method ?? 'GET').toUpperCase()} ${url}`
}

const fetchPatch = definePatch(globalThis, 'fetch', (patch, original) => {
  const fetch = function (this: unknown, ...args: unknown[]): unknown {
    let item: TrackedItem | undefined
    try {
      const controller = new AbortController()
      item = trackItem(
        'fetch',
        'fetch',
        'in-flight',
        fetch,
        () => controller.abort(),
        describeRequest(args[0], args[1]),
      )
      if (item !== undefined) {
        const init = (typeof args[1] === 'object' && args[1] !== null ? args[1] : {}) as {
          signal?: unknown
        }
        const input = args[0] as { signal?: unknown } | undefined
        const theirs =
          init.signal ?? (typeof input === 'object' && input !== null ? input.signal : undefined)
        const any = (AbortSignal as unknown as AbortSignalStatics).any
        const signal =
          theirs === undefined || theirs === null
            ? controller.signal
            : any !== undefined
              ? any.call(AbortSignal, [theirs, controller.signal])
              : theirs
        args[1] = { ...init, signal }
      }
    } catch (error) {
      fault(error)
      item = undefined
    }
    const result = callPrevious(patch, globalThis, args) as Promise<unknown>
    if (item === undefined) return result
    const done = item
    return result.then(
      (value) => {
        done.complete()
        return value
      },
      (error: unknown) => {
        done.complete()
        throw error
      },
    )
  }
  return keepIdentity(fetch, original)
})
if (fetchPatch !== undefined) kinds.push('fetch')

const xhrProto = (globalThis as { XMLHttpRequest?: { prototype: object } }).XMLHttpRequest
  ?.prototype
const requestLines = new WeakMap<object, string>()
const nativeAbort = (xhrProto as { abort?: AnyFunction } | undefined)?.abort

definePatch(xhrProto, 'open', (patch, original) =>
  keepIdentity(function open(this: unknown, ...args: unknown[]): unknown {
    if (this !== null && typeof this === 'object') {
      try {
        requestLines.set(this, `${String(args[0]).toUpperCase()} ${String(args[1])}`)
      } catch (error) {
        fault(error)
      }
    }
    return callPrevious(patch, this, args)
  }, original),
)

const sendPatch = definePatch(xhrProto, 'send', (patch, original) => {
  const send = function (this: unknown, ...args: unknown[]): unknown {
    if (this !== null && typeof this === 'object') {
      try {
        const weak = new WeakRef(this)
        const item = trackItem(
          'xhr',
          'xhr',
          'in-flight',
          send,
          () => {
            const request = weak.deref()
            if (request !== undefined && nativeAbort !== undefined)
              Reflect.apply(nativeAbort, request, [])
          },
          requestLines.get(this) ?? 'XMLHttpRequest',
        )
        if (item !== undefined) {
          item.alive = () => {
            const request = weak.deref() as { readyState?: number } | undefined
            // DONE (4) without loadend yet, or collected: nothing is in flight.
            return request !== undefined && request.readyState !== 4
          }
          ownAddEventListener?.call(this, 'loadend', () => item.complete(), { once: true })
        }
      } catch (error) {
        fault(error)
      }
    }
    return callPrevious(patch, this, args)
  }
  return keepIdentity(send, original)
})
if (sendPatch !== undefined) kinds.push('xhr')

export const REQUEST_KINDS: readonly BrowserTaskKind[] = kinds
