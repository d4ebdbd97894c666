import {
  REPORT_MODEL_VERSION,
  type DetectorName,
  type EventLoopBlockData,
  type LeakReportData,
  type LeakedTaskData,
  type LeakedWorkerData,
  type LoafScriptAttribution,
  type StackFrame,
  type TaskKind,
  type TaskState,
  type WorkerKind,
} from './model.js'
import { formatFrames } from './stack.js'

// Copies only defined optional fields, so JSON output and structured clones carry no
// `undefined` keys.
function assignOptional<T extends object>(
  target: T,
  source: Partial<T>,
  keys: readonly (keyof T)[],
): void {
  for (const key of keys) {
    const value = source[key]
    if (value !== undefined) target[key] = value as T[keyof T]
  }
}

/** A task still pending when its scope ended. Plain data plus `cancel()`. */
export class LeakedTask implements LeakedTaskData {
  readonly id: number
  readonly kind: TaskKind
  readonly name: string
  readonly state: TaskState
  readonly createdAt: number
  readonly unref?: boolean
  readonly detail?: string
  readonly creationStack?: StackFrame[]
  readonly stackOrigin?: 'callback'
  readonly #cancel: (() => void) | undefined

  constructor(data: LeakedTaskData, cancel?: () => void) {
    this.id = data.id
    this.kind = data.kind
    this.name = data.name
    this.state = data.state
    this.createdAt = data.createdAt
    assignOptional<LeakedTaskData>(this, data, ['unref', 'detail', 'creationStack', 'stackOrigin'])
    this.#cancel = cancel
  }

  /** The creation stack as indented text, the first line being the line that created it. */
  formatCreationStack(): string {
    return formatFrames(this.creationStack)
  }

  /** Clears, closes, aborts or kills the item. Returns false when it cannot be cancelled. */
  cancel(): boolean {
    if (this.#cancel === undefined) return false
    this.#cancel()
    return true
  }

  toJSON(): LeakedTaskData {
    const data: LeakedTaskData = {
      id: this.id,
      kind: this.kind,
      name: this.name,
      state: this.state,
      createdAt: this.createdAt,
    }
    assignOptional<LeakedTaskData>(data, this, ['unref', 'detail', 'creationStack', 'stackOrigin'])
    return data
  }
}

/** A worker (or child process) still running when its scope ended. */
export class LeakedWorker implements LeakedWorkerData {
  readonly id: number
  readonly kind: WorkerKind
  readonly name: string
  readonly url?: string
  readonly createdAt: number
  readonly creationStack?: StackFrame[]
  readonly #terminate: (() => void) | undefined

  constructor(data: LeakedWorkerData, terminate?: () => void) {
    this.id = data.id
    this.kind = data.kind
    this.name = data.name
    this.createdAt = data.createdAt
    assignOptional<LeakedWorkerData>(this, data, ['url', 'creationStack'])
    this.#terminate = terminate
  }

  formatCreationStack(): string {
    return formatFrames(this.creationStack)
  }

  /** Stops the worker. Returns false when it cannot be stopped from here. */
  terminate(): boolean {
    if (this.#terminate === undefined) return false
    this.#terminate()
    return true
  }

  toJSON(): LeakedWorkerData {
    const data: LeakedWorkerData = {
      id: this.id,
      kind: this.kind,
      name: this.name,
      createdAt: this.createdAt,
    }
    assignOptional<LeakedWorkerData>(data, this, ['url', 'creationStack'])
    return data
  }
}

/** A synchronous stretch longer than the threshold. */
export class EventLoopBlock implements EventLoopBlockData {
  readonly id: number
  readonly duration: number
  readonly threshold: number
  readonly startTime: number
  readonly blockingStack?: StackFrame[]
  readonly source?: { url: string; line: number; column: number; functionName: string }
  readonly attribution?: LoafScriptAttribution[]
  readonly note?: string

  constructor(data: EventLoopBlockData) {
    this.id = data.id
    this.duration = data.duration
    this.threshold = data.threshold
    this.startTime = data.startTime
    assignOptional<EventLoopBlockData>(this, data, [
      'blockingStack',
      'source',
      'attribution',
      'note',
    ])
  }

  formatBlockingStack(): string {
    return formatFrames(this.blockingStack)
  }

  toJSON(): EventLoopBlockData {
    const data: EventLoopBlockData = {
      id: this.id,
      duration: this.duration,
      threshold: this.threshold,
      startTime: this.startTime,
    }
    assignOptional<EventLoopBlockData>(data, this, [
      'blockingStack',
      'source',
      'attribution',
      'note',
    ])
    return data
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

export function formatTask(task: LeakedTask): string {
  const lines = [
    `Leaked task: ${task.kind} "${task.name}"`,
    `  ID: ${task.id}`,
    `  State: ${task.state}${task.unref === true ? ' (unref)' : ''}`,
  ]
  if (task.detail !== undefined) lines.push(`  Detail: ${task.detail}`)
  if (task.creationStack !== undefined) {
    lines.push(task.stackOrigin === 'callback' ? '  Callback defined at:' : '  Created at:')
    lines.push(task.formatCreationStack())
  }
  return lines.join('\n')
}

export function formatWorker(worker: LeakedWorker): string {
  const lines = [`Leaked worker: ${worker.kind} "${worker.name}"`, `  ID: ${worker.id}`]
  if (worker.url !== undefined) lines.push(`  URL: ${worker.url}`)
  if (worker.creationStack !== undefined) lines.push('  Created at:', worker.formatCreationStack())
  return lines.join('\n')
}

export function formatBlock(block: EventLoopBlock): string {
  const lines = [
    `Event loop block: block-${block.id}`,
    `  Duration: ${block.duration.toFixed(1)}ms (threshold: ${block.threshold}ms)`,
    `  Started: ${new Date(block.startTime).toISOString()}`,
  ]
  if (block.note !== undefined) lines.push(`  Note: ${block.note}`)
  if (block.blockingStack !== undefined)
    lines.push('  Blocking stack:', block.formatBlockingStack())
  return lines.join('\n')
}

export function formatTaskReport(tasks: readonly LeakedTask[]): string {
  return [`Detected ${plural(tasks.length, 'leaked task')}`, ...tasks.map(formatTask)].join('\n\n')
}

export function formatWorkerReport(workers: readonly LeakedWorker[]): string {
  return [`Detected ${plural(workers.length, 'leaked worker')}`, ...workers.map(formatWorker)].join(
    '\n\n',
  )
}

export function formatBlockReport(blocks: readonly EventLoopBlock[]): string {
  return [`Detected ${plural(blocks.length, 'event loop block')}`, ...blocks.map(formatBlock)].join(
    '\n\n',
  )
}

export function reportData(
  detector: DetectorName,
  findings: {
    tasks?: readonly LeakedTask[]
    workers?: readonly LeakedWorker[]
    blocks?: readonly EventLoopBlock[]
  },
): LeakReportData {
  return {
    version: REPORT_MODEL_VERSION,
    detector,
    tasks: (findings.tasks ?? []).map((t) => t.toJSON()),
    workers: (findings.workers ?? []).map((w) => w.toJSON()),
    blocks: (findings.blocks ?? []).map((b) => b.toJSON()),
  }
}

/** Base of every leakscope error; `toJSON()` gives the report model. */
export class LeakError extends Error {
  readonly detector: DetectorName
  readonly #report: LeakReportData

  constructor(message: string, report: LeakReportData) {
    super(message)
    this.name = 'LeakError'
    this.detector = report.detector
    this.#report = report
  }

  toJSON(): LeakReportData {
    return this.#report
  }
}

/** Thrown by task scopes with `action: 'throw'`. */
export class TaskLeakError extends LeakError {
  readonly leakedTasks: readonly LeakedTask[]

  constructor(tasks: readonly LeakedTask[]) {
    super(formatTaskReport(tasks), reportData('tasks', { tasks }))
    this.name = 'TaskLeakError'
    this.leakedTasks = tasks
  }

  get taskCount(): number {
    return this.leakedTasks.length
  }
}

/** Thrown by worker scopes with `action: 'throw'`. Alias: `ThreadLeakError`. */
export class WorkerLeakError extends LeakError {
  readonly leakedWorkers: readonly LeakedWorker[]

  constructor(workers: readonly LeakedWorker[]) {
    super(formatWorkerReport(workers), reportData('workers', { workers }))
    this.name = 'WorkerLeakError'
    this.leakedWorkers = workers
  }

  get workerCount(): number {
    return this.leakedWorkers.length
  }
}

/** Thrown by blocking scopes with `action: 'throw'`. */
export class EventLoopBlockError extends LeakError {
  readonly blocks: readonly EventLoopBlock[]

  constructor(blocks: readonly EventLoopBlock[]) {
    super(formatBlockReport(blocks), reportData('blocking', { blocks }))
    this.name = 'EventLoopBlockError'
    this.blocks = blocks
  }

  get blockCount(): number {
    return this.blocks.length
  }
}
