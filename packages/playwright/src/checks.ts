// What a page still has pending: the agent's live registry in every frame of the page, plus the
// workers Playwright saw, cross-checked with the ones the agent reports.
import type { Frame, Page } from '@playwright/test'
import type { BrowserTaskKind, LeakedTaskData, LeakedWorkerData } from 'leakscope'
import { PROBE_GLOBAL } from './probe.js'
import type { ContextSession, SeenWorker } from './session.js'

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

export function filterTasks(
  items: Iterable<LeakedTaskData>,
  since: number | undefined,
  filters: ItemFilters,
): LeakedTaskData[] {
  const result: LeakedTaskData[] = []
  for (const item of items) {
    if (WORKER_KINDS.has(item.kind)) continue
    if (since !== undefined && item.createdAt < since) continue
    if (filters.kinds !== undefined && !filters.kinds.includes(item.kind as BrowserTaskKind))
      continue
    if (!nameMatches(item.name, filters.nameFilter)) continue
    result.push(item)
  }
  return result
}

/** Live items of the agent that are workers (protocol 2 lists them), as worker data. */
export function liveWorkers(items: Iterable<LeakedTaskData>, since: number | undefined): LeakedWorkerData[] {
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
}

async function frameState(frame: Frame): Promise<FrameState | undefined> {
  try {
    return await frame.evaluate((name) => {
      const g = globalThis as unknown as {
        __LEAKSCOPE_AGENT__?: { live(): LeakedTaskData[] }
        location?: { href?: string }
        performance: {
          timeOrigin: number
          getEntriesByType(type: string): { loadEventEnd?: number }[]
        }
      } & Record<string, { doc: string } | undefined>
      const navigation = g.performance.getEntriesByType('navigation')[0]
      const loadEnd = navigation?.loadEventEnd
      return {
        doc: g[name]?.doc,
        url: String(g.location?.href ?? ''),
        loadEnd:
          loadEnd !== undefined && loadEnd > 0 ? g.performance.timeOrigin + loadEnd : undefined,
        live: g.__LEAKSCOPE_AGENT__?.live() ?? null,
      }
    }, PROBE_GLOBAL)
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
  for (const state of states) {
    if (state === undefined || state.live === null) {
      first = false
      continue
    }
    const record = state.doc === undefined ? undefined : session.documents.get(state.doc)
    if (record !== undefined) delete record.unloadedAt // Still here (a cancelled unload).
    const agentWorkers = filters.workers === false ? [] : liveWorkers(state.live, state.loadEnd)
    // Playwright's page workers belong to the page, not a frame: count them with the main frame.
    const workers = first
      ? crossCheckWorkers(
          agentWorkers,
          session.workersOf(page),
          { since: state.loadEnd },
          filters,
        )
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
