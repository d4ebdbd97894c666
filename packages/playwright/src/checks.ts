// What a page still has pending: the agent's live registry in every frame of the page, plus the
// workers Playwright saw, cross-checked with the ones the agent reports.
import type { Frame, Page } from '@playwright/test'
import type { BrowserTaskKind, LeakedTaskData, LeakedWorkerData } from 'leakscope'
import type { AgentScopeReport } from 'leakscope/agent'
import { PROBE_GLOBAL, WORKER_SCOPE_GLOBAL, WORKER_SCOPE_OPTIONS } from './probe.js'
import { addAppReport, type ContextSession, type SeenWorker } from './session.js'

/** Filters shared by scopes, `expect(page).toHaveNoLeaks()` and the `leakscope` option. */
export interface ItemFilters {
  nameFilter?: string | RegExp
  kinds?: readonly BrowserTaskKind[]
  /** Report workers (default true). */
  workers?: boolean
}

/** A worker only Playwright saw (the agent never saw it created): it has no creation stack. */
export interface SeenOnlyWorker extends LeakedWorkerData {
  seenBy: 'playwright'
}

/** One document's findings. */
export interface DocumentFindings {
  url: string
  /** Epoch ms from which items count (the document's load), undefined: since it started. */
  since: number | undefined
  tasks: LeakedTaskData[]
  workers: LeakedWorkerData[]
}

const WORKER_KINDS = new Set(['worker', 'shared-worker'])

export function nameMatches(name: string, filter: string | RegExp | undefined): boolean {
  if (filter === undefined) return true
  if (typeof filter === 'string') return name === filter
  filter.lastIndex = 0
  return filter.test(name)
}

/**
 * Whether an item is leakscope's or Playwright's own, never the page's: the agent of a same-origin
 * iframe observes Long Animation Frames through the top window's (patched) PerformanceObserver, so
 * the top document's agent lists that observer (leakscope 0.1, protocol 2); and Playwright's
 * injected script adds listeners and observers to a page's main world (Playwright 1.65,
 * `_setupGlobalListenersRemovalDetection`, seen with frame locators).
 */
export function notThePages(item: LeakedTaskData): boolean {
  const stack = item.creationStack ?? []
  if (stack[0]?.url.endsWith('leakscope-agent.iife.js') === true) return true
  return stack.some(
    (frame) => frame.url.startsWith('<anonymous>') && /\bInjectedScript\b/.test(frame.functionName),
  )
}

export function filterTasks(
  items: Iterable<LeakedTaskData>,
  since: number | undefined,
  filters: ItemFilters,
): LeakedTaskData[] {
  const result: LeakedTaskData[] = []
  for (const item of items) {
    if (WORKER_KINDS.has(item.kind) || notThePages(item)) continue
    if (since !== undefined && item.createdAt < since) continue
    if (filters.kinds !== undefined && !filters.kinds.includes(item.kind as BrowserTaskKind))
      continue
    if (!nameMatches(item.name, filters.nameFilter)) continue
    result.push(item)
  }
  return result
}

/** Live items of the agent that are workers (protocol 2 lists them), as worker data. */
export function liveWorkers(
  items: Iterable<LeakedTaskData>,
  since: number | undefined,
): LeakedWorkerData[] {
  const result: LeakedWorkerData[] = []
  for (const item of items) {
    if (!WORKER_KINDS.has(item.kind)) continue
    if (since !== undefined && item.createdAt < since) continue
    const url = (item as { url?: unknown }).url ?? item.detail
    result.push({
      id: item.id,
      kind: item.kind as 'worker' | 'shared-worker',
      name: item.name,
      ...(typeof url === 'string' ? { url } : {}),
      createdAt: item.createdAt,
      ...(item.creationStack === undefined ? {} : { creationStack: item.creationStack }),
    })
  }
  return result
}

function fileName(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url
  return path.slice(path.lastIndexOf('/') + 1) || url
}

/**
 * The agent's workers cross-checked with Playwright's: an agent worker Playwright saw close (it
 * closed itself, or crashed) is dropped; a worker Playwright saw start after `since` and still
 * running that the agent does not list is added, without a creation stack.
 */
export function crossCheckWorkers(
  agentWorkers: readonly LeakedWorkerData[],
  seen: readonly SeenWorker[],
  window: { since: number | undefined; until?: number },
  filters: ItemFilters,
): LeakedWorkerData[] {
  if (filters.workers === false) return []
  const { since, until } = window
  // With `until` (a document that went away), what counts is what ran when it went.
  const unmatched = seen.filter((worker) => until === undefined || worker.seenAt <= until)
  const result: LeakedWorkerData[] = []
  const running = (worker: SeenWorker): boolean =>
    worker.closedAt === undefined || (until !== undefined && worker.closedAt >= until)
  for (const worker of agentWorkers) {
    const twin = unmatched.findIndex((candidate) => candidate.url === worker.url)
    if (twin === -1) {
      result.push(worker)
      continue
    }
    const [seenWorker] = unmatched.splice(twin, 1)
    if (seenWorker !== undefined && running(seenWorker)) result.push(worker)
  }
  let serial = 0
  for (const worker of unmatched) {
    // Playwright reports dedicated workers only: everything seen here is a `worker`.
    if (!running(worker)) continue
    if (since !== undefined && worker.seenAt < since) continue
    const name = fileName(worker.url)
    if (!nameMatches(name, filters.nameFilter)) continue
    const extra: SeenOnlyWorker = {
      id: -++serial,
      kind: 'worker',
      name,
      url: worker.url,
      createdAt: worker.seenAt,
      seenBy: 'playwright',
    }
    result.push(extra)
  }
  return result
}

interface FrameState {
  doc: string | undefined
  url: string
  loadEnd: number | undefined
  live: LeakedTaskData[] | null
  /** Workers pending in the probe's document-long scope (it is reopened at once). */
  workers: LeakedWorkerData[]
  /** Reports of the page's own leakscope scopes. */
  appReports: AgentScopeReport[]
}

async function frameState(frame: Frame): Promise<FrameState | undefined> {
  try {
    return await frame.evaluate(
      async ({ name, holderName, scopeOptions }) => {
        const g = globalThis as unknown as {
          __LEAKSCOPE_AGENT__?: {
            live(): LeakedTaskData[]
            openScope(options: object): number
            closeScope(id: number): Promise<{ workers: LeakedWorkerData[] }>
            reports?: () => AgentScopeReport[]
          }
          location?: { href?: string }
          performance: {
            timeOrigin: number
            getEntriesByType(type: string): { loadEventEnd?: number }[]
          }
        } & Record<string, unknown>
        const agent = g.__LEAKSCOPE_AGENT__
        const holder = g[holderName] as { id: number | undefined } | undefined
        let workers: LeakedWorkerData[] = []
        if (agent !== undefined && holder?.id !== undefined) {
          // The agent has no way to read a scope without ending it: end it and open the next.
          try {
            workers = (await agent.closeScope(holder.id)).workers
          } finally {
            holder.id = agent.openScope(scopeOptions)
          }
        }
        const navigation = g.performance.getEntriesByType('navigation')[0]
        const loadEnd = navigation?.loadEventEnd
        return {
          doc: (g[name] as { doc: string } | undefined)?.doc,
          url: String(g.location?.href ?? ''),
          loadEnd:
            loadEnd !== undefined && loadEnd > 0 ? g.performance.timeOrigin + loadEnd : undefined,
          live: agent?.live() ?? null,
          workers,
          appReports: (agent?.reports?.() ?? []).filter((report) => report.origin === 'app'),
        }
      },
      { name: PROBE_GLOBAL, holderName: WORKER_SCOPE_GLOBAL, scopeOptions: WORKER_SCOPE_OPTIONS },
    )
  } catch {
    return undefined // Detached, or navigating right now: nothing to read there.
  }
}

/**
 * Items pending now in every frame of `page` that its document created after its `load` event
 * (or after it started, while it is still loading), and workers still running.
 */
export async function pageFindings(
  page: Page,
  session: ContextSession,
  filters: ItemFilters,
): Promise<DocumentFindings[]> {
  const main = page.mainFrame()
  const frames = [main, ...page.frames().filter((frame) => frame !== main)]
  const states = await Promise.all(frames.map(frameState))
  const result: DocumentFindings[] = []
  let first = true
  for (const [index, state] of states.entries()) {
    if (state === undefined || state.live === null) {
      first = false
      continue
    }
    const known = new Map<number, LeakedWorkerData>()
    if (state.doc !== undefined) {
      const record = session.document(state.doc, state.url, page, frames[index])
      delete record.unloadedAt // Still here (a cancelled unload).
      for (const worker of state.workers) record.workers.set(worker.id, worker)
      for (const report of state.appReports) addAppReport(record.appReports, report)
      for (const [id, worker] of record.workers) known.set(id, worker)
    } else {
      for (const worker of state.workers) known.set(worker.id, worker)
    }
    const agentWorkers =
      filters.workers === false
        ? []
        : [...known.values()].filter(
            (w) =>
              (state.loadEnd === undefined || w.createdAt >= state.loadEnd) &&
              nameMatches(w.name, filters.nameFilter),
          )
    // Playwright's page workers belong to the page, not a frame: count them with the main frame.
    const workers = first
      ? crossCheckWorkers(agentWorkers, session.workersOf(page), { since: state.loadEnd }, filters)
      : agentWorkers
    first = false
    result.push({
      url: state.url,
      since: state.loadEnd,
      tasks: filterTasks(state.live, state.loadEnd, filters),
      workers,
    })
  }
  return result
}

export function countFindings(documents: readonly DocumentFindings[]): number {
  return documents.reduce((sum, d) => sum + d.tasks.length + d.workers.length, 0)
}

/** `pageFindings` polled until clean or `grace` ms passed (a clean page returns at once). */
export async function pageFindingsAfterGrace(
  page: Page,
  session: ContextSession,
  filters: ItemFilters,
  grace: number,
): Promise<DocumentFindings[]> {
  const deadline = Date.now() + grace
  for (;;) {
    const findings = await pageFindings(page, session, filters)
    if (countFindings(findings) === 0 || Date.now() >= deadline || page.isClosed()) return findings
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())))
  }
}

/** A report of the page's own leakscope, narrowed by the filters; undefined when nothing is left. */
export function filterAppReport(
  report: AgentScopeReport,
  filters: ItemFilters,
): AgentScopeReport | undefined {
  const tasks = filterTasks(report.report.tasks, undefined, filters)
  const workers =
    filters.workers === false
      ? []
      : report.report.workers.filter((w) => nameMatches(w.name, filters.nameFilter))
  if (tasks.length + workers.length === 0) return undefined
  return { ...report, report: { ...report.report, tasks, workers } }
}
