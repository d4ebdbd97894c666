// The panel's cache of original (source-mapped) locations. Links ask it for a location; the first
// time, it queues a `resolve-frames` (batched, at most LIMITS.resolveFrames a message) and tells
// the waiting links when the `resolved-frames` answer comes. Every answer is cached, a location
// without a mapping too, so each location is asked for once (again only if no answer came).
import type { FrameLocation, FromPanel, OriginalLocation, ResolvedLocation } from '../bridge.js'

const BATCH = 64
const FLUSH_MS = 30
/** A request with no answer after this long (a reload, a lost port) may be sent again. */
const RETRY_MS = 15_000
const MAX_CACHED = 5000
const MAX_WAITERS = 200
const MAX_URL = 4096

type Waiter = (original: OriginalLocation) => void

const key = (url: string, line: number, column: number): string => `${line}:${column}:${url}`

/** Only http(s) script locations can have a source map the relay may read. */
function resolvable(url: unknown, line: unknown, column: unknown): url is string {
  if (typeof url !== 'string' || url.length > MAX_URL || !/^https?:\/\//i.test(url)) return false
  return Number.isSafeInteger(line) && Number.isSafeInteger(column) && (line as number) >= 1
    ? (column as number) >= 1
    : false
}

export class OriginalLocations {
  /** An original location, or null when the location has none. */
  private readonly known = new Map<string, OriginalLocation | null>()
  private readonly pending = new Map<string, { since: number; waiters: Waiter[] }>()
  private queue: FrameLocation[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly send: (message: FromPanel) => void) {}

  /**
   * The original location when known; null when there is none (or it cannot have one);
   * undefined while it is being asked for, in which case `waiter` is called if one arrives.
   */
  lookup(
    url: unknown,
    line: unknown,
    column: unknown,
    waiter?: Waiter,
  ): OriginalLocation | null | undefined {
    if (!resolvable(url, line, column)) return null
    const k = key(url, line as number, column as number)
    const known = this.known.get(k)
    if (known !== undefined) return known
    const now = Date.now()
    let entry = this.pending.get(k)
    if (entry === undefined || now - entry.since > RETRY_MS) {
      entry = { since: now, waiters: entry?.waiters ?? [] }
      this.pending.set(k, entry)
      this.queue.push({ url, line: line as number, column: column as number })
      this.timer ??= setTimeout(() => this.flush(), FLUSH_MS)
    }
    if (waiter !== undefined) {
      if (entry.waiters.length >= MAX_WAITERS) entry.waiters.shift()
      entry.waiters.push(waiter)
    }
    return undefined
  }

  /** Takes a `resolved-frames` answer. */
  receive(frames: readonly ResolvedLocation[]): void {
    if (!Array.isArray(frames)) return
    for (const frame of frames) {
      if (frame === null || typeof frame !== 'object') continue
      if (!resolvable(frame.url, frame.line, frame.column)) continue
      const k = key(frame.url, frame.line, frame.column)
      const original =
        frame.original !== null &&
        typeof frame.original === 'object' &&
        typeof frame.original.url === 'string' &&
        Number.isSafeInteger(frame.original.line) &&
        Number.isSafeInteger(frame.original.column)
          ? frame.original
          : null
      if (this.known.size >= MAX_CACHED) this.known.clear()
      this.known.set(k, original)
      const entry = this.pending.get(k)
      this.pending.delete(k)
      if (original !== null) for (const waiter of entry?.waiters ?? []) waiter(original)
    }
  }

  /** Forgets everything (the page navigated: its scripts may have changed). */
  clear(): void {
    this.known.clear()
    this.pending.clear()
    this.queue = []
  }

  private flush(): void {
    this.timer = undefined
    const queue = this.queue
    this.queue = []
    for (let i = 0; i < queue.length; i += BATCH) {
      this.send({ type: 'resolve-frames', frames: queue.slice(i, i + BATCH) })
    }
  }
}
