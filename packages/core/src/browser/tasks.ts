import type { BrowserTaskKind, LeakedTaskData, StackFrame } from '../shared/model.js'
import type { ResolvedTaskOptions } from '../shared/options.js'
import { LeakedTask } from '../shared/report.js'
import { userFrames } from '../shared/stack.js'
import {
  createTaskDetector,
  type PendingTask,
  type TaskDetector,
  type TaskPlatform,
  type TaskSession,
} from '../shared/tasks.js'
import { ContextBoundSession } from './context.js'
import { perfNow, sleep } from './natives.js'
import { browserPlatformHooks, isUserFrame } from './platform.js'
import { activeWorkerScopeCount } from './workers.js'
import {
  globalOwners,
  ownersChanged,
  PendingItems,
  unkeyedItemCount,
  type LayeredStack,
  type Owner,
  type OwnerState,
  type TrackedItem,
} from './registry.js'
import { CHANNEL_KINDS } from './channels.js'
import { GEOLOCATION_KINDS } from './geolocation.js'
import { installHandlerPatches, uninstallHandlerPatches } from './handlers.js'
import { INDEXEDDB_KINDS } from './indexeddb.js'
import { LISTENER_KINDS } from './listeners.js'
import { MEDIA_KINDS } from './media.js'
import { OBSERVER_KINDS } from './observers.js'
import { installPromisePatch, PROMISE_KINDS, uninstallPromisePatch } from './promises.js'
import { REQUEST_KINDS } from './requests.js'
import { installObjectPatches, uninstallObjectPatches } from './track.js'
import {
  frameRegistry,
  idleRegistry,
  installTimerPatches,
  timerRegistry,
  TIMER_KINDS,
  uninstallTimerPatches,
} from './timers.js'

const openSessions = new Set<BrowserTaskSession>()

class BrowserTaskSession extends ContextBoundSession implements TaskSession, Owner {
  readonly options: ResolvedTaskOptions
  readonly items: PendingItems = new PendingItems()
  state: OwnerState = 'open'

  constructor(options: ResolvedTaskOptions) {
    super(options.attribution)
    this.options = options
    openSessions.add(this)
    if (openSessions.size === 1) {
      installTimerPatches()
      installObjectPatches()
      installHandlerPatches()
    }
    if (options.kinds.has('promise')) installPromisePatch()
    if (options.attribution === 'global') globalOwners.push(this)
    ownersChanged()
  }

  close(): void {
    if (this.state !== 'open') return
    this.state = 'closed'
    const index = globalOwners.indexOf(this)
    if (index !== -1) globalOwners.splice(index, 1)
    ownersChanged()
  }

  dispose(): void {
    this.close()
    if (this.state === 'disposed') return
    this.state = 'disposed'
    ownersChanged()
    for (const item of this.items.pending()) item.release(this)
    this.items.clear()
    openSessions.delete(this)
    if (openSessions.size === 0) {
      uninstallTimerPatches()
      uninstallObjectPatches()
      uninstallHandlerPatches()
      uninstallPromisePatch()
    }
  }

  // Timers and frames exist as soon as they are scheduled: nothing is still on its way.
  settling(): boolean {
    return false
  }

  pending(): readonly PendingTask[] {
    return this.liveItems().map((item) => new BrowserPendingTask(item, this.options))
  }

  liveItems(): TrackedItem[] {
    const result: TrackedItem[] = []
    for (const item of this.items.pending()) {
      // A listener whose target was collected, a socket the server closed: not a leak.
      if (item.alive !== undefined && !item.alive()) {
        item.complete()
        continue
      }
      if (item.dormant()) continue
      result.push(item)
    }
    return result
  }

  taskData(item: TrackedItem): LeakedTaskData {
    return leakedTask(item, this.options).toJSON()
  }
}

function creationFrames(item: TrackedItem, limit: number): StackFrame[] {
  if (item.stack === undefined) return []
  // Cut at a layer above leakscope's patch, the stack is empty when the page did not call that
  // layer: the fallback is cut at leakscope's own patch (see captureUnderLayer).
  const stack = item.stack as LayeredStack
  let all = userFrames(stack, () => true)
  if (all.length === 0 && stack.fallback !== undefined) all = userFrames(stack.fallback, () => true)
  const frames = all.filter(isUserFrame)
  // A bundle that inlines leakscope with the app puts every frame under one root: keep the
  // unfiltered stack (captureStackTrace already starts it at the user's call).
  return (frames.length === 0 ? all : frames).slice(0, limit)
}

class BrowserPendingTask implements PendingTask {
  readonly name: string
  readonly unref = false
  readonly #item: TrackedItem
  readonly #options: ResolvedTaskOptions

  constructor(item: TrackedItem, options: ResolvedTaskOptions) {
    this.#item = item
    this.#options = options
    this.name = item.name
  }

  get key(): object {
    return this.#item
  }

  toLeakedTask(): LeakedTask {
    return leakedTask(this.#item, this.#options)
  }
}

/**
 * An item's report id: timers and frames keep the handle the page got, everything else gets its
 * serial number, so ids are unique per kind.
 */
export function itemId(item: TrackedItem): number {
  return typeof item.id === 'number' ? item.id : item.serial
}

function leakedTask(item: TrackedItem, options: ResolvedTaskOptions): LeakedTask {
  const withStack = options.creationStacks && item.stack !== undefined
  const detail = item.describe?.() ?? item.detail
  return new LeakedTask(
    {
      id: itemId(item),
      kind: item.kind,
      name: item.name,
      state: item.state,
      createdAt: item.createdAt,
      ...(detail === undefined ? {} : { detail }),
      ...(withStack ? { creationStack: creationFrames(item, options.stackFrames) } : {}),
    },
    () => item.cancel(),
  )
}

/**
 * Number of task and worker scopes open in this realm. Zero means leakscope has removed every patch
 * it installed, but for pass-throughs about to go: the `on*` accessors 250 ms later (or once no
 * handler wrapped for its context is stored), the listener patches until the last listener
 * registered through them leaves (removed, cancelled, run once, or collected with its target).
 */
export function activeScopeCount(): number {
  return openSessions.size + activeWorkerScopeCount()
}

/** Pending items in the id registries (tests: completed work must not accumulate). */
export function registrySize(): number {
  return timerRegistry.size + frameRegistry.size + idleRegistry.size + unkeyedItemCount()
}

/**
 * Every kind this global can track. Opt-in: 'promise' (a cost on every promise, promises.ts) and
 * 'indexeddb' (keeping one connection for the page's lifetime is the idiomatic design, which
 * idb-keyval, Dexie and Firebase follow: by default that would be reported, not a leak).
 */
export const BROWSER_KINDS: readonly BrowserTaskKind[] = [
  ...TIMER_KINDS,
  ...LISTENER_KINDS,
  ...OBSERVER_KINDS,
  ...CHANNEL_KINDS,
  ...REQUEST_KINDS,
  ...MEDIA_KINDS,
  ...GEOLOCATION_KINDS,
  ...INDEXEDDB_KINDS,
  ...PROMISE_KINDS,
]
export const DEFAULT_KINDS: readonly BrowserTaskKind[] = BROWSER_KINDS.filter(
  (kind) => kind !== 'promise' && kind !== 'indexeddb',
)

const browserTaskPlatform: TaskPlatform = {
  ...browserPlatformHooks,
  kinds: BROWSER_KINDS,
  defaultKinds: DEFAULT_KINDS,
  open: (options) => new BrowserTaskSession(options),
  sleep,
  now: perfNow,
}

export const noTaskLeaks: TaskDetector = createTaskDetector(browserTaskPlatform)

/** A tracking session with no scope around it: the agent's live registry. */
export interface LiveTaskSession {
  /** Items pending now (collected targets and closed connections dropped). */
  liveItems(): TrackedItem[]
  /** An item as report data (creation stack formatted now). */
  taskData(item: TrackedItem): LeakedTaskData
  /** Lets everything go; the patches leave with the last session. */
  dispose(): void
}

/** Opens a session that installs the patches like a scope and never ends by itself. */
export function openLiveTaskSession(options: ResolvedTaskOptions): LiveTaskSession {
  return new BrowserTaskSession(options)
}
