import type { BrowserTaskKind, StackFrame } from '../shared/model.js'
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
  type Owner,
  type OwnerState,
  type TrackedItem,
} from './registry.js'
import { CHANNEL_KINDS } from './channels.js'
import { LISTENER_KINDS } from './listeners.js'
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
      uninstallPromisePatch()
    }
  }

  // Timers and frames exist as soon as they are scheduled: nothing is still on its way.
  settling(): boolean {
    return false
  }

  pending(): readonly PendingTask[] {
    const result: PendingTask[] = []
    for (const item of this.items.pending()) {
      // A listener whose target was collected, a socket the server closed: not a leak.
      if (item.alive !== undefined && !item.alive()) {
        item.complete()
        continue
      }
      result.push(new BrowserPendingTask(item, this.options))
    }
    return result
  }
}

function creationFrames(item: TrackedItem, limit: number): StackFrame[] {
  if (item.stack === undefined) return []
  let frames = userFrames(item.stack, isUserFrame)
  // A bundle that inlines leakscope with the app puts every frame under one root: keep the
  // unfiltered stack (captureStackTrace already starts it at the user's call).
  if (frames.length === 0) frames = userFrames(item.stack, () => true)
  return frames.slice(0, limit)
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

  toLeakedTask(): LeakedTask {
    const item = this.#item
    const withStack = this.#options.creationStacks && item.stack !== undefined
    const detail = item.describe?.() ?? item.detail
    return new LeakedTask(
      {
        id: typeof item.id === 'number' ? item.id : item.serial,
        kind: item.kind,
        name: item.name,
        state: item.state,
        createdAt: item.createdAt,
        ...(detail === undefined ? {} : { detail }),
        ...(withStack ? { creationStack: creationFrames(item, this.#options.stackFrames) } : {}),
      },
      () => item.cancel(),
    )
  }
}

/**
 * Number of task and worker scopes open in this realm. Zero means leakscope has removed every patch it
 * installed.
 */
export function activeScopeCount(): number {
  return openSessions.size + activeWorkerScopeCount()
}

/** Pending items in the id registries (tests: completed work must not accumulate). */
export function registrySize(): number {
  return timerRegistry.size + frameRegistry.size + idleRegistry.size + unkeyedItemCount()
}

/** Every kind this global can track; 'promise' is opt-in (see promises.ts). */
export const BROWSER_KINDS: readonly BrowserTaskKind[] = [
  ...TIMER_KINDS,
  ...LISTENER_KINDS,
  ...OBSERVER_KINDS,
  ...CHANNEL_KINDS,
  ...REQUEST_KINDS,
  ...PROMISE_KINDS,
]
export const DEFAULT_KINDS: readonly BrowserTaskKind[] = BROWSER_KINDS.filter(
  (kind) => kind !== 'promise',
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

/**
 * A tracking session with no scope around it (the agent's live registry): it installs the patches
 * like a scope, `pending()` reads what it owns right now, `dispose()` lets everything go.
 */
export function openTaskSession(options: ResolvedTaskOptions): TaskSession {
  return new BrowserTaskSession(options)
}
