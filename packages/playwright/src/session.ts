// Per browser context: the init scripts, the binding that documents report through, the workers
// Playwright saw in each page, and what each document sent before it went away.
import type { BrowserContext, Frame, Page, Worker } from '@playwright/test'
import type { PageLeakScope } from './scope.js'
import type { SourceMapCache } from './source-maps.js'
import type { LeakedTaskData, LeakedWorkerData } from 'leakscope'
import type { AgentBatch, AgentScopeReport } from 'leakscope/agent'
import { agentScriptPath } from 'leakscope/agent'
import {
  BINDING,
  FRAME_BUFFER,
  PROBE_GLOBAL,
  WORKER_SCOPE_GLOBAL,
  WORKER_SCOPE_OPTIONS,
  afterAgent,
  installProbe,
  type ProbeMessage,
  type RawFrame,
} from './probe.js'

/** A worker as Playwright saw it (`page.on('worker')`, `worker.on('close')`). */
export interface SeenWorker {
  readonly url: string
  /** Epoch milliseconds when Playwright reported it. */
  readonly seenAt: number
  /** Epoch milliseconds when it closed (terminated, closed itself, or its document went away). */
  closedAt?: number
}

/** What the test knows about one document (one realm: a page's or a frame's). */
export interface DocumentRecord {
  readonly doc: string
  url: string
  page: Page | undefined
  frame: Frame | undefined
  /**
   * Live items by `kind:id` (ids are unique per kind): from the agent's batches, replaced by the
   * final state at unload.
   */
  readonly live: Map<string, LeakedTaskData>
  /** Workers the probe's document-long scope reported pending, by id (they may have ended since). */
  readonly workers: Map<number, LeakedWorkerData>
  /** Reports of the page's own leakscope scopes (`publish`), from the batches. */
  readonly appReports: AgentScopeReport[]
  /** Frames the document sent at unload. */
  frames: RawFrame[]
  /** Epoch milliseconds of `beforeunload`, once the document is going away. */
  unloadedAt?: number
  /** Epoch milliseconds of the last batch or unload message. */
  updatedAt: number
  /** Agent batches received (protocol 2). */
  batches: number
}

/** Adds a report of the page's own leakscope once (batches and direct reads both bring it). */
export function addAppReport(list: AgentScopeReport[], report: AgentScopeReport): void {
  if (report.origin !== 'app') return
  if (list.some((known) => known.scopeId === report.scopeId)) return
  list.push(report)
}

const sessions = new WeakMap<BrowserContext, ContextSession>()

/** Batch interval asked of the agent (ms). */
const BATCH_INTERVAL = 250
/** Documents remembered per context (the oldest gone ones are dropped first). */
const DOCUMENT_LIMIT = 200

export class ContextSession {
  readonly context: BrowserContext
  readonly documents: Map<string, DocumentRecord> = new Map()
  readonly #workers = new WeakMap<Page, SeenWorker[]>()
  /** Per document: the last frame serial a `toHaveNoLongTasks` check covered. */
  readonly longTaskMarks: Map<string, number> = new Map()
  /** Per document: epoch ms (page clock) of the last `toHaveNoLongTasks` check. */
  readonly checkedAt: Map<string, number> = new Map()
  /** Scopes opened in this context's pages. */
  readonly scopes: PageLeakScope[] = []
  /** Source texts fetched for line and column lookups, by URL. */
  readonly sources: Map<string, Promise<string | undefined>> = new Map()
  /** Source maps of the scripts named by reported frames, by script URL. */
  readonly sourceMaps: SourceMapCache = new Map()

  private constructor(context: BrowserContext) {
    this.context = context
  }

  /** The session of a context the leakscope fixtures prepared, if any. */
  static of(context: BrowserContext): ContextSession | undefined {
    return sessions.get(context)
  }

  /**
   * Prepares a context: the binding first (so the init scripts can call it at document start),
   * then the probe, the agent and the batch forwarder, in that order, in every document.
   */
  static async install(context: BrowserContext): Promise<ContextSession> {
    const existing = sessions.get(context)
    if (existing !== undefined) return existing
    const session = new ContextSession(context)
    sessions.set(context, session)
    await context.exposeBinding(BINDING, (source, message: ProbeMessage) =>
      session.#receive(source.page, source.frame, message),
    )
    await context.addInitScript(installProbe, {
      binding: BINDING,
      global: PROBE_GLOBAL,
      buffer: FRAME_BUFFER,
    })
    await context.addInitScript({ path: agentScriptPath })
    await context.addInitScript(afterAgent, {
      binding: BINDING,
      global: PROBE_GLOBAL,
      workers: WORKER_SCOPE_GLOBAL,
      interval: BATCH_INTERVAL,
      scope: WORKER_SCOPE_OPTIONS,
    })
    for (const page of context.pages()) session.#watch(page)
    context.on('page', (page) => session.#watch(page))
    return session
  }

  #watch(page: Page): void {
    if (this.#workers.has(page)) return
    const seen: SeenWorker[] = []
    this.#workers.set(page, seen)
    const add = (worker: Worker): void => {
      const record: SeenWorker = { url: worker.url(), seenAt: Date.now() }
      seen.push(record)
      worker.once('close', () => {
        record.closedAt = Date.now()
      })
    }
    for (const worker of page.workers()) add(worker)
    page.on('worker', add)
  }

  /** Workers Playwright saw in `page` (running or closed). */
  workersOf(page: Page): readonly SeenWorker[] {
    return this.#workers.get(page) ?? []
  }

  /** The record of a document (created on first sight). */
  document(
    doc: string,
    url: string,
    page: Page | undefined,
    frame: Frame | undefined,
  ): DocumentRecord {
    let record = this.documents.get(doc)
    if (record === undefined) {
      record = {
        doc,
        url,
        page,
        frame,
        live: new Map(),
        workers: new Map(),
        appReports: [],
        frames: [],
        updatedAt: Date.now(),
        batches: 0,
      }
      this.documents.set(doc, record)
      if (this.documents.size > DOCUMENT_LIMIT) {
        const oldest = [...this.documents.values()].find((d) => d.unloadedAt !== undefined)
        if (oldest !== undefined) this.documents.delete(oldest.doc)
      }
    }
    record.url = url
    record.page ??= page
    record.frame ??= frame
    return record
  }

  #receive(page: Page | undefined, frame: Frame | undefined, message: ProbeMessage): void {
    if (typeof message !== 'object' || message === null) return
    const record = this.document(message.doc, message.url, page, frame)
    record.updatedAt = Date.now()
    if (message.type === 'unload') {
      record.unloadedAt = message.time
      record.frames = message.frames
      if (message.live !== null) {
        record.live.clear()
        for (const item of message.live) record.live.set(`${item.kind}:${item.id}`, item)
      }
    } else if (message.type === 'batch') {
      record.batches++
      const batch = message.batch as AgentBatch
      for (const item of batch.added) record.live.set(`${item.kind}:${item.id}`, item)
      for (const { kind, id } of batch.removed) record.live.delete(`${kind}:${id}`)
      for (const report of batch.reports)
        if (report.origin === 'app') record.appReports.push(report)
    }
  }
}
