import type { TaskKind } from './model.js'
import {
  matchesName,
  resolveTaskOptions,
  type ResolvedTaskOptions,
  type TaskLeakOptions,
} from './options.js'
import { TaskLeakError, type LeakedTask } from './report.js'
import {
  createDetector,
  LeakScope,
  pollWithBackoff,
  type Detector,
  type PlatformHooks,
} from './scope.js'

/** An item a platform tracker still considers pending. */
export interface PendingTask {
  readonly name: string
  readonly unref: boolean
  toLeakedTask(): LeakedTask
}

/** One scope's view of a platform tracker. */
export interface TaskSession {
  /** Runs `fn` with this session as the current async context. */
  run<T>(fn: () => T): T
  /** Makes the rest of the current async context belong to this session (`await using`). */
  enter(): void
  /** Undoes `enter()` for the caller, before `run()` takes over. */
  leave(): void
  /** Stops collecting new items; pending() still answers, for grace polling. */
  close(): void
  /** Releases everything the session installed; called once the scope has its findings. */
  dispose(): void
  /** Items pending right now (still answers after `close()`, for grace polling). */
  pending(): readonly PendingTask[]
  /** True while work started in the scope has yet to create the items it will create. */
  settling(): boolean
}

export interface TaskPlatform extends PlatformHooks {
  readonly kinds: readonly TaskKind[]
  readonly defaultKinds: readonly TaskKind[]
  open(options: ResolvedTaskOptions): TaskSession
  /** Waits on a native timer that no scope tracks and no fake clock replaces. */
  sleep(ms: number): Promise<void>
  now(): number
}

/** A task-leak scope: tracks from creation until it ends, once. */
export class TaskLeakScope extends LeakScope<LeakedTask> {
  readonly #session: TaskSession
  readonly #options: ResolvedTaskOptions
  readonly #platform: TaskPlatform

  constructor(options: ResolvedTaskOptions, platform: TaskPlatform) {
    super(options, taskPolicy, platform)
    this.#options = options
    this.#platform = platform
    this.#session = platform.open(options)
    this.#session.enter()
  }

  protected override runInScope<T>(fn: () => T): T {
    this.#session.leave()
    return this.#session.run(fn)
  }

  protected override finish(): readonly LeakedTask[] | Promise<readonly LeakedTask[]> {
    this.#session.close()
    let pending: PendingTask[]
    try {
      pending = this.#reportable()
    } catch (error) {
      this.#session.dispose()
      throw error
    }
    // A clean scope ends without waiting for anything.
    if (pending.length === 0 && !this.#session.settling()) {
      this.#session.dispose()
      return []
    }
    return this.#poll(pending).finally(() => this.#session.dispose())
  }

  #reportable(): PendingTask[] {
    const { excludeUnref, nameFilter } = this.#options
    return this.#session
      .pending()
      .filter((item) => !(excludeUnref && item.unref) && matchesName(nameFilter, item.name))
  }

  // Work that finishes shortly after the scope (a socket closing on the next tick, a timer due
  // within the grace) is not a leak.
  async #poll(initial: PendingTask[]): Promise<readonly LeakedTask[]> {
    const session = this.#session
    const pending = await pollWithBackoff(initial, {
      grace: this.#options.grace,
      now: this.#platform.now,
      sleep: this.#platform.sleep,
      pending: () => this.#reportable(),
      settling: () => session.settling(),
    })
    return pending.map((item) => item.toLeakedTask())
  }
}

const taskPolicy = {
  detector: 'noTaskLeaks',
  code: 'LEAKSCOPE_TASK_LEAK',
  makeError: (tasks: readonly LeakedTask[]): TaskLeakError => new TaskLeakError(tasks),
  cancel: (task: LeakedTask): void => {
    task.cancel()
  },
}

export type TaskDetector = Detector<TaskLeakOptions, TaskLeakScope>

export function createTaskDetector(platform: TaskPlatform): TaskDetector {
  return createDetector(
    'noTaskLeaks',
    (options: TaskLeakOptions | undefined) =>
      resolveTaskOptions('noTaskLeaks', options, platform.kinds, platform.defaultKinds),
    (resolved: ResolvedTaskOptions) => new TaskLeakScope(resolved, platform),
  )
}
