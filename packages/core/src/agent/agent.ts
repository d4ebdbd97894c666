// The injectable agent: a self-contained IIFE (dist/agent/leakscope-agent.iife.js) of the browser
// adapter that installs once per realm and exposes `globalThis.__LEAKSCOPE_AGENT__`. Inject it
// before any page script: Playwright `page.addInitScript({ path })` (every frame gets its own
// copy: each frame is its own realm with its own globals), or an extension's MAIN-world content
// script at `document_start`. A second evaluation in the same realm does nothing (the build wraps
// the bundle in a guard on the global, so not even the natives are captured again).
import type {
  BrowserTaskKind,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
} from '../shared/model.js'
import {
  resolveBlockingOptions,
  resolveTaskOptions,
  type TaskLeakOptions,
} from '../shared/options.js'
import { reportData } from '../shared/report.js'
import { reportInternalFault } from '../shared/scope.js'
import type { EventLoopBlockingScope } from '../shared/blocking.js'
import type { TaskLeakScope } from '../shared/tasks.js'
import type { WorkerLeakScope } from '../shared/workers.js'
import { noEventLoopBlocking, watchBlocks } from '../browser/blocking.js'
import { dateNow, nativeSetTimeout } from '../browser/natives.js'
import { browserPlatformHooks, setReportSink } from '../browser/platform.js'
import type { TrackedItem } from '../browser/registry.js'
import {
  BROWSER_KINDS,
  DEFAULT_KINDS,
  itemId,
  noTaskLeaks,
  openLiveTaskSession,
} from '../browser/tasks.js'
import { noWorkerLeaks } from '../browser/workers.js'
import {
  AGENT_GLOBAL,
  AGENT_LONG_FRAME_THRESHOLD,
  AGENT_PROTOCOL_VERSION,
  type AgentBatch,
  type AgentScopeOptions,
  type AgentScopeReport,
  type AgentSubscribeOptions,
  type LeakscopeAgent,
} from './protocol.js'

declare const __LEAKSCOPE_VERSION__: string

const AGENT = 'leakscope agent'
const LONG_FRAMES_KEPT = 200
const REPORTS_KEPT = 50
const DEFAULT_BATCH_INTERVAL = 250
const MIN_BATCH_INTERVAL = 16
const DEFAULT_BATCH_ITEMS = 1000

const silent = { warn(): void {} }

function taskOptions(options: AgentScopeOptions): TaskLeakOptions {
  const filter = options.nameFilter
  return {
    action: 'log',
    logger: silent,
    attribution: options.attribution ?? 'global',
    grace: options.grace ?? 0,
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    ...(options.creationStacks === undefined ? {} : { creationStacks: options.creationStacks }),
    ...(options.stackFrames === undefined ? {} : { stackFrames: options.stackFrames }),
    ...(filter === undefined
      ? {}
      : {
          nameFilter: typeof filter === 'string' ? filter : new RegExp(filter.source, filter.flags),
        }),
  }
}

function blockingThreshold(option: AgentScopeOptions['blocking']): number | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return AGENT_LONG_FRAME_THRESHOLD
  if (typeof option === 'object' && option !== null) {
    return option.threshold ?? AGENT_LONG_FRAME_THRESHOLD
  }
  throw new TypeError(
    `${AGENT}: option "blocking" must be a boolean or { threshold }, got ${String(option)}`,
  )
}

function isReportData(value: unknown): value is LeakReportData {
  if (typeof value !== 'object' || value === null) return false
  const report = value as Partial<LeakReportData>
  return (
    report.version === 1 &&
    Array.isArray(report.tasks) &&
    Array.isArray(report.workers) &&
    Array.isArray(report.blocks)
  )
}

function realmUrl(): string {
  return String((globalThis as { location?: { href?: string } }).location?.href ?? '')
}

/** Keeps the newest `limit` entries. */
function pushBounded<T>(list: T[], entry: T, limit: number): void {
  list.push(entry)
  if (list.length > limit) list.splice(0, list.length - limit)
}

interface OpenScope {
  label: string | undefined
  tasks: TaskLeakScope
  workers: WorkerLeakScope | undefined
  blocking: EventLoopBlockingScope | undefined
}

interface SentItem {
  kind: BrowserTaskKind
  id: number
}

function install(): LeakscopeAgent {
  // This bundle's own scopes are the agent's scopes: it reports them itself, as 'agent'.
  setReportSink(undefined)
  // The live registry: a global session that never closes, so the patches are in place from the
  // first page script on and everything the page creates is seen.
  const live = openLiveTaskSession(
    resolveTaskOptions(AGENT, { attribution: 'global' }, BROWSER_KINDS, DEFAULT_KINDS),
  )
  const scopes = new Map<number, OpenScope>()
  const longFrames: EventLoopBlockData[] = []
  const reports: AgentScopeReport[] = []
  const subscriptions = new Set<Subscription>()
  let nextId = 0
  let appReports = 0

  watchBlocks(resolveBlockingOptions(AGENT, { threshold: AGENT_LONG_FRAME_THRESHOLD }), (block) => {
    const data = block.toJSON()
    pushBounded(longFrames, data, LONG_FRAMES_KEPT)
    for (const subscription of subscriptions) subscription.longFrames.push(data)
  })

  function record(report: AgentScopeReport): void {
    pushBounded(reports, report, REPORTS_KEPT)
    for (const subscription of subscriptions) subscription.reports.push(report)
  }

  class Subscription {
    readonly longFrames: EventLoopBlockData[] = []
    readonly reports: AgentScopeReport[] = []
    readonly #listener: (batch: AgentBatch) => void
    readonly #interval: number
    readonly #maxItems: number
    readonly #sent = new Map<TrackedItem, SentItem>()
    #seq = 0
    #counts = ''
    #active = true

    constructor(listener: (batch: AgentBatch) => void, interval: number, maxItems: number) {
      this.#listener = listener
      this.#interval = interval
      this.#maxItems = maxItems
    }

    start(): void {
      this.#flush(true)
      this.#schedule()
    }

    stop(): void {
      this.#active = false
      this.#sent.clear()
    }

    #schedule(): void {
      nativeSetTimeout(() => {
        if (!this.#active) return
        this.#flush(false)
        this.#schedule()
      }, this.#interval)
    }

    #flush(first: boolean): void {
      try {
        const batch = this.#batch(first)
        if (batch !== undefined) this.#listener(batch)
      } catch (error) {
        // The listener's own failure or ours: either way the page must not notice.
        reportInternalFault(browserPlatformHooks, error)
      }
    }

    #batch(first: boolean): AgentBatch | undefined {
      const items = live.liveItems()
      const current = new Set(items)
      const counts: Partial<Record<BrowserTaskKind, number>> = {}
      const added: LeakedTaskData[] = []
      let truncated = 0
      for (const item of items) {
        counts[item.kind] = (counts[item.kind] ?? 0) + 1
        if (this.#sent.has(item)) continue
        if (added.length >= this.#maxItems) {
          truncated++
          continue
        }
        this.#sent.set(item, { kind: item.kind, id: itemId(item) })
        added.push(live.taskData(item))
      }
      const removed: SentItem[] = []
      for (const [item, sent] of this.#sent) {
        if (current.has(item)) continue
        this.#sent.delete(item)
        removed.push(sent)
      }
      const countsKey = JSON.stringify(counts)
      const changed =
        first ||
        added.length > 0 ||
        removed.length > 0 ||
        truncated > 0 ||
        countsKey !== this.#counts ||
        this.longFrames.length > 0 ||
        this.reports.length > 0
      if (!changed) return undefined
      this.#counts = countsKey
      return {
        seq: ++this.#seq,
        time: dateNow(),
        counts,
        added,
        removed,
        truncated,
        longFrames: this.longFrames.splice(0),
        reports: this.reports.splice(0),
      }
    }
  }

  const findItem = (id: number, kind?: BrowserTaskKind): TrackedItem | undefined =>
    live
      .liveItems()
      .find((item) => itemId(item) === id && (kind === undefined || item.kind === kind))

  const agent: LeakscopeAgent = {
    protocol: AGENT_PROTOCOL_VERSION,
    modelVersion: 1,
    version: __LEAKSCOPE_VERSION__,
    realm: realmUrl(),
    installedAt: Date.now(),
    openScope(options: AgentScopeOptions = {}): number {
      if (options.label !== undefined && typeof options.label !== 'string') {
        throw new TypeError(
          `${AGENT}: option "label" must be a string, got ${typeof options.label}`,
        )
      }
      const threshold = blockingThreshold(options.blocking)
      // Created in this order so a bad option fails before anything is opened.
      const blocking =
        threshold === undefined
          ? undefined
          : noEventLoopBlocking({ action: 'log', logger: silent, threshold })
      const tasks = noTaskLeaks(taskOptions(options))
      const workers =
        options.workers === false
          ? undefined
          : noWorkerLeaks({
              action: 'log',
              logger: silent,
              attribution: options.attribution ?? 'global',
              grace: options.grace ?? 0,
            })
      const id = ++nextId
      scopes.set(id, { label: options.label, tasks, workers, blocking })
      return id
    },
    async closeScope(id: number): Promise<LeakReportData> {
      const scope = scopes.get(id)
      if (scope === undefined) throw new Error(`${AGENT}: no open scope ${id}`)
      scopes.delete(id)
      const [tasks, workers, blocks] = await Promise.all([
        scope.tasks.check(),
        scope.workers?.check() ?? [],
        scope.blocking?.check() ?? [],
      ])
      const report = reportData('tasks', { tasks, workers, blocks })
      record({
        scopeId: id,
        origin: 'agent',
        ...(scope.label === undefined ? {} : { label: scope.label }),
        url: realmUrl(),
        report,
      })
      return report
    },
    openScopes: () => [...scopes.keys()],
    live(): LeakedTaskData[] {
      return live.liveItems().map((item) => live.taskData(item))
    },
    cancel(id: number, kind?: BrowserTaskKind): boolean {
      const item = findItem(id, kind)
      if (item === undefined) return false
      item.cancel()
      return true
    },
    subscribe(listener, options: AgentSubscribeOptions = {}): () => void {
      if (typeof listener !== 'function') {
        throw new TypeError(`${AGENT}: subscribe() needs a function, got ${typeof listener}`)
      }
      const interval = options.interval ?? DEFAULT_BATCH_INTERVAL
      const maxItems = options.maxItems ?? DEFAULT_BATCH_ITEMS
      if (typeof interval !== 'number' || !(interval >= MIN_BATCH_INTERVAL)) {
        throw new TypeError(
          `${AGENT}: option "interval" must be a number of milliseconds >= ${MIN_BATCH_INTERVAL}, got ${String(interval)}`,
        )
      }
      if (!Number.isInteger(maxItems) || maxItems < 1) {
        throw new TypeError(
          `${AGENT}: option "maxItems" must be an integer >= 1, got ${String(maxItems)}`,
        )
      }
      const subscription = new Subscription(listener, interval, maxItems)
      subscriptions.add(subscription)
      subscription.start()
      return () => {
        subscription.stop()
        subscriptions.delete(subscription)
      }
    },
    longFrames(since?: number): EventLoopBlockData[] {
      return since === undefined
        ? longFrames.slice()
        : longFrames.filter((frame) => frame.startTime >= since)
    },
    reports: () => reports.slice(),
    publish(report: LeakReportData, label?: string): void {
      if (!isReportData(report)) return
      let copy: LeakReportData
      try {
        copy = structuredClone(report)
      } catch {
        return
      }
      record({
        scopeId: ++appReports,
        origin: 'app',
        ...(typeof label === 'string' ? { label } : {}),
        url: realmUrl(),
        report: copy,
      })
    },
  }
  return agent
}

const g = globalThis as unknown as Record<string, unknown>
if (g[AGENT_GLOBAL] === undefined) {
  Object.defineProperty(g, AGENT_GLOBAL, {
    value: Object.freeze(install()),
    configurable: false,
    enumerable: false,
    writable: false,
  })
}
