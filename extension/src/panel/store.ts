// The panel's state, kept apart from the DOM: live items per frame (from AgentBatch added/removed),
// counts over time, long frames, and the reports of recordings and of the app's own scopes.
// Everything in a batch is page data: it is normalised into rows here (strings capped, numbers
// checked) and rendered as text only.
import { num, text } from './dom.js'
import type {
  AgentBatch,
  AgentScopeReport,
  EventLoopBlockData,
  LeakedTaskData,
  LeakedWorkerData,
  StackFrame,
} from './types.js'

/** One line of the live list or of a report: a task or a worker. */
export interface ItemRow {
  /** Unique in its list: frame and id (ids are per realm). */
  key: string
  frameId: number
  id: number
  kind: string
  name: string
  state: string
  detail: string
  createdAt: number
  stack: StackFrame[]
  stackOrigin: 'creation' | 'callback'
  /** Lowercased text the filter matches. */
  search: string
}

export interface FrameRow {
  key: string
  frameId: number
  url: string
  block: EventLoopBlockData
  search: string
}

const MAX_STACK = 64
const MAX_LONG_FRAMES = 1000
/** Recordings and app scopes kept (a page running many scopes of its own would add one each). */
const MAX_ENTRIES = 200
/** Seconds of history the chart keeps. */
export const HISTORY_MS = 60_000

function frames(value: unknown): StackFrame[] {
  if (!Array.isArray(value)) return []
  const out: StackFrame[] = []
  for (const f of value.slice(0, MAX_STACK)) {
    if (f === null || typeof f !== 'object') continue
    const frame = f as Record<string, unknown>
    out.push({
      functionName: text(frame.functionName, 300),
      url: text(frame.url, 4096),
      line: num(frame.line, NaN),
      column: num(frame.column, NaN),
    })
  }
  return out
}

function searchText(parts: string[], stack: StackFrame[]): string {
  const top = stack[0]
  if (top !== undefined) parts.push(top.functionName, `${top.url}:${top.line}`)
  return parts.join('\n').toLowerCase()
}

export function taskRow(frameId: number, task: LeakedTaskData): ItemRow {
  const stack = frames(task.creationStack)
  const kind = text(task.kind, 60) || 'unknown'
  const name = text(task.name, 500)
  const state = text(task.state, 40)
  const detail = text(task.detail, 1000)
  const id = num(task.id, -1)
  return {
    // The agent's ids are unique per kind only (timer handles and serial numbers overlap).
    key: `${frameId}:${kind}:${id}`,
    frameId,
    id,
    kind,
    name,
    state,
    detail,
    createdAt: num(task.createdAt, NaN),
    stack,
    stackOrigin: task.stackOrigin === 'callback' ? 'callback' : 'creation',
    search: searchText([kind, name, state, detail], stack),
  }
}

export function workerRow(frameId: number, worker: LeakedWorkerData): ItemRow {
  const stack = frames(worker.creationStack)
  const kind = text(worker.kind, 60) || 'worker'
  const name = text(worker.name, 500)
  const detail = text(worker.url, 1000)
  const id = num(worker.id, -1)
  return {
    key: `${frameId}:w${id}`,
    frameId,
    id,
    kind,
    name,
    state: 'running',
    detail,
    createdAt: num(worker.createdAt, NaN),
    stack,
    stackOrigin: 'creation',
    search: searchText([kind, name, detail], stack),
  }
}

export function frameRow(frameId: number, url: string, block: EventLoopBlockData): FrameRow {
  const id = num(block.id, -1)
  const parts = [url, text(block.note)]
  const attribution = Array.isArray(block.attribution) ? block.attribution : []
  for (const a of attribution.slice(0, 50)) {
    if (a === null || typeof a !== 'object') continue
    parts.push(text(a.invoker), text(a.invokerType), text(a.sourceURL), text(a.sourceFunctionName))
  }
  if (block.source !== undefined && block.source !== null && typeof block.source === 'object') {
    parts.push(text(block.source.functionName), text(block.source.url))
  }
  return {
    key: `${frameId}:${id}:${num(block.startTime)}`,
    frameId,
    url,
    block,
    search: parts.join('\n').toLowerCase(),
  }
}

/** Does `row` pass the kind and text filters (text already lowercased)? */
export function matches(
  row: { kind?: string; search: string },
  kind: string,
  query: string,
): boolean {
  if (kind !== '' && row.kind !== kind) return false
  return query === '' || row.search.includes(query)
}

interface FrameState {
  /** By `kind:id`. */
  items: Map<string, ItemRow>
  counts: Record<string, number>
  truncated: number
}

export interface Sample {
  time: number
  counts: Record<string, number>
  total: number
}

function cleanCounts(value: unknown): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>
  if (value === null || typeof value !== 'object') return out
  let n = 0
  for (const [kind, count] of Object.entries(value as Record<string, unknown>)) {
    if (++n > 100) break
    const c = num(count, 0)
    if (c > 0) out[text(kind, 60)] = Math.floor(c)
  }
  return out
}

/** Live items and counts per frame, as the batches describe them. */
export class LiveStore {
  readonly #frames = new Map<number, FrameState>()
  #rows: ItemRow[] | undefined
  readonly history: Sample[] = []

  /** Applies one batch; a batch with seq 1 starts the frame over (a new subscription). */
  apply(frameId: number, batch: AgentBatch): void {
    let frame = this.#frames.get(frameId)
    if (frame === undefined || num(batch.seq) <= 1) {
      frame = {
        items: new Map(),
        counts: Object.create(null) as Record<string, number>,
        truncated: 0,
      }
      this.#frames.set(frameId, frame)
    }
    if (Array.isArray(batch.removed)) {
      for (const gone of batch.removed as unknown[]) {
        if (gone !== null && typeof gone === 'object') {
          const { kind, id } = gone as { kind?: unknown; id?: unknown }
          frame.items.delete(`${text(kind, 60)}:${num(id, -1)}`)
        }
      }
    }
    if (Array.isArray(batch.added)) {
      for (const task of batch.added) {
        if (task === null || typeof task !== 'object') continue
        const row = taskRow(frameId, task)
        const key = `${row.kind}:${row.id}`
        frame.items.delete(key) // keeps Map order = arrival order
        frame.items.set(key, row)
      }
    }
    frame.counts = cleanCounts(batch.counts)
    frame.truncated = num(batch.truncated)
    this.#rows = undefined
    this.sample(num(batch.time, Date.now()))
  }

  removeFrame(frameId: number): void {
    this.#frames.delete(frameId)
    this.#rows = undefined
  }

  reset(): void {
    this.#frames.clear()
    this.#rows = undefined
    this.history.length = 0
  }

  /** Every live item, newest first. */
  rows(): ItemRow[] {
    if (this.#rows === undefined) {
      const rows: ItemRow[] = []
      for (const frame of this.#frames.values())
        for (const row of frame.items.values()) rows.push(row)
      rows.sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0))
      this.#rows = rows
    }
    return this.#rows
  }

  get(key: string): ItemRow | undefined {
    return this.rows().find((row) => row.key === key)
  }

  /** Pending items by kind, summed over frames (the agents' counts, which include truncated items). */
  counts(): Record<string, number> {
    const total: Record<string, number> = Object.create(null) as Record<string, number>
    for (const frame of this.#frames.values()) {
      for (const [kind, count] of Object.entries(frame.counts))
        total[kind] = (total[kind] ?? 0) + count
    }
    return total
  }

  /** Items the agents counted but did not send (their `maxItems` per batch). */
  truncated(): number {
    let n = 0
    for (const frame of this.#frames.values()) n += frame.truncated
    return n
  }

  /** Records the current counts at `time` and drops samples older than the chart shows. */
  sample(time: number = Date.now()): void {
    const counts = this.counts()
    let total = 0
    for (const count of Object.values(counts)) total += count
    const last = this.history[this.history.length - 1]
    // Batches can arrive a few per frame: keep one sample per 100 ms.
    if (last !== undefined && time - last.time < 100) this.history.pop()
    this.history.push({ time, counts, total })
    const cutoff = time - HISTORY_MS
    while (this.history.length > 2 && (this.history[1] as Sample).time < cutoff)
      this.history.shift()
  }
}

/** Keys already seen, bounded (oldest forgotten first). */
class SeenSet {
  readonly #keys = new Set<string>()
  constructor(readonly limit: number) {}

  /** True the first time `key` is offered. */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false
    this.#keys.add(key)
    if (this.#keys.size > this.limit) {
      const oldest = this.#keys.values().next().value
      if (oldest !== undefined) this.#keys.delete(oldest)
    }
    return true
  }
}

/**
 * Long frames as they arrive, newest first, capped. A subscription's first batch replays the
 * frame's earlier long frames (after a reconnect): those already shown are skipped.
 */
export class LongFrameStore {
  rows: FrameRow[] = []
  readonly #seen = new SeenSet(5000)

  add(frameId: number, url: string, blocks: unknown): boolean {
    if (!Array.isArray(blocks) || blocks.length === 0) return false
    let added = false
    for (const block of blocks) {
      if (block === null || typeof block !== 'object') continue
      const row = frameRow(frameId, url, block as EventLoopBlockData)
      if (!this.#seen.add(row.key)) continue
      this.rows.unshift(row)
      added = true
    }
    if (this.rows.length > MAX_LONG_FRAMES) this.rows.length = MAX_LONG_FRAMES
    return added
  }

  clear(): void {
    this.rows = []
  }
}

/** A recording (one agent scope per frame) or one scope the app ended itself. */
export interface ReportEntry {
  id: number
  origin: 'agent' | 'app'
  title: string
  startedAt: number
  stoppedAt?: number
  /** Frames whose scope reports have not arrived yet, with their scope ids. */
  awaiting: Map<number, number>
  /** The recording was asked to stop. */
  stopped: boolean
  /** The host confirmed the stop (its `recording` message named the frames' scopes). */
  confirmed?: boolean
  note?: string
  reports: { frameId: number; report: AgentScopeReport }[]
  rows: ItemRow[]
  blocks: FrameRow[]
}

function addReport(entry: ReportEntry, frameId: number, report: AgentScopeReport): void {
  entry.reports.push({ frameId, report })
  const data = report.report
  if (data === null || typeof data !== 'object') return
  const url = text(report.url, 4096)
  if (Array.isArray(data.tasks)) {
    for (const task of data.tasks) {
      if (task !== null && typeof task === 'object') entry.rows.push(taskRow(frameId, task))
    }
  }
  if (Array.isArray(data.workers)) {
    for (const worker of data.workers) {
      if (worker !== null && typeof worker === 'object') entry.rows.push(workerRow(frameId, worker))
    }
  }
  if (Array.isArray(data.blocks)) {
    for (const block of data.blocks) {
      if (block !== null && typeof block === 'object')
        entry.blocks.push(frameRow(frameId, url, block))
    }
  }
}

export class ReportStore {
  entries: ReportEntry[] = []
  // A subscription's first batch replays the realm's earlier reports (after a reconnect): a
  // report already filed is recognised by its content (items carry creation times).
  readonly #seen = new SeenSet(1000)
  #serial = 0
  #recordings = 0

  /** A recording began (scope ids may follow with the `recording` message). */
  startRecording(): ReportEntry {
    const entry: ReportEntry = {
      id: ++this.#serial,
      origin: 'agent',
      title: `Recording ${++this.#recordings}`,
      startedAt: Date.now(),
      awaiting: new Map(),
      stopped: false,
      reports: [],
      rows: [],
      blocks: [],
    }
    this.entries.push(entry)
    this.#trim()
    return entry
  }

  /** Scope ids per frame from a `recording` message. */
  setScopes(entry: ReportEntry, scopeIds: unknown): void {
    if (scopeIds === null || typeof scopeIds !== 'object') return
    for (const [frame, scope] of Object.entries(scopeIds as Record<string, unknown>)) {
      const frameId = Number(frame)
      const scopeId = num(scope, NaN)
      if (!Number.isInteger(frameId) || !Number.isFinite(scopeId)) continue
      if (!entry.reports.some((r) => r.frameId === frameId && r.report.scopeId === scopeId))
        entry.awaiting.set(frameId, scopeId)
    }
  }

  /**
   * Files one report from a batch; returns the entry it went to. An agent report no recording
   * waits for goes to `fallback` (a stopped recording whose scope ids never arrived), else to an
   * entry of its own.
   */
  add(frameId: number, report: AgentScopeReport, fallback?: ReportEntry): ReportEntry | undefined {
    if (report === null || typeof report !== 'object') return undefined
    const scopeId = num(report.scopeId, -1)
    let content: string
    try {
      content = `${frameId}\n${JSON.stringify(report)}`
    } catch {
      return undefined
    }
    const waiting =
      report.origin === 'agent'
        ? this.entries.findLast((entry) => entry.awaiting.get(frameId) === scopeId)
        : undefined
    const fresh = this.#seen.add(content)
    if (waiting === undefined && !fresh) return undefined
    if (report.origin === 'agent') {
      const target = waiting ?? fallback
      if (target !== undefined) {
        target.awaiting.delete(frameId)
        addReport(target, frameId, report)
        return target
      }
    }
    const label = text(report.label, 200)
    const entry: ReportEntry = {
      id: ++this.#serial,
      origin: report.origin === 'agent' ? 'agent' : 'app',
      title: `${report.origin === 'agent' ? 'Agent' : 'App'} scope ${scopeId}${label === '' ? '' : ` · ${label}`}`,
      startedAt: Date.now(),
      stoppedAt: Date.now(),
      awaiting: new Map(),
      stopped: true,
      reports: [],
      rows: [],
      blocks: [],
    }
    addReport(entry, frameId, report)
    this.entries.push(entry)
    this.#trim()
    return entry
  }

  #trim(): void {
    while (this.entries.length > MAX_ENTRIES) {
      const index = this.entries.findIndex((entry) => entry.stopped && entry.awaiting.size === 0)
      if (index === -1) return
      this.entries.splice(index, 1)
    }
  }

  clear(): void {
    this.entries = []
  }
}
