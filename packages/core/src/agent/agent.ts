// The injectable agent: a self-contained IIFE (dist/agent/leakscope-agent.iife.js) of the browser
// adapter that installs once per realm and exposes `globalThis.__LEAKSCOPE_AGENT__`. Inject it
// before any page script: Playwright `page.addInitScript({ path })` (every frame gets its own
// copy: each frame is its own realm with its own globals), or an extension's MAIN-world content
// script at `document_start`. A second evaluation in the same realm does nothing (the build wraps
// the bundle in a guard on the global, so not even the natives are captured again).
import type { LeakReportData, LeakedTaskData } from '../shared/model.js'
import { resolveTaskOptions, type TaskLeakOptions } from '../shared/options.js'
import { reportData, type LeakedTask } from '../shared/report.js'
import { BROWSER_KINDS, DEFAULT_KINDS, noTaskLeaks, openTaskSession } from '../browser/tasks.js'
import { noWorkerLeaks } from '../browser/workers.js'
import type { TaskLeakScope } from '../shared/tasks.js'
import type { WorkerLeakScope } from '../shared/workers.js'
import {
  AGENT_GLOBAL,
  AGENT_PROTOCOL_VERSION,
  type AgentScopeOptions,
  type LeakscopeAgent,
} from './protocol.js'

declare const __LEAKSCOPE_VERSION__: string

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

interface OpenScope {
  tasks: TaskLeakScope
  workers: WorkerLeakScope | undefined
}

function install(): LeakscopeAgent {
  // The live registry: a global session that never closes, so the patches are in place from the
  // first page script on and everything the page creates is seen.
  const live = openTaskSession(
    resolveTaskOptions('leakscope agent', { attribution: 'global' }, BROWSER_KINDS, DEFAULT_KINDS),
  )
  const liveItems = (): LeakedTask[] => live.pending().map((item) => item.toLeakedTask())
  const scopes = new Map<number, OpenScope>()
  let nextId = 0
  const agent: LeakscopeAgent = {
    protocol: AGENT_PROTOCOL_VERSION,
    modelVersion: 1,
    version: __LEAKSCOPE_VERSION__,
    realm: String((globalThis as { location?: { href?: string } }).location?.href ?? ''),
    installedAt: Date.now(),
    openScope(options: AgentScopeOptions = {}): number {
      const id = ++nextId
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
      scopes.set(id, { tasks, workers })
      return id
    },
    async closeScope(id: number): Promise<LeakReportData> {
      const scope = scopes.get(id)
      if (scope === undefined) throw new Error(`leakscope agent: no open scope ${id}`)
      scopes.delete(id)
      const [tasks, workers] = await Promise.all([
        scope.tasks.check(),
        scope.workers?.check() ?? Promise.resolve([]),
      ])
      return reportData('tasks', { tasks, workers })
    },
    openScopes: () => [...scopes.keys()],
    live(): LeakedTaskData[] {
      return liveItems().map((task) => task.toJSON())
    },
    cancel(id: number): boolean {
      const task = liveItems().find((item) => item.id === id)
      return task === undefined ? false : task.cancel()
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
