import type { TaskKind } from './model.js'
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskLeakOptions } from './options.js'
import { TaskLeakError, type LeakedTask } from './report.js'
import { createDetector, type Detector } from './scope.js'
import {
  TrackingScope,
  type PendingItem,
  type TrackingPlatform,
  type TrackingSession,
} from './tracking.js'

/** A task a platform tracker still considers pending. */
export interface PendingTask extends PendingItem {
  toLeakedTask(): LeakedTask
}

/** One scope's view of a platform's task tracker. */
export type TaskSession = TrackingSession<PendingTask> & { settling(): boolean }

export interface TaskPlatform extends TrackingPlatform {
  readonly kinds: readonly TaskKind[]
  readonly defaultKinds: readonly TaskKind[]
  open(options: ResolvedTaskOptions): TaskSession
}

/** A task-leak scope: tracks from creation until it ends, once. */
export class TaskLeakScope extends TrackingScope<PendingTask, LeakedTask> {
  constructor(options: ResolvedTaskOptions, platform: TaskPlatform) {
    super(options, taskPolicy, platform, platform.open(options), (item) => item.toLeakedTask())
  }
}

const taskPolicy = {
  detector: 'noTaskLeaks',
  kind: 'tasks' as const,
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
