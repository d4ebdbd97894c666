// The page side of @leakscope/playwright: two small init scripts around the agent. The first runs
// before the agent (so what it uses is native and the agent never tracks it) and records Long
// Animation Frames itself, because a frame's `blockingDuration` and the raw script positions are
// not in the agent's block model; it also sends the document's final state to the test when the
// document is about to unload. The second runs after the agent and forwards the agent's batches
// (protocol 2) to the test. Both are serialised by Playwright (`fn.toString()`): they must not
// reference anything outside their own body.
import type { LeakedTaskData } from 'leakscope'
import type { AgentBatch, AgentScopeOptions } from 'leakscope/agent'

/** Name of the binding the context exposes (callable from document start). */
export const BINDING = '__leakscopePlaywright__'
/** Name of the probe's global in every document. */
export const PROBE_GLOBAL = '__LEAKSCOPE_PLAYWRIGHT__'
/** Frames kept per document (the oldest go first). */
export const FRAME_BUFFER = 200

/** One script of a Long Animation Frame, as the browser gave it. */
export interface RawScript {
  invoker: string
  invokerType: string
  sourceURL: string
  sourceFunctionName: string
  sourceCharPosition: number
  windowAttribution: string
  /** Epoch milliseconds. */
  startTime: number
  duration: number
}

/** One Long Animation Frame (> 50 ms), times in epoch milliseconds. */
export interface RawFrame {
  /** 1, 2, 3 ... per document. */
  serial: number
  startTime: number
  duration: number
  blockingDuration: number
  renderStart?: number
  scripts: RawScript[]
}

/** What a document sends to the test through the binding. */
export type ProbeMessage =
  | {
      type: 'unload'
      doc: string
      url: string
      time: number
      /** The agent's live registry at `beforeunload`, or null without an agent. */
      live: LeakedTaskData[] | null
      frames: RawFrame[]
    }
  | { type: 'batch'; doc: string; url: string; batch: AgentBatch }

/** What the probe offers `page.evaluate`. */
export interface Probe {
  /** This document's key (unique per document, also across reloads). */
  readonly doc: string
  /** Whether this browser reports Long Animation Frames. */
  readonly loaf: boolean
  /** Frames with a serial above `after`. */
  frames(after: number): RawFrame[]
  /**
   * Resolves once the frame in progress has been reported: two animation frames and at least
   * 100 ms (max 1 s; 150 ms in a hidden document).
   */
  settle(): Promise<void>
}

/** The first init script (runs before the agent). */
export function installProbe(names: { binding: string; global: string; buffer: number }): void {
  type Entry = Record<string, unknown> & { scripts?: readonly Record<string, unknown>[] }
  const g = globalThis as unknown as Record<string, unknown> & {
    performance: { timeOrigin: number; now(): number }
    setTimeout(fn: () => void, ms: number): unknown
    requestAnimationFrame?: (fn: () => void) => unknown
    addEventListener?: (type: string, fn: () => void) => void
    location?: { href: string }
    PerformanceObserver?: new (cb: (list: { getEntries(): Entry[] }) => void) => {
      observe(options: object): void
      takeRecords(): Entry[]
    }
  }
  if (g[names.global] !== undefined) return
  const origin = g.performance.timeOrigin
  const timeout = g.setTimeout.bind(g)
  const now = g.performance.now.bind(g.performance)
  const frame = g.requestAnimationFrame?.bind(g)
  const doc = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
  const frames: unknown[] = []
  let serial = 0
  const num = (value: unknown): number => (typeof value === 'number' ? value : 0)
  const str = (value: unknown): string => (typeof value === 'string' ? value : '')
  const record = (entries: readonly Entry[]): void => {
    for (const entry of entries) {
      const renderStart = num(entry.renderStart)
      frames.push({
        serial: ++serial,
        startTime: origin + num(entry.startTime),
        duration: num(entry.duration),
        blockingDuration: num(entry.blockingDuration),
        ...(renderStart > 0 ? { renderStart: origin + renderStart } : {}),
        scripts: (entry.scripts ?? []).map((script) => ({
          invoker: str(script.invoker),
          invokerType: str(script.invokerType),
          sourceURL: str(script.sourceURL),
          sourceFunctionName: str(script.sourceFunctionName),
          sourceCharPosition:
            typeof script.sourceCharPosition === 'number' ? script.sourceCharPosition : -1,
          windowAttribution: str(script.windowAttribution),
          startTime: origin + num(script.startTime),
          duration: num(script.duration),
        })),
      })
      if (frames.length > names.buffer) frames.shift()
    }
  }
  let observer: { takeRecords(): Entry[] } | undefined
  try {
    if (g.PerformanceObserver !== undefined) {
      const created = new g.PerformanceObserver((list) => record(list.getEntries()))
      created.observe({ type: 'long-animation-frame', buffered: true })
      observer = created
    }
  } catch {
    observer = undefined // No Long Animation Frames in this browser.
  }
  const take = (): void => {
    if (observer !== undefined) record(observer.takeRecords())
  }
  const probe = {
    doc,
    loaf: observer !== undefined,
    frames(after: number): unknown[] {
      take()
      return frames.filter((f) => (f as { serial: number }).serial > after)
    },
    settle(): Promise<void> {
      return new Promise<void>((resolve) => {
        let done = false
        const finish = (): void => {
          if (done) return
          done = true
          take()
          resolve()
        }
        // A visible document renders: wait for two frames (on a loaded machine that can take
        // much longer than usual, and the frame entries come with them); a hidden one may never.
        const hidden =
          (g as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden'
        const rendering = frame !== undefined && !hidden
        timeout(finish, rendering ? 1000 : 150)
        // Chromium delivers a long frame's entry a little after the frame, and right after a long
        // frame the next two can come within a few ms, before that entry (about once in twenty
        // 300 ms clicks on a loaded machine; the entry came 5-40 ms later). So also 100 ms.
        const start = now()
        const rest = (): number => Math.max(0, 100 - (now() - start))
        if (rendering) frame(() => frame(() => timeout(finish, rest())))
      })
    },
  }
  Object.defineProperty(g, names.global, { value: Object.freeze(probe), enumerable: false })
  // `beforeunload` is the last event whose binding calls still reach the test (the ones sent from
  // `pagehide` and `unload` are lost); registered before the agent, so it is never tracked.
  g.addEventListener?.('beforeunload', () => {
    const send = g[names.binding]
    if (typeof send !== 'function') return
    take()
    const agent = g.__LEAKSCOPE_AGENT__ as { live?: () => unknown } | undefined
    let live: unknown
    try {
      live = agent?.live?.() ?? null
    } catch {
      live = null
    }
    ;(send as (message: unknown) => unknown)({
      type: 'unload',
      doc,
      url: g.location?.href ?? '',
      time: Date.now(),
      live,
      frames,
    })
  })
}

/** Name of the global holding the id of the probe's document-long worker scope. */
export const WORKER_SCOPE_GLOBAL = '__LEAKSCOPE_PLAYWRIGHT_WORKERS__'
/** Label of that scope (its reports are the probe's, not the page's). */
export const WORKER_SCOPE_LABEL = 'leakscope-playwright:workers'
/**
 * Options of that scope. The agent lists workers in scope reports only (its live registry holds
 * tasks), and a scope needs at least one task kind: idle callbacks are rare and cheap to track.
 */
export const WORKER_SCOPE_OPTIONS: AgentScopeOptions = {
  attribution: 'global',
  kinds: ['idle-callback'],
  workers: true,
  label: WORKER_SCOPE_LABEL,
}

/**
 * The second init script (runs after the agent): forwards the agent's batches (protocol 2) to the
 * test, and opens a document-long scope that sees every worker the document creates, with its
 * creation stack.
 */
export function afterAgent(names: {
  binding: string
  global: string
  workers: string
  interval: number
  scope: object
}): void {
  const g = globalThis as unknown as Record<string, unknown> & { location?: { href: string } }
  const send = g[names.binding]
  const probe = g[names.global] as { doc: string } | undefined
  const agent = g.__LEAKSCOPE_AGENT__ as
    | {
        protocol: number
        openScope(options: object): number
        subscribe?: (listener: (batch: unknown) => void, options?: object) => () => void
      }
    | undefined
  if (agent === undefined || probe === undefined) return
  const holder: { id: number | undefined } = { id: undefined }
  try {
    holder.id = agent.openScope(names.scope)
  } catch {
    holder.id = undefined // An agent that refuses the options: workers come from Playwright only.
  }
  Object.defineProperty(g, names.workers, { value: holder, enumerable: false })
  if (typeof send !== 'function' || agent.subscribe === undefined) return
  agent.subscribe(
    (batch) => {
      ;(send as (message: unknown) => unknown)({
        type: 'batch',
        doc: probe.doc,
        url: g.location?.href ?? '',
        batch,
      })
    },
    { interval: names.interval },
  )
}
