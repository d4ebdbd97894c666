// A leak scope opened inside a page by the injected agent (`globalThis.__LEAKSCOPE_AGENT__`).
import type { Page } from '@playwright/test'
import type { BrowserTaskKind, LeakReportData, LeakedWorkerData } from 'leakscope'
import type { AgentScopeOptions, LeakscopeAgent } from 'leakscope/agent'
import {
  crossCheckWorkers,
  filterTasks,
  liveWorkers,
  notThePages,
  type ItemFilters,
} from './checks.js'
import { PROBE_GLOBAL, type Probe, type RawFrame } from './probe.js'
import type { ContextSession } from './session.js'

/** Options of `leakscope.start(page, options)`. */
export interface LeakscopeStartOptions {
  /** Milliseconds the page gets to finish its own cleanup before the check (default 0). */
  grace?: number
  /** Only items whose name (callback name, label or kind) matches are reported. */
  nameFilter?: string | RegExp
  /** Task kinds to track (default: every kind the agent tracks by default). */
  kinds?: BrowserTaskKind[]
  /** Also track `Worker` and `SharedWorker` (default true). */
  workers?: boolean
  /** Capture creation stacks (default true). */
  creationStacks?: boolean
  /** Frames kept per creation stack. */
  stackFrames?: number
  /**
   * Also record Long Animation Frames for `expect(scope).toHaveNoLongTasks()`; `threshold` (ms,
   * default 100) is the one that matcher uses when it is given none.
   */
  blocking?: boolean | { threshold?: number }
  /**
   * Resolve the frames of the scope's report through the page's source maps when it fails
   * (default true); `false` keeps the generated locations.
   */
  sourceMaps?: boolean
}

/** What a scope found, when it was checked. */
export interface ScopeFindings {
  /** The document the scope was opened in. */
  url: string
  report: LeakReportData
  /** Long Animation Frames of the scope's document while it was open (with `blocking`). */
  frames: RawFrame[]
  /**
   * Set when the document went away before the check: `'beforeunload'` (a navigation or reload:
   * its state then), or `'batch'` (closed without a word, e.g. `page.close()`: the agent's last
   * batch, sent at most 250 ms before).
   */
  unloaded?: { at: number; url: string; from: 'beforeunload' | 'batch' }
}

type AgentHost = { __LEAKSCOPE_AGENT__?: LeakscopeAgent } & Record<string, unknown>

/** How long a check waits for Playwright to see a terminated worker close. */
const WORKER_CLOSE_WAIT_MS = 300

function toAgentOptions(options: LeakscopeStartOptions): AgentScopeOptions {
  const result: AgentScopeOptions = { attribution: 'global' }
  if (options.grace !== undefined) result.grace = options.grace
  if (options.kinds !== undefined) result.kinds = options.kinds
  if (options.workers !== undefined) result.workers = options.workers
  if (options.creationStacks !== undefined) result.creationStacks = options.creationStacks
  if (options.stackFrames !== undefined) result.stackFrames = options.stackFrames
  if (options.nameFilter !== undefined) {
    result.nameFilter =
      typeof options.nameFilter === 'string'
        ? options.nameFilter
        : { source: options.nameFilter.source, flags: options.nameFilter.flags }
  }
  return result
}

function filtersOf(options: LeakscopeStartOptions): ItemFilters {
  return {
    ...(options.nameFilter === undefined ? {} : { nameFilter: options.nameFilter }),
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
  }
}

interface ScopeStart {
  id: number
  doc: string
  url: string
  /** Epoch ms, page clock. */
  openedAt: number
}

/** A scope open in one page; `expect(scope).toHaveNoLeaks()` closes it. */
export class PageLeakScope {
  /** The page the scope lives in. */
  readonly page: Page
  /** The agent's scope id. */
  readonly id: number
  /** Where the page was when the scope opened. */
  readonly url: string
  /** Epoch milliseconds when the scope opened. */
  readonly openedAt: number
  /** The options it was opened with. */
  readonly options: Readonly<LeakscopeStartOptions>
  readonly #doc: string
  readonly #session: ContextSession
  /** Node clock: Playwright's worker events are timed there. */
  readonly #startedAt: number
  #findings: Promise<ScopeFindings> | undefined

  constructor(
    page: Page,
    session: ContextSession,
    start: ScopeStart,
    options: LeakscopeStartOptions,
    startedAt: number,
  ) {
    this.page = page
    this.id = start.id
    this.url = start.url
    this.openedAt = start.openedAt
    this.options = options
    this.#doc = start.doc
    this.#session = session
    this.#startedAt = startedAt
  }

  /** Whether the scope was closed (checked) already. */
  get closed(): boolean {
    return this.#findings !== undefined
  }

  /** Whether `blocking` was asked at start. */
  get blocking(): boolean {
    return this.options.blocking !== undefined && this.options.blocking !== false
  }

  /** The threshold `toHaveNoLongTasks` uses by default (ms). */
  get blockingThreshold(): number {
    const blocking = this.options.blocking
    return typeof blocking === 'object' ? (blocking.threshold ?? 100) : 100
  }

  /** Closes the scope in the page (once) and resolves with its report. */
  report(): Promise<LeakReportData> {
    return this.findings().then((findings) => findings.report)
  }

  /** Closes the scope (once) and resolves with everything it found. */
  findings(): Promise<ScopeFindings> {
    this.#findings ??= this.#close()
    return this.#findings
  }

  async #close(): Promise<ScopeFindings> {
    if (this.page.isClosed()) return this.#fromRecord(`the page was closed`)
    let result:
      { gone: true } | { gone: false; report: LeakReportData; frames: RawFrame[] } | undefined
    try {
      result = await this.page.evaluate(
        async ({ id, doc, name, blocking }) => {
          const g = globalThis as unknown as AgentHost
          const probe = g[name] as Probe | undefined
          if (probe === undefined || probe.doc !== doc) return { gone: true as const }
          const agent = g.__LEAKSCOPE_AGENT__
          if (agent === undefined) throw new Error('no leakscope agent in this document')
          const report = await agent.closeScope(id)
          if (blocking) await probe.settle()
          return { gone: false as const, report, frames: blocking ? probe.frames(0) : [] }
        },
        { id: this.id, doc: this.#doc, name: PROBE_GLOBAL, blocking: this.blocking },
      )
    } catch (error) {
      // The document went away while we asked (a navigation in flight).
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
      return this.#fromRecord(reason)
    }
    if (result.gone) return this.#fromRecord('the document went away')
    const workers = await this.#crossCheck(result.report.workers)
    return {
      url: this.url,
      report: {
        ...result.report,
        tasks: result.report.tasks.filter((task) => !notThePages(task)),
        workers,
      },
      frames: result.frames.filter((frame) => frame.startTime >= this.openedAt - 1),
    }
  }

  // Agent workers cross-checked with Playwright's, waiting briefly for the close events of
  // workers the page terminated (Playwright hears of them a little after the page does).
  async #crossCheck(agentWorkers: LeakedWorkerData[]): Promise<LeakedWorkerData[]> {
    const filters = filtersOf(this.options)
    const deadline = Date.now() + Math.max(WORKER_CLOSE_WAIT_MS, this.options.grace ?? 0)
    for (;;) {
      const workers = crossCheckWorkers(
        agentWorkers,
        this.#session.workersOf(this.page),
        { since: this.#startedAt },
        filters,
      )
      const seenOnly = workers.some((worker) => worker.id < 0)
      if (!seenOnly || Date.now() >= deadline) return workers
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  // The document is gone: what it sent before it went (at `beforeunload`, or its last batch).
  #fromRecord(reason: string): ScopeFindings {
    const record = this.#session.documents.get(this.#doc)
    if (record === undefined || (record.unloadedAt === undefined && record.batches === 0)) {
      throw new Error(
        `leakscope: could not close scope ${this.id} opened on ${this.url} (now ${
          this.page.isClosed() ? 'closed' : this.page.url()
        }): ${reason}, and the document sent no final state before it went away.`,
      )
    }
    const until = record.unloadedAt ?? record.updatedAt
    const filters = filtersOf(this.options)
    const workers = crossCheckWorkers(
      liveWorkers(record.live.values(), this.openedAt),
      this.#session.workersOf(this.page),
      { since: this.#startedAt, until },
      filters,
    )
    return {
      url: this.url,
      report: {
        version: 1,
        detector: 'tasks',
        tasks: filterTasks(record.live.values(), this.openedAt, filters),
        workers,
        blocks: [],
      },
      frames: this.blocking
        ? record.frames.filter((frame) => frame.startTime >= this.openedAt - 1)
        : [],
      unloaded: {
        at: until,
        url: record.url,
        from: record.unloadedAt === undefined ? 'batch' : 'beforeunload',
      },
    }
  }
}

/** Opens a scope in `page`; the agent must already be in the page (it is after `page.goto`). */
export async function startScope(
  page: Page,
  session: ContextSession,
  options: LeakscopeStartOptions = {},
): Promise<PageLeakScope> {
  const agentOptions = toAgentOptions(options)
  const startedAt = Date.now()
  const start = await page.evaluate(
    ({ opts, name }) => {
      const g = globalThis as unknown as AgentHost
      const agent = g.__LEAKSCOPE_AGENT__
      const probe = g[name] as Probe | undefined
      if (agent === undefined || probe === undefined) return undefined
      return {
        id: agent.openScope(opts),
        doc: probe.doc,
        url: String((globalThis as { location?: { href?: string } }).location?.href ?? ''),
        openedAt: Date.now(),
      }
    },
    { opts: agentOptions, name: PROBE_GLOBAL },
  )
  if (start === undefined) {
    throw new Error(
      `leakscope: no agent in ${page.url()}. The leakscope fixtures inject it into every document ` +
        'the test context loads: navigate first (page.goto), and use the page of the test context.',
    )
  }
  return new PageLeakScope(page, session, start, options, startedAt)
}
