import {
  matchesName,
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerLeakOptions,
} from './options.js'
import { WorkerLeakError, type LeakedWorker } from './report.js'
import {
  createDetector,
  LeakScope,
  pollWithBackoff,
  type Detector,
  type PlatformHooks,
} from './scope.js'

/** A worker (or child process) a platform tracker still considers running. */
export interface PendingWorker {
  readonly name: string
  /** True when it does not keep a Node.js process alive (`unref()`'d). */
  readonly unref: boolean
  toLeakedWorker(): LeakedWorker
}

/** One scope's view of a platform's worker tracker. */
export interface WorkerSession {
  /** Runs `fn` with this session as the current async context. */
  run<T>(fn: () => T): T
  /** Makes the rest of the current async context belong to this session (`await using`). */
  enter(): void
  /** Undoes `enter()` for the caller, before `run()` takes over. */
  leave(): void
  /** Stops collecting new workers; pending() still answers, for grace polling. */
  close(): void
  /** Releases everything the session installed. */
  dispose(): void
  /** Workers running right now. */
  pending(): readonly PendingWorker[]
}

export interface WorkerPlatform extends PlatformHooks {
  open(options: ResolvedWorkerOptions): WorkerSession
  /** Waits on a native timer that no scope tracks and no fake clock replaces. */
  sleep(ms: number): Promise<void>
  now(): number
}

/** A worker-leak scope: tracks from creation until it ends, once. */
export class WorkerLeakScope extends LeakScope<LeakedWorker> {
  readonly #session: WorkerSession
  readonly #options: ResolvedWorkerOptions
  readonly #platform: WorkerPlatform

  constructor(options: ResolvedWorkerOptions, platform: WorkerPlatform) {
    super(options, workerPolicy, platform)
    this.#options = options
    this.#platform = platform
    this.#session = platform.open(options)
    this.#session.enter()
  }

  protected override runInScope<T>(fn: () => T): T {
    this.#session.leave()
    return this.#session.run(fn)
  }

  protected override finish(): readonly LeakedWorker[] | Promise<readonly LeakedWorker[]> {
    this.#session.close()
    let pending: PendingWorker[]
    try {
      pending = this.#reportable()
    } catch (error) {
      this.#session.dispose()
      throw error
    }
    // A clean scope ends without waiting for anything.
    if (pending.length === 0) {
      this.#session.dispose()
      return []
    }
    return pollWithBackoff(pending, {
      grace: this.#options.grace,
      now: this.#platform.now,
      sleep: this.#platform.sleep,
      pending: () => this.#reportable(),
    })
      .then((still) => still.map((item) => item.toLeakedWorker()))
      .finally(() => this.#session.dispose())
  }

  #reportable(): PendingWorker[] {
    const { excludeUnref, nameFilter } = this.#options
    return this.#session
      .pending()
      .filter((item) => !(excludeUnref && item.unref) && matchesName(nameFilter, item.name))
  }
}

const workerPolicy = {
  detector: 'noWorkerLeaks',
  code: 'LEAKSCOPE_WORKER_LEAK',
  makeError: (workers: readonly LeakedWorker[]): WorkerLeakError => new WorkerLeakError(workers),
  cancel: (worker: LeakedWorker): void => {
    worker.terminate()
  },
}

export type WorkerDetector = Detector<WorkerLeakOptions, WorkerLeakScope>

export function createWorkerDetector(platform: WorkerPlatform): WorkerDetector {
  return createDetector(
    'noWorkerLeaks',
    (options: WorkerLeakOptions | undefined) => resolveWorkerOptions('noWorkerLeaks', options),
    (resolved: ResolvedWorkerOptions) => new WorkerLeakScope(resolved, platform),
  )
}

/** The last path segment of a script URL or path, or undefined when there is none. */
export function scriptFileName(url: string): string | undefined {
  const path = url.split(/[?#]/)[0] ?? ''
  const last = path.split(/[/\\]/).pop()
  return last === undefined || last === '' ? undefined : last
}
