// MAIN-world shim, injected just before the agent (agent.js) at document_start in every frame.
// It runs in the page's own world, so it captures the natives it needs before the agent patches
// them: a listener or timer of ours added through the patched APIs would show up in the page's
// live items. It stays silent until the relay asks it to subscribe (a panel is attached), then
// says hello (agent protocol and version) and posts the agent's batches to the relay.
import type { AgentBatch, AgentLike, AgentScopeReport, BrowserTaskKind } from '../agent-protocol.js'
import {
  BRIDGE_TAG,
  BRIDGE_VERSION,
  CONTROL_TAG,
  SUPPORTED_AGENT_PROTOCOLS,
  type ControlMessage,
  type PageMessage,
} from '../bridge.js'
import { controlMessage } from '../validate.js'

const g = globalThis
const nativePost = g.postMessage.bind(g)
const nativeAddListener = EventTarget.prototype.addEventListener
const nativeSetInterval = g.setInterval.bind(g)
const nativeClearInterval = g.clearInterval.bind(g)
const nativeNow = Date.now
const location = g.location

/** Items per batch asked of the agent: big enough for a real page, small enough to clone fast. */
const MAX_ITEMS = 500
const INTERVAL_MS = 250

let unsubscribe: (() => void) | undefined
let recording: number | undefined
let recordingProtocol = 0
const finishedReports: AgentScopeReport[] = []

function send(message: PageMessage): void {
  try {
    nativePost({ tag: BRIDGE_TAG, v: BRIDGE_VERSION, ...message }, '/')
  } catch {
    // Data the structured clone cannot copy: say so rather than break the page.
    if (message.type !== 'error') {
      send({ type: 'error', payload: { message: `leakscope: could not post a ${message.type}` } })
    }
  }
}

function agent(): AgentLike | undefined {
  const candidate = (g as { __LEAKSCOPE_AGENT__?: unknown }).__LEAKSCOPE_AGENT__
  return typeof candidate === 'object' && candidate !== null ? (candidate as AgentLike) : undefined
}

function subscribe(): void {
  unsubscribe?.()
  unsubscribe = undefined
  const a = agent()
  if (a === undefined) {
    send({ type: 'error', payload: { message: 'leakscope: no agent in this frame' } })
    return
  }
  const hello = {
    protocol: a.protocol,
    version: String(a.version),
    url: location.href,
    ...(recording === undefined ? {} : { recording }),
  }
  send({ type: 'hello', payload: hello })
  // A newer agent than this extension knows: the hello lets the panel say so; nothing else.
  if (!SUPPORTED_AGENT_PROTOCOLS.includes(a.protocol)) return
  if (a.protocol >= 2 && typeof a.subscribe === 'function') {
    unsubscribe = a.subscribe(
      (batch) => send({ type: 'batch', payload: batch.seq === 1 ? withHistory(a, batch) : batch }),
      { interval: INTERVAL_MS, maxItems: MAX_ITEMS },
    )
  } else {
    unsubscribe = pollLive(a)
  }
}

/** A first batch also carries what the agent kept from before (the panel starts from it). */
function withHistory(a: AgentLike, batch: AgentBatch): AgentBatch {
  const frames = new Map(batch.longFrames.map((frame) => [frame.id, frame]))
  for (const frame of a.longFrames?.() ?? []) if (!frames.has(frame.id)) frames.set(frame.id, frame)
  const key = (report: AgentScopeReport): string => `${report.origin}:${report.scopeId}`
  const reports = new Map(batch.reports.map((report) => [key(report), report]))
  for (const report of a.reports?.() ?? [])
    if (!reports.has(key(report))) reports.set(key(report), report)
  return {
    ...batch,
    longFrames: [...frames.values()].sort((x, y) => x.startTime - y.startTime),
    reports: [...reports.values()],
  }
}

/** Protocol 1 agents have no `subscribe`: diff `live()` every interval into batches. */
function pollLive(a: AgentLike): () => void {
  let seq = 0
  // Keyed by kind and id: ids are unique per kind only.
  let known = new Map<string, { kind: BrowserTaskKind; id: number }>()
  const tick = (): void => {
    const items = a.live()
    const next = new Map<string, { kind: BrowserTaskKind; id: number }>()
    const counts: Partial<Record<BrowserTaskKind, number>> = {}
    const added = []
    for (const item of items) {
      const kind = item.kind as BrowserTaskKind
      const key = `${kind}:${item.id}`
      next.set(key, { kind, id: item.id })
      counts[kind] = (counts[kind] ?? 0) + 1
      if (!known.has(key)) added.push(item)
    }
    const removed = [...known].filter(([key]) => !next.has(key)).map(([, item]) => item)
    known = next
    if (seq > 0 && added.length === 0 && removed.length === 0 && finishedReports.length === 0)
      return
    seq++
    send({
      type: 'batch',
      payload: {
        seq,
        time: nativeNow(),
        counts,
        added: added.slice(0, MAX_ITEMS),
        removed: seq === 1 ? [] : removed,
        truncated: Math.max(0, added.length - MAX_ITEMS),
        longFrames: [],
        reports: finishedReports.splice(0),
      },
    })
  }
  tick()
  const timer = nativeSetInterval(tick, INTERVAL_MS)
  return () => nativeClearInterval(timer)
}

function recordStart(): void {
  const a = agent()
  if (a === undefined) return
  if (recording === undefined) {
    recording = a.openScope({ blocking: true, label: 'Leakscope panel recording' })
    recordingProtocol = a.protocol
  }
  send({ type: 'recording', payload: { state: 'started', scopeId: recording } })
}

function recordStop(): void {
  const a = agent()
  const scopeId = recording
  if (a === undefined || scopeId === undefined) return
  recording = undefined
  const url = location.href
  a.closeScope(scopeId).then(
    (report) => {
      // Protocol 2 agents put the report in their batches themselves.
      if (recordingProtocol < 2) finishedReports.push({ scopeId, origin: 'agent', url, report })
    },
    () => send({ type: 'error', payload: { message: `leakscope: scope ${scopeId} failed` } }),
  )
  send({ type: 'recording', payload: { state: 'stopped', scopeId } })
}

nativeAddListener.call(g, 'message', (event: Event) => {
  const { data, source } = event as MessageEvent
  if ((source as unknown) !== g || typeof data !== 'object' || data === null) return
  if ((data as { tag?: unknown }).tag !== CONTROL_TAG) return
  if ((data as { v?: unknown }).v !== BRIDGE_VERSION) return
  // The page can post these too; it can do the same to its agent directly, so they are only
  // checked for shape.
  const control = controlMessage(data)
  try {
    handle(control)
  } catch (error) {
    // An agent that throws (a foreign or broken one) must not break the page's message loop.
    const text = error instanceof Error ? error.message : String(error)
    send({
      type: 'error',
      payload: { message: `leakscope: ${control?.type ?? 'control'}: ${text}` },
    })
  }
})

function handle(control: ControlMessage | undefined): void {
  switch (control?.type) {
    case 'subscribe':
      subscribe()
      break
    case 'unsubscribe':
      unsubscribe?.()
      unsubscribe = undefined
      break
    case 'record-start':
      recordStart()
      break
    case 'record-stop':
      recordStop()
      break
    case 'cancel':
      agent()?.cancel(control.id, control.kind)
      break
  }
}
