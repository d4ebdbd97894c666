// Open connections: WebSocket, EventSource, BroadcastChannel, the ports of a MessageChannel and
// RTCPeerConnection.
// The constructors are replaced by Proxies of the originals (construct trap only), so
// `instanceof`, `prototype`, `name` and `length` hold. A connection is pending from construction
// until `close()` (either port of a MessageChannel closes the pair) or, for WebSocket and
// EventSource, until its `readyState` is CLOSED (the server or the network ended it).
// Connections are held weakly: one that was garbage-collected is not a leak.
import type { BrowserTaskKind } from '../shared/model.js'
import type { TrackedItem } from './registry.js'
import { definePatch, fault, patchEnding, trackItem, type AnyFunction } from './track.js'

type Constructor = new (...args: never[]) => object

const g = globalThis as unknown as Record<string, Constructor | undefined>
const byObject = new WeakMap<object, TrackedItem>()

function urlOf(value: unknown): string {
  try {
    return new URL(String(value), (globalThis as { location?: { href: string } }).location?.href)
      .href
  } catch {
    return String(value)
  }
}

function wrapConstructor(
  key: string,
  onConstruct: (instance: object, args: unknown[], callee: AnyFunction) => void,
): boolean {
  const ctor = g[key]
  if (typeof ctor !== 'function') return false
  const handler: ProxyHandler<Constructor> = {
    construct(target, args, newTarget) {
      const previous = (patch?.previous ?? target) as Constructor
      const instance = Reflect.construct(
        previous,
        args,
        newTarget === patch?.patched ? previous : newTarget,
      ) as object
      try {
        onConstruct(instance, args, handler.construct as AnyFunction)
      } catch (error) {
        fault(error)
      }
      return instance
    },
  }
  const patch = definePatch(
    g,
    key,
    (_p, original) => new Proxy(original as unknown as Constructor, handler),
  )
  return true
}

function patchClose(ctor: Constructor | undefined): AnyFunction | undefined {
  const prototype = ctor?.prototype as Record<string, unknown> | undefined
  const original = prototype?.close as AnyFunction | undefined
  if (prototype === undefined || original === undefined) return undefined
  patchEnding(prototype, 'close', (self) =>
    self !== null && typeof self === 'object' ? byObject.get(self) : undefined,
  )
  return original
}

function socketLike(key: string, kind: BrowserTaskKind, closedState: number): BrowserTaskKind[] {
  const ctor = g[key]
  const nativeClose = patchClose(ctor)
  const ok = wrapConstructor(key, (instance, args, callee) => {
    const weak = new WeakRef(instance)
    const item = trackItem(
      kind,
      kind,
      'open',
      callee,
      () => {
        const socket = weak.deref()
        if (socket !== undefined && nativeClose !== undefined)
          Reflect.apply(nativeClose, socket, [])
      },
      urlOf(args[0]),
    )
    if (item === undefined) return
    item.alive = () => {
      const socket = weak.deref() as { readyState?: number } | undefined
      return socket !== undefined && socket.readyState !== closedState
    }
    byObject.set(instance, item)
  })
  return ok ? [kind] : []
}

const kinds: BrowserTaskKind[] = [
  ...socketLike('WebSocket', 'websocket', 3),
  ...socketLike('EventSource', 'event-source', 2),
]

{
  const nativeClose = patchClose(g.BroadcastChannel)
  const ok = wrapConstructor('BroadcastChannel', (instance, args, callee) => {
    const weak = new WeakRef(instance)
    const name = String(args[0])
    const item = trackItem(
      'broadcast-channel',
      name === '' ? 'broadcast-channel' : name,
      'open',
      callee,
      () => {
        const channel = weak.deref()
        if (channel !== undefined && nativeClose !== undefined)
          Reflect.apply(nativeClose, channel, [])
      },
      `BroadcastChannel '${name}'`,
    )
    if (item === undefined) return
    item.alive = () => weak.deref() !== undefined
    byObject.set(instance, item)
  })
  if (ok) kinds.push('broadcast-channel')
}

{
  const nativeClose = patchClose(g.MessagePort)
  const ok = wrapConstructor('MessageChannel', (instance, _args, callee) => {
    const { port1, port2 } = instance as { port1: object; port2: object }
    const weak1 = new WeakRef(port1)
    const weak2 = new WeakRef(port2)
    const item = trackItem(
      'message-port',
      'message-port',
      'open',
      callee,
      () => {
        for (const port of [weak1.deref(), weak2.deref()])
          if (port !== undefined && nativeClose !== undefined) Reflect.apply(nativeClose, port, [])
      },
      'MessageChannel (neither port closed)',
    )
    if (item === undefined) return
    item.alive = () => weak1.deref() !== undefined || weak2.deref() !== undefined
    byObject.set(port1, item)
    byObject.set(port2, item)
  })
  if (ok && nativeClose !== undefined) kinds.push('message-port')
}

// A WebRTC connection runs its ICE agent, sockets and media until `close()`: a call component
// unmounted without closing it keeps them (and browsers cap how many a page may hold).
{
  const nativeClose = patchClose(g.RTCPeerConnection)
  const ok = wrapConstructor('RTCPeerConnection', (instance, _args, callee) => {
    const weak = new WeakRef(instance)
    const item = trackItem('rtc-peer-connection', 'rtc-peer-connection', 'open', callee, () => {
      const connection = weak.deref()
      if (connection !== undefined && nativeClose !== undefined)
        Reflect.apply(nativeClose, connection, [])
    })
    if (item === undefined) return
    item.alive = () => {
      const connection = weak.deref() as { signalingState?: string } | undefined
      return connection !== undefined && connection.signalingState !== 'closed'
    }
    item.describe = () => {
      const connection = weak.deref() as { connectionState?: string } | undefined
      return `RTCPeerConnection (${connection?.connectionState ?? 'collected'})`
    }
    byObject.set(instance, item)
  })
  if (ok && nativeClose !== undefined) kinds.push('rtc-peer-connection')
}

export const CHANNEL_KINDS: readonly BrowserTaskKind[] = kinds
