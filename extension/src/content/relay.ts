// ISOLATED-world relay, one per frame, for the life of the document. Everything it receives from
// the page is hostile: it takes only messages whose source is this window, whose origin is this
// document's, that carry the bridge tag and version, that validate, and that fit the size and
// rate limits, and forwards the rebuilt (validated) copies to the service worker. It is dormant
// (no port, the shim not subscribed) until the worker says a panel is attached to this tab, so
// pages nobody inspects pay only for the agent.
import {
  BRIDGE_TAG,
  BRIDGE_VERSION,
  CONTROL_TAG,
  RELAY_PORT,
  type ControlMessage,
  type RelayQuery,
  type RelayQueryAnswer,
  type RelayToWorker,
} from '../bridge.js'
import { LIMITS, controlMessage, frameLocations, pageMessage } from '../validate.js'
import { ext } from '../platform.js'
import { resolveLocations } from './resolver.js'

/** Per frame and second: more is dropped (a page's own batching sends about 4 a second). */
const MAX_MESSAGES_PER_SECOND = 20
const MAX_BYTES_PER_SECOND = 4_000_000
/** After dropping a batch the panel's view has a hole: ask for a full batch, at most this often. */
const RESYNC_MS = 1000
const ERROR_REPORT_MS = 2000

const g = globalThis
const origin = g.location.origin
let port: chrome.runtime.Port | undefined
let invalidated = false
let windowStart = 0
let windowMessages = 0
let windowBytes = 0
let resyncTimer: ReturnType<typeof setTimeout> | undefined
let dropped = 0
let lastReason = ''
let lastErrorReport = Number.NEGATIVE_INFINITY
let errorTimer: ReturnType<typeof setTimeout> | undefined

function control(message: ControlMessage): void {
  g.postMessage({ tag: CONTROL_TAG, v: BRIDGE_VERSION, ...message }, '/')
}

function toWorker(message: RelayToWorker): void {
  try {
    port?.postMessage(message)
  } catch {
    port = undefined
  }
}

function attach(): void {
  if (invalidated) return
  if (port !== undefined) {
    // Another panel (or a reconnected one) needs the full state: start a new subscription.
    control({ type: 'subscribe' })
    return
  }
  try {
    port = ext.runtime.connect({ name: RELAY_PORT })
  } catch {
    // The extension was reloaded or removed: this relay can never talk to it again.
    invalidated = true
    return
  }
  const current = port
  current.onMessage.addListener((message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === 'resolve-frames') {
      resolve((message as { frames?: unknown }).frames)
      return
    }
    const valid = controlMessage(message)
    if (valid !== undefined) control(valid)
  })
  current.onDisconnect.addListener(() => {
    void ext.runtime.lastError
    if (port === current) port = undefined
    // No panel (or the worker stopped): stop the shim's batches until the next attach.
    control({ type: 'unsubscribe' })
  })
  control({ type: 'subscribe' })
}

/** Source-mapped locations for the panel (never the page's business: nothing goes to it). */
function resolve(raw: unknown): void {
  const frames = frameLocations(raw)
  if (frames === undefined) return
  resolveLocations(frames, origin, g.location.href).then(
    (resolved) => toWorker({ type: 'resolved-frames', payload: { frames: resolved } }),
    () => toWorker({ type: 'resolved-frames', payload: { frames } }),
  )
}

function drop(reason: string, batch: boolean): void {
  dropped++
  if (batch && resyncTimer === undefined) {
    resyncTimer = setTimeout(() => {
      resyncTimer = undefined
      if (port !== undefined) control({ type: 'subscribe' })
    }, RESYNC_MS)
  }
  lastReason = reason
  // One report per ERROR_REPORT_MS at most, and always a last one for the drops since.
  if (errorTimer !== undefined) return
  const wait = Math.max(0, lastErrorReport + ERROR_REPORT_MS - performance.now())
  errorTimer = setTimeout(() => {
    errorTimer = undefined
    lastErrorReport = performance.now()
    toWorker({
      type: 'error',
      payload: { message: `leakscope relay dropped ${dropped} page message(s): ${lastReason}` },
    })
    dropped = 0
  }, wait)
}

g.addEventListener('message', (event: MessageEvent) => {
  if (port === undefined) return
  // `window`, not `globalThis`: the same object in Chrome's isolated world, but in a Firefox
  // content script the global is a sandbox and the page's window (event.source) is `window`.
  if ((event.source as unknown) !== window || event.origin !== origin) return
  const data: unknown = event.data
  if (typeof data !== 'object' || data === null) return
  const envelope = data as { tag?: unknown; v?: unknown; type?: unknown }
  if (envelope.tag !== BRIDGE_TAG || envelope.v !== BRIDGE_VERSION) return
  const isBatch = envelope.type === 'batch'
  const now = performance.now()
  if (now - windowStart >= 1000) {
    windowStart = now
    windowMessages = 0
    windowBytes = 0
  }
  if (++windowMessages > MAX_MESSAGES_PER_SECOND) return drop('too many messages', isBatch)
  const room = Math.min(LIMITS.messageBytes, MAX_BYTES_PER_SECOND - windowBytes)
  const valid = pageMessage(data, room)
  if (valid === undefined) return drop('invalid, oversized or over the byte rate', isBatch)
  windowBytes += valid.bytes
  toWorker(valid.message)
})

ext.runtime.onMessage.addListener((message: unknown, sender) => {
  if (sender.id !== ext.runtime.id) return
  if ((message as { type?: unknown } | null)?.type === 'relay-attach') attach()
})

/** Is a panel already attached to this tab (after a navigation, in a new frame)? */
function query(): void {
  if (invalidated) return
  const message: RelayQuery = { type: 'relay-query' }
  ext.runtime.sendMessage(message).then(
    (answer: RelayQueryAnswer | undefined) => {
      if (answer?.attached === true) attach()
    },
    () => {
      // No worker answer (extension reloading): the next relay-attach will do.
    },
  )
}
query()
// A document restored from the back/forward cache lost its port when it was stored: ask again.
g.addEventListener('pageshow', (event: PageTransitionEvent) => {
  if (event.persisted) query()
})
