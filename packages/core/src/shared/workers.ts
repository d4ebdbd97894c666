import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerLeakOptions,
} from './options.js'
import { WorkerLeakError, type LeakedWorker } from './report.js'
import { createDetector, type Detector } from './scope.js'
import {
  TrackingScope,
  type PendingItem,
  type TrackingPlatform,
  type TrackingSession,
} from './tracking.js'

/** A worker (or child process) a platform tracker still considers running. */
export interface PendingWorker extends PendingItem {
  toLeakedWorker(): LeakedWorker
}

/** One scope's view of a platform's worker tracker. */
export type WorkerSession = TrackingSession<PendingWorker>

export interface WorkerPlatform extends TrackingPlatform {
  open(options: ResolvedWorkerOptions): WorkerSession
}

/** A worker-leak scope: tracks from creation until it ends, once. */
export class WorkerLeakScope extends TrackingScope<PendingWorker, LeakedWorker> {
  constructor(options: ResolvedWorkerOptions, platform: WorkerPlatform) {
    super(options, workerPolicy, platform, platform.open(options), (item) => item.toLeakedWorker())
  }
}

const workerPolicy = {
  detector: 'noWorkerLeaks',
  kind: 'workers' as const,
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
