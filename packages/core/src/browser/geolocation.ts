// Position watches (kind 'geolocation-watch'): `navigator.geolocation.watchPosition()` is pending
// until `clearWatch(id)`. A watch left running keeps the device's location hardware on and its
// callbacks coming, the same leak as an interval nobody clears. A watch refused by the user (its
// error callback gets PERMISSION_DENIED) has stopped, per the Geolocation spec: not a leak. The
// callbacks run in the context the watch was started in. `'cancel'` clears the watch.
import type { BrowserTaskKind } from '../shared/model.js'
import { callInContext, currentContext, runningItem, type ContextNode } from './context.js'
import { captureCreationStack, ownersFor, TrackedItem } from './registry.js'
import {
  callPreviousFor,
  definePatch,
  fault,
  functionName,
  keepIdentity,
  patchEnding,
} from './track.js'

type Callback = (...args: unknown[]) => unknown

const PERMISSION_DENIED = 1

const geolocationPrototype = (globalThis as { Geolocation?: { prototype: object } }).Geolocation
  ?.prototype
// Pending watches by the id the page got.
const watches = new Map<unknown, TrackedItem>()
const nativeClearWatch = (geolocationPrototype as { clearWatch?: Callback } | undefined)?.clearWatch

function clearOn(geolocation: unknown): (id: unknown) => void {
  return (id) => void nativeClearWatch?.call(geolocation, id)
}

// A callback the browser gets instead of the page's: in the watch's context; `onCall` sees the
// arguments first.
function inContext(
  callback: Callback,
  node: ContextNode | undefined,
  carried: TrackedItem | undefined,
  onCall?: (args: unknown[]) => void,
): Callback {
  return function (this: unknown, ...args: unknown[]): unknown {
    if (onCall !== undefined) {
      try {
        onCall(args)
      } catch (error) {
        fault(error)
      }
    }
    return callInContext(node, carried, callback, this, args)
  }
}

const watchPatch = definePatch(geolocationPrototype, 'watchPosition', (patch, original) => {
  const watchPosition = function (this: unknown, ...args: unknown[]): unknown {
    const [success, failure] = args
    let item: TrackedItem | undefined
    let forwarded = args
    if (typeof success === 'function') {
      try {
        const node = currentContext()
        const parent = runningItem()
        const owners = ownersFor('geolocation-watch', node, parent)
        if (owners !== undefined || node !== undefined || parent !== undefined) {
          if (owners !== undefined) {
            item = new TrackedItem(
              'geolocation-watch',
              functionName(success),
              'repeating',
              Date.now(),
              owners,
              captureCreationStack(owners, watchPosition),
              watches,
              clearOn(this),
            )
          }
          const done = item
          const onRefusal =
            done === undefined
              ? undefined
              : (callArgs: unknown[]): void => {
                  const code = (callArgs[0] as { code?: unknown } | null)?.code
                  if (code === PERMISSION_DENIED) done.complete()
                }
          const carried = item ?? parent
          forwarded = [...args]
          forwarded[0] = inContext(success as Callback, node, carried)
          if (typeof failure === 'function')
            forwarded[1] = inContext(failure as Callback, node, carried, onRefusal)
          else if (onRefusal !== undefined && (failure === undefined || failure === null))
            forwarded[1] = (error: unknown): void => onRefusal([error])
        }
      } catch (error) {
        fault(error)
        item = undefined
        forwarded = args
      }
    }
    const id = callPreviousFor(item, patch, this, forwarded)
    if (item !== undefined) {
      try {
        item.detail = `watchPosition #${String(id)}`
        item.register(id)
      } catch (error) {
        fault(error)
      }
    }
    return id
  }
  return keepIdentity(watchPosition, original)
})

patchEnding(geolocationPrototype, 'clearWatch', (_self, args) => watches.get(args[0]))

/** 'geolocation-watch' where this global has `navigator.geolocation`. */
export const GEOLOCATION_KINDS: readonly BrowserTaskKind[] =
  watchPatch === undefined ? [] : ['geolocation-watch']
