// `noEventLoopBlocking` for browsers and web workers. One monitor per realm serves every open
// scope; it starts with the first scope and stops with the last. Three sources, best first:
// - Long Animation Frames (Chromium 123+): `long-animation-frame` entries (buffered) whose
//   scripts name the invoker, the function and a character position, which becomes a line and
//   column by fetching the script text once (cached);
// - `longtask` entries (durations only) where LoAF is missing;
// - elsewhere (Firefox, Safari, workers): a MessageChannel heartbeat, timed on this thread.
// Callbacks leakscope itself wraps (timers and frames scheduled while a task scope is open) are
// also timed directly (see timers.ts), so they are reported with their creation stack.
import {
  createBlockingDetector,
  type BlockingDetector,
  type BlockingPlatform,
  type BlockingSession,
} from '../shared/blocking.js'
import type { LoafScriptAttribution, StackFrame } from '../shared/model.js'
import type { ResolvedBlockingOptions } from '../shared/options.js'
import { EventLoopBlock } from '../shared/report.js'
import { reportInternalFault } from '../shared/scope.js'
import { sourceLocation } from '../shared/source.js'
import { userFrames, type StackHolder } from '../shared/stack.js'
import { nativeSetTimeout, perfNow, unpatched } from './natives.js'
import { browserPlatformHooks, isUserFrame } from './platform.js'
import { setCallbackTimer } from './timers.js'

interface LoafScript {
  windowAttribution?: string
  invoker?: string
  invokerType?: string
  sourceURL?: string
  sourceFunctionName?: string
  sourceCharPosition?: number
  startTime: number
  duration: number
}

interface LoafEntry {
  startTime: number
  duration: number
  renderStart?: number
  scripts?: readonly LoafScript[]
}

type Mode = 'long-animation-frame' | 'longtask' | 'heartbeat'

interface RawBlock {
  readonly id: number
  readonly start: number
  readonly duration: number
  readonly scripts?: readonly LoafScript[]
  readonly stack?: StackHolder
  readonly callbackName?: string
  readonly note?: string
}

const nativeFetch: typeof globalThis.fetch | undefined =
  typeof globalThis.fetch === 'function' ? unpatched(globalThis.fetch).bind(globalThis) : undefined
const NativeObserver: typeof PerformanceObserver | undefined =
  typeof globalThis.PerformanceObserver === 'function' ? globalThis.PerformanceObserver : undefined
// The monitor's own observer must not show up among the page's observers (task scopes patch
// `observe` on the prototype), so it is started through the native method.
const nativeObserve: PerformanceObserver['observe'] | undefined = NativeObserver?.prototype.observe
const NativeChannel: typeof MessageChannel | undefined =
  typeof globalThis.MessageChannel === 'function' ? globalThis.MessageChannel : undefined
const nativeRequestFrame: ((callback: () => void) => unknown) | undefined =
  typeof globalThis.requestAnimationFrame === 'function'
    ? unpatched(globalThis.requestAnimationFrame).bind(globalThis)
    : undefined
const timeOrigin = globalThis.performance.timeOrigin
/**
 * How long a scope's end waits for the frame it ended in to be reported: all of it in a hidden
 * document, at least this long (and two frames) in a visible one.
 */
const ENTRY_WAIT_MS = 120
/** The longest wait for two frames of a visible document (they normally take ~33 ms). */
const FRAME_WAIT_CAP_MS = 1000
/** Scripts this close together ran in one task. */
const SAME_TASK_GAP_MS = 1

let blockSerial = 0

function fault(error: unknown): void {
  reportInternalFault(browserPlatformHooks, error)
}

function supported(type: string): boolean {
  const types = (NativeObserver as { supportedEntryTypes?: readonly string[] } | undefined)
    ?.supportedEntryTypes
  return types?.includes(type) ?? false
}

const MODE: Mode = supported('long-animation-frame')
  ? 'long-animation-frame'
  : supported('longtask')
    ? 'longtask'
    : 'heartbeat'

// Script text by URL, fetched once.
const scriptTexts = new Map<string, Promise<string | undefined>>()

function scriptText(url: string): Promise<string | undefined> {
  let text = scriptTexts.get(url)
  if (text === undefined) {
    text =
      nativeFetch === undefined || !/^https?:/.test(url)
        ? Promise.resolve(undefined)
        : nativeFetch(url, { cache: 'force-cache' }).then(
            (response) => (response.ok ? response.text() : undefined),
            () => undefined,
          )
    scriptTexts.set(url, text)
  }
  return text
}

/** The longest synchronous stretch among a frame's scripts (adjacent scripts share a task). */
function longestStretch(scripts: readonly LoafScript[]): {
  duration: number
  start: number
  scripts: LoafScript[]
} {
  const sorted = [...scripts].sort((a, b) => a.startTime - b.startTime)
  let best = { duration: 0, start: 0, scripts: [] as LoafScript[] }
  let current = { duration: 0, start: 0, scripts: [] as LoafScript[] }
  let end = -Infinity
  for (const script of sorted) {
    if (script.startTime - end > SAME_TASK_GAP_MS)
      current = { duration: 0, start: script.startTime, scripts: [] }
    current.scripts.push(script)
    end = Math.max(end, script.startTime + script.duration)
    current.duration = end - current.start
    if (current.duration > best.duration) best = current
  }
  return best
}

/** What the monitor feeds: a scope's session, or the agent's live feed. */
interface BlockSink {
  readonly options: ResolvedBlockingOptions
  offer(block: RawBlock): void
}

class Monitor {
  readonly sessions: Set<BlockSink> = new Set()
  #observer: PerformanceObserver | undefined
  #ancestorObserver: PerformanceObserver | undefined
  #channel: MessageChannel | undefined
  #interval = 0
  #previous = perfNow()
  #running = false

  start(): void {
    setCallbackTimer((name, stack, start, end) => this.#timed(name, stack, start, end))
    if (MODE !== 'heartbeat' && NativeObserver !== undefined) {
      try {
        const observer = new NativeObserver((list) => this.#entries(list.getEntries()))
        Reflect.apply(nativeObserve ?? observer.observe, observer, [{ type: MODE, buffered: true }])
        this.#observer = observer
        if (MODE === 'long-animation-frame') this.#observeAncestor()
        return
      } catch (error) {
        fault(error)
      }
    }
    this.#startHeartbeat()
  }

  // Chromium reports the frames of input events handled in a same-origin iframe (a click) to
  // the top frame only, with the iframe's scripts as 'descendant': watch there too.
  #observeAncestor(): void {
    const top = sameOriginTop()
    if (top === undefined) return
    try {
      const offset = top.performance.timeOrigin - timeOrigin
      const observer = new top.PerformanceObserver((list) =>
        this.#entries(list.getEntries(), offset, true),
      )
      // Our realm's native observe works on the top's observer (a platform object) and keeps
      // it out of the top's own agent, which patches the top's prototype.
      Reflect.apply(nativeObserve ?? observer.observe, observer, [
        { type: 'long-animation-frame', buffered: true },
      ])
      this.#ancestorObserver = observer
    } catch (error) {
      fault(error)
    }
  }

  #startHeartbeat(): void {
    this.#interval = Math.min(...[...this.sessions].map((s) => s.options.checkInterval))
    this.#previous = perfNow()
    this.#running = true
    if (NativeChannel !== undefined) {
      const channel = new NativeChannel()
      channel.port1.onmessage = () => {
        this.#beat()
        this.#schedule()
      }
      this.#channel = channel
    }
    this.#schedule()
  }

  // A timer paces the beats; the MessageChannel hop is not throttled like nested timers.
  #schedule(): void {
    if (!this.#running) return
    nativeSetTimeout(() => {
      if (!this.#running) return
      if (this.#channel !== undefined) this.#channel.port2.postMessage(0)
      else {
        this.#beat()
        this.#schedule()
      }
    }, this.#interval)
  }

  /** Measures the stretch since the previous beat; also called at a scope's end. */
  beat(): void {
    if (this.#running) this.#beat()
  }

  #beat(): void {
    const now = perfNow()
    const gap = now - this.#previous
    this.#previous = now
    // Hidden documents throttle timers: a late beat there is not a block.
    const hidden = (globalThis as { document?: { visibilityState?: string } }).document
      ?.visibilityState
    if (hidden === 'hidden') return
    const duration = gap - this.#interval
    if (duration <= 0) return
    this.#offer({ id: ++blockSerial, start: now - duration, duration })
  }

  #entries(entries: readonly PerformanceEntry[], offset = 0, fromAncestor = false): void {
    try {
      for (const entry of entries) {
        if (MODE === 'long-animation-frame') {
          const frame = shift(entry as unknown as LoafEntry, offset)
          if (!fromAncestor) {
            this.#ownFrames.push(frame.startTime)
            if (this.#ownFrames.length > 64) this.#ownFrames.shift()
          }
          let scripts = frame.scripts ?? []
          if (fromAncestor) {
            // Only this document's scripts (seen from above as a descendant's) are ours.
            scripts = scripts.filter((script) => script.windowAttribution === 'descendant')
            if (scripts.length === 0 || this.#seenFromSelf(frame)) continue
          }
          if (scripts.length > 0) {
            const stretch = longestStretch(scripts)
            this.#offer({
              id: ++blockSerial,
              start: stretch.start,
              duration: stretch.duration,
              scripts,
            })
          } else {
            const end =
              frame.renderStart !== undefined && frame.renderStart > 0
                ? frame.renderStart
                : frame.startTime + frame.duration
            this.#offer({
              id: ++blockSerial,
              start: frame.startTime,
              duration: end - frame.startTime,
              scripts: [],
            })
          }
        } else {
          this.#offer({
            id: ++blockSerial,
            start: entry.startTime,
            duration: entry.duration,
            note: 'longtask entry: this browser gives no script attribution',
          })
        }
      }
    } catch (error) {
      fault(error)
    }
  }

  // Frames this window reported itself (recent ones), so the ancestor's copy is skipped.
  readonly #ownFrames: number[] = []

  #seenFromSelf(frame: LoafEntry): boolean {
    return this.#ownFrames.some((start) => Math.abs(start - frame.startTime) < 2)
  }

  #timed(name: string, stack: StackHolder | undefined, start: number, end: number): void {
    const duration = end - start
    let reportable = false
    for (const session of this.sessions) if (duration > session.options.threshold) reportable = true
    if (!reportable) return
    this.#offer({
      id: ++blockSerial,
      start,
      duration,
      callbackName: name,
      ...(stack === undefined ? {} : { stack }),
    })
  }

  #offer(block: RawBlock): void {
    for (const session of this.sessions) session.offer(block)
  }

  /** Hands over entries the observer has queued but not delivered yet. */
  flush(): void {
    const records = this.#observer?.takeRecords()
    if (records !== undefined && records.length > 0) this.#entries(records)
    const above = this.#ancestorObserver?.takeRecords()
    const top = sameOriginTop()
    if (above !== undefined && above.length > 0 && top !== undefined)
      this.#entries(above, top.performance.timeOrigin - timeOrigin, true)
  }

  stop(): void {
    setCallbackTimer(undefined)
    this.#observer?.disconnect()
    this.#observer = undefined
    this.#ancestorObserver?.disconnect()
    this.#ancestorObserver = undefined
    this.#running = false
    if (this.#channel !== undefined) {
      this.#channel.port1.onmessage = null
      this.#channel.port1.close()
      this.#channel.port2.close()
      this.#channel = undefined
    }
  }
}

let monitor: Monitor | undefined

interface WindowLike {
  performance: Performance
  PerformanceObserver: typeof PerformanceObserver
}

/** The topmost same-origin ancestor window, when this is a same-origin iframe. */
function sameOriginTop(): WindowLike | undefined {
  const self = globalThis as unknown as { top?: WindowLike | null; window?: unknown }
  const top = self.top
  if (top === undefined || top === null || (top as unknown) === self.window) return undefined
  try {
    return typeof top.PerformanceObserver === 'function' && top.performance !== undefined
      ? top
      : undefined
  } catch {
    return undefined // Cross-origin.
  }
}

function shift(frame: LoafEntry, offset: number): LoafEntry {
  if (offset === 0) return frame
  return {
    startTime: frame.startTime + offset,
    duration: frame.duration,
    ...(frame.renderStart === undefined || frame.renderStart === 0
      ? {}
      : { renderStart: frame.renderStart + offset }),
    scripts: (frame.scripts ?? []).map((script) => ({
      ...pick(script),
      startTime: script.startTime + offset,
    })),
  }
}

// Script timing entries are platform objects: copy the fields we read.
function pick(script: LoafScript): LoafScript {
  return {
    startTime: script.startTime,
    duration: script.duration,
    ...(script.windowAttribution === undefined
      ? {}
      : { windowAttribution: script.windowAttribution }),
    ...(script.invoker === undefined ? {} : { invoker: script.invoker }),
    ...(script.invokerType === undefined ? {} : { invokerType: script.invokerType }),
    ...(script.sourceURL === undefined ? {} : { sourceURL: script.sourceURL }),
    ...(script.sourceFunctionName === undefined
      ? {}
      : { sourceFunctionName: script.sourceFunctionName }),
    ...(script.sourceCharPosition === undefined
      ? {}
      : { sourceCharPosition: script.sourceCharPosition }),
  }
}

function waitForFrame(atLeastMs: number): Promise<void> {
  return new Promise((resolve) => {
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      resolve()
    }
    // A visible document renders: wait for its frames (a loaded machine can take far longer
    // than ENTRY_WAIT_MS to get there, and the entries come with them). A hidden one may
    // never render: the short wait is all there is.
    const hidden =
      (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState ===
      'hidden'
    const rendering = nativeRequestFrame !== undefined && !hidden
    nativeSetTimeout(finish, rendering ? FRAME_WAIT_CAP_MS : ENTRY_WAIT_MS)
    // Chromium delivers a long frame's entry a little after the frame, and right after a long
    // frame the next two can come within a few ms, before that entry (about once in twenty
    // 300 ms clicks on a loaded machine; the entry came 5-40 ms later): so `atLeastMs` too.
    const start = perfNow()
    const rest = (): number => Math.max(0, atLeastMs - (perfNow() - start))
    if (rendering)
      nativeRequestFrame(() => nativeRequestFrame(() => nativeSetTimeout(finish, rest())))
  })
}

function attach(sink: BlockSink): Monitor {
  if (monitor === undefined) {
    monitor = new Monitor()
    monitor.sessions.add(sink)
    monitor.start()
  } else monitor.sessions.add(sink)
  return monitor
}

function detach(owner: Monitor, sink: BlockSink): void {
  owner.sessions.delete(sink)
  if (owner.sessions.size === 0) {
    owner.stop()
    if (monitor === owner) monitor = undefined
  }
}

class BrowserBlockingSession implements BlockingSession, BlockSink {
  readonly options: ResolvedBlockingOptions
  readonly ready: Promise<void> = Promise.resolve()
  readonly #blocks: RawBlock[] = []
  readonly #monitor: Monitor
  #openedAt: number
  #closedAt = Infinity

  constructor(options: ResolvedBlockingOptions) {
    this.options = options
    this.#openedAt = perfNow()
    this.#monitor = attach(this)
  }

  offer(block: RawBlock): void {
    if (block.start < this.#openedAt - 1 || block.start > this.#closedAt) return
    if (block.duration <= this.options.threshold) return
    this.#blocks.push(block)
  }

  begin(): void {
    this.#monitor.beat()
    this.#openedAt = perfNow()
    this.#blocks.length = 0
  }

  close(): Promise<readonly EventLoopBlock[]> {
    const owner = this.#monitor
    owner.beat()
    this.#closedAt = perfNow()
    return this.#collect(owner).finally(() => detach(owner, this))
  }

  async #collect(owner: Monitor): Promise<readonly EventLoopBlock[]> {
    if (MODE !== 'heartbeat') {
      owner.flush()
      // A frame over the threshold that started in the scope needs the scope to have been open
      // that long: only then can its entry be late. A clean test, shorter than the threshold,
      // waits for two frames as before, not ENTRY_WAIT_MS more.
      const open = this.#closedAt - this.#openedAt
      await waitForFrame(open >= this.options.threshold ? ENTRY_WAIT_MS : 0)
      owner.flush()
    }
    return Promise.all(merge(this.#blocks).map((block) => toBlock(block, this.options.threshold)))
  }
}

/**
 * A directly timed callback and the frame entry for the same stretch are one block: the frame
 * brings attribution, the callback its creation stack.
 */
function merge(blocks: readonly RawBlock[]): RawBlock[] {
  const timed = blocks.filter((block) => block.callbackName !== undefined)
  const result: RawBlock[] = []
  for (const block of blocks) {
    if (block.callbackName !== undefined) continue
    const twin = timed.find(
      (candidate) =>
        Math.abs(candidate.start - block.start) < 5 + block.duration / 10 &&
        Math.abs(candidate.duration - block.duration) < 5 + block.duration / 10,
    )
    if (twin === undefined) {
      result.push(block)
      continue
    }
    timed.splice(timed.indexOf(twin), 1)
    result.push({
      ...block,
      ...(twin.stack === undefined ? {} : { stack: twin.stack }),
      callbackName: twin.callbackName as string,
    })
  }
  // One frame seen from this window and from the top one is one block.
  const unique = result.filter(
    (block, index) =>
      !result
        .slice(0, index)
        .some(
          (other) =>
            Math.abs(other.start - block.start) < 2 &&
            Math.abs(other.duration - block.duration) < 2,
        ),
  )
  return [...unique, ...timed].sort((a, b) => a.start - b.start)
}

async function locate(script: LoafScript): Promise<LoafScriptAttribution> {
  const attribution: LoafScriptAttribution = {
    invoker: script.invoker ?? '',
    invokerType: script.invokerType ?? '',
    sourceURL: script.sourceURL ?? '',
    sourceFunctionName: script.sourceFunctionName ?? '',
    duration: Math.round(script.duration * 10) / 10,
  }
  const position = script.sourceCharPosition
  if (attribution.sourceURL !== '' && typeof position === 'number' && position >= 0) {
    const text = await scriptText(attribution.sourceURL)
    const location =
      text === undefined
        ? undefined
        : sourceLocation(text, position, attribution.sourceFunctionName)
    if (location !== undefined) Object.assign(attribution, location)
  }
  return attribution
}

async function toBlock(block: RawBlock, threshold: number): Promise<EventLoopBlock> {
  const attribution =
    block.scripts === undefined ? undefined : await Promise.all(block.scripts.map(locate))
  const longest = attribution
    ?.slice()
    .sort((a, b) => b.duration - a.duration)
    .find((script) => script.sourceURL !== '')
  let stack: StackFrame[] | undefined
  let note = block.note
  if (block.stack !== undefined) {
    stack = userFrames(block.stack, isUserFrame)
    note = `a ${block.callbackName ?? 'callback'} callback timed by leakscope; the stack is where it was scheduled`
  } else if (longest?.line !== undefined) {
    stack = [
      {
        functionName: longest.sourceFunctionName || longest.invoker,
        url: longest.sourceURL,
        line: longest.line,
        column: longest.column ?? 1,
      },
    ]
    note = `Long Animation Frame attribution: where the script's entry point (${longest.invokerType} ${longest.invoker}) is defined; the browser takes no stack during the block`
  } else if (block.scripts !== undefined && note === undefined) {
    note =
      'Long Animation Frame without script attribution (rendering, or scripts the page cannot see)'
  } else if (note === undefined) {
    note = 'measured by a heartbeat: no stack can be taken in this browser'
  }
  const top = longest?.line !== undefined ? longest : undefined
  return new EventLoopBlock({
    id: block.id,
    duration: Math.round(block.duration * 10) / 10,
    threshold,
    startTime: timeOrigin + block.start,
    ...(stack === undefined || stack.length === 0 ? {} : { blockingStack: stack }),
    ...(top === undefined
      ? {}
      : {
          source: {
            url: top.sourceURL,
            line: top.line as number,
            column: top.column ?? 1,
            functionName: top.sourceFunctionName || top.invoker,
          },
        }),
    ...(attribution === undefined || attribution.length === 0 ? {} : { attribution }),
    ...(note === undefined ? {} : { note }),
  })
}

const browserBlockingPlatform: BlockingPlatform = {
  ...browserPlatformHooks,
  open: (options) => new BrowserBlockingSession(options),
}

/**
 * Calls `onBlock` with each block longer than `options.threshold` soon after it ends (the
 * agent's live feed). Blocks are held for the moment a frame entry takes to arrive, so a
 * callback leakscope timed and its frame come out as one block. Returns the disposer.
 */
export function watchBlocks(
  options: ResolvedBlockingOptions,
  onBlock: (block: EventLoopBlock) => void,
): () => void {
  let held: RawBlock[] = []
  let flushing = false
  const flush = (): void => {
    flushing = false
    const blocks = merge(held)
    held = []
    for (const block of blocks) toBlock(block, options.threshold).then(onBlock, fault)
  }
  const sink: BlockSink = {
    options,
    offer(block) {
      if (block.duration <= options.threshold) return
      held.push(block)
      if (flushing) return
      flushing = true
      nativeSetTimeout(flush, ENTRY_WAIT_MS)
    },
  }
  const owner = attach(sink)
  let attached = true
  return () => {
    if (!attached) return
    attached = false
    detach(owner, sink)
  }
}

/** Reports synchronous stretches longer than `threshold` ms, with where they came from. */
export const noEventLoopBlocking: BlockingDetector = createBlockingDetector(browserBlockingPlatform)
