import type { LeakedTaskData, LeakedWorkerData, TaskKind } from './model.js'

/** What a scope does with its findings. `'raise'` is an alias of `'throw'`. */
export type Action = 'warn' | 'log' | 'cancel' | 'throw' | 'raise'

/** Where `'log'` writes. `console` fits. */
export interface Logger {
  warn(...args: unknown[]): void
  error?(...args: unknown[]): void
  info?(...args: unknown[]): void
}

/**
 * `'context'`: only what the scope's own async context created (concurrent scopes do not see
 * each other's items). `'global'`: everything created while the scope was open.
 */
export type Attribution = 'context' | 'global'

export interface CommonOptions {
  /** Default `'warn'`. */
  action?: Action
  /** Used by `'log'`. Default `console`. */
  logger?: Logger
}

export interface TaskLeakOptions extends CommonOptions {
  /** Only items whose name equals the string (or matches the RegExp) are reported. */
  nameFilter?: string | RegExp
  /** Milliseconds to keep polling pending items before calling them leaks. Default 100. */
  grace?: number
  /**
   * Capture where each item was created. Default `true`. `'callback'` (Node.js): timers and
   * immediates record nothing at creation and report where their callback is defined, looked
   * up through the inspector only when a leak is reported; other kinds capture as with `true`.
   */
  creationStacks?: boolean | 'callback'
  /** Alias of `creationStacks` (the seed's name). */
  enableCreationTracking?: boolean
  /** Frames kept per creation stack; fewer frames cost less. Default 10. */
  stackFrames?: number
  /**
   * Which kinds to track. Default: every kind of the platform but the opt-in ones: `'promise'`,
   * `'listener'` in Node.js, `'indexeddb'` in browsers.
   */
  kinds?: readonly TaskKind[]
  /** Default `'context'`. */
  attribution?: Attribution
  /** Skip items that do not keep a Node.js process alive (`unref()`'d). Default `true`. */
  excludeUnref?: boolean
  /**
   * Items for which it returns true are neither reported nor waited for during `grace` (a test
   * runner's own work, say). Called once per item still pending when the scope ends (in Node,
   * once it has outlived the first millisecond of polling).
   */
  ignore?: (task: LeakedTaskData) => boolean
}

export interface WorkerLeakOptions extends CommonOptions {
  /** Only workers whose name equals the string (or matches the RegExp) are reported. */
  nameFilter?: string | RegExp
  /** Milliseconds to keep polling running workers before calling them leaks. Default 500. */
  grace?: number
  /** Capture where each worker was created. Default `true`. */
  creationStacks?: boolean
  /** Alias of `creationStacks` (the seed's name). */
  enableCreationTracking?: boolean
  /** Frames kept per creation stack. Default 10. */
  stackFrames?: number
  /** Default `'context'`. */
  attribution?: Attribution
  /** Skip unref'd Node.js workers and child processes (the seed's `exclude_daemon`). Default `true`. */
  excludeUnref?: boolean
  /** Workers for which it returns true are neither reported nor waited for during `grace`. */
  ignore?: (worker: LeakedWorkerData) => boolean
}

export type ResolvedAction = Exclude<Action, 'raise'>

export interface ResolvedCommonOptions {
  action: ResolvedAction
  logger: Logger
}

export interface ResolvedTaskOptions extends ResolvedCommonOptions {
  nameFilter: string | RegExp | undefined
  grace: number
  creationStacks: boolean
  /** `creationStacks: 'callback'`: timers report their callback's location instead. */
  callbackLocations: boolean
  stackFrames: number
  kinds: ReadonlySet<TaskKind>
  attribution: Attribution
  excludeUnref: boolean
  /** Called with the finding (a `LeakedTask` or `LeakedWorker`) an item would become. */
  ignore: ((finding: never) => boolean) | undefined
}

export interface ResolvedWorkerOptions extends ResolvedCommonOptions {
  nameFilter: string | RegExp | undefined
  grace: number
  creationStacks: boolean
  stackFrames: number
  attribution: Attribution
  excludeUnref: boolean
  /** Called with the finding (a `LeakedTask` or `LeakedWorker`) an item would become. */
  ignore: ((finding: never) => boolean) | undefined
}

export const DEFAULT_GRACE_MS = 100
/** A worker takes 60-200 ms to start and run even a trivial script. */
export const DEFAULT_WORKER_GRACE_MS = 500
export const DEFAULT_STACK_FRAMES = 10

const ACTIONS: readonly Action[] = ['warn', 'log', 'cancel', 'throw', 'raise']
const ATTRIBUTIONS: readonly Attribution[] = ['context', 'global']
const COMMON_KEYS = ['action', 'logger'] as const
const TASK_KEYS = [
  ...COMMON_KEYS,
  'nameFilter',
  'grace',
  'creationStacks',
  'enableCreationTracking',
  'stackFrames',
  'kinds',
  'attribution',
  'excludeUnref',
  'ignore',
] as const
const WORKER_KEYS = TASK_KEYS.filter((key) => key !== 'kinds')

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  if (value instanceof RegExp) return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** Builds the TypeError every invalid option throws: option, value, what is allowed. */
export function invalidOption(
  detector: string,
  option: string,
  value: unknown,
  allowed: string,
): TypeError {
  return new TypeError(
    `${detector}: invalid option "${option}": ${show(value)} (expected ${allowed})`,
  )
}

function readOptionsObject(
  detector: string,
  options: unknown,
  allowedKeys: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${detector}: options must be an object, got ${show(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (!allowedKeys.includes(key)) {
      throw invalidOption(
        detector,
        key,
        (options as Record<string, unknown>)[key],
        `one of the known options: ${allowedKeys.join(', ')}`,
      )
    }
  }
  return options as Record<string, unknown>
}

function readAction(detector: string, value: unknown): ResolvedAction {
  if (value === undefined) return 'warn'
  if (typeof value !== 'string' || !ACTIONS.includes(value as Action)) {
    throw invalidOption(detector, 'action', value, ACTIONS.map((a) => `'${a}'`).join(', '))
  }
  return value === 'raise' ? 'throw' : (value as ResolvedAction)
}

function readLogger(detector: string, value: unknown): Logger {
  if (value === undefined) return (globalThis as unknown as { console: Logger }).console
  if (value === null || typeof value !== 'object' || typeof (value as Logger).warn !== 'function') {
    throw invalidOption(
      detector,
      'logger',
      value,
      'an object with a warn() method, such as console',
    )
  }
  return value as Logger
}

export function readNonNegative(
  detector: string,
  option: string,
  value: unknown,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(detector, option, value, 'a finite number of milliseconds >= 0')
  }
  return value
}

function readBoolean(detector: string, option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw invalidOption(detector, option, value, 'true or false')
  return value
}

export function readCommonOptions(
  detector: string,
  options: Record<string, unknown>,
): ResolvedCommonOptions {
  return {
    action: readAction(detector, options.action),
    logger: readLogger(detector, options.logger),
  }
}

/**
 * Validates task options against the platform's kinds. Throws a TypeError naming the option,
 * the value and what is allowed.
 */
export function resolveTaskOptions(
  detector: string,
  options: unknown,
  platformKinds: readonly TaskKind[],
  defaultKinds: readonly TaskKind[],
): ResolvedTaskOptions {
  const raw = readOptionsObject(detector, options, TASK_KEYS)
  let kinds: ReadonlySet<TaskKind> = new Set(defaultKinds)
  if (raw.kinds !== undefined) {
    const allowed = platformKinds.map((k) => `'${k}'`).join(', ')
    if (!Array.isArray(raw.kinds) || raw.kinds.length === 0) {
      throw invalidOption(detector, 'kinds', raw.kinds, `a non-empty array of: ${allowed}`)
    }
    for (const kind of raw.kinds) {
      if (!platformKinds.includes(kind as TaskKind))
        throw invalidOption(detector, 'kinds', kind, `one of ${allowed}`)
    }
    kinds = new Set(raw.kinds as TaskKind[])
  }
  const { creationStacks } = raw
  if (
    creationStacks !== undefined &&
    typeof creationStacks !== 'boolean' &&
    creationStacks !== 'callback'
  ) {
    throw invalidOption(detector, 'creationStacks', creationStacks, `true, false or 'callback'`)
  }
  const callbackLocations = creationStacks === 'callback'
  const tracking = readTrackingOptions(
    detector,
    callbackLocations ? { ...raw, creationStacks: true } : raw,
    DEFAULT_GRACE_MS,
  )
  return { ...tracking, kinds, callbackLocations }
}

/** Validates worker options; throws a TypeError naming the option, the value and what is allowed. */
export function resolveWorkerOptions(detector: string, options: unknown): ResolvedWorkerOptions {
  const raw = readOptionsObject(detector, options, WORKER_KEYS)
  return readTrackingOptions(detector, raw, DEFAULT_WORKER_GRACE_MS)
}

// The options task and worker scopes share.
function readTrackingOptions(
  detector: string,
  raw: Record<string, unknown>,
  defaultGrace: number,
): ResolvedWorkerOptions {
  const nameFilter = raw.nameFilter
  if (
    nameFilter !== undefined &&
    typeof nameFilter !== 'string' &&
    !(nameFilter instanceof RegExp)
  ) {
    throw invalidOption(detector, 'nameFilter', nameFilter, 'a string (exact name) or a RegExp')
  }
  const stacks = readBoolean(detector, 'creationStacks', raw.creationStacks)
  const tracking = readBoolean(detector, 'enableCreationTracking', raw.enableCreationTracking)
  if (stacks !== undefined && tracking !== undefined && stacks !== tracking) {
    throw invalidOption(
      detector,
      'enableCreationTracking',
      tracking,
      `the same value as creationStacks (${stacks}), or leave one out`,
    )
  }
  const stackFrames = raw.stackFrames
  if (
    stackFrames !== undefined &&
    (typeof stackFrames !== 'number' ||
      !Number.isInteger(stackFrames) ||
      stackFrames < 1 ||
      stackFrames > 200)
  ) {
    throw invalidOption(detector, 'stackFrames', stackFrames, 'an integer from 1 to 200')
  }
  const ignore = raw.ignore
  if (ignore !== undefined && typeof ignore !== 'function') {
    throw invalidOption(detector, 'ignore', ignore, 'a function returning true for items to skip')
  }
  const attribution = raw.attribution ?? 'context'
  if (!ATTRIBUTIONS.includes(attribution as Attribution)) {
    throw invalidOption(detector, 'attribution', attribution, `'context' or 'global'`)
  }
  return {
    ...readCommonOptions(detector, raw),
    nameFilter,
    grace: readNonNegative(detector, 'grace', raw.grace, defaultGrace),
    creationStacks: stacks ?? tracking ?? true,
    stackFrames: (stackFrames as number | undefined) ?? DEFAULT_STACK_FRAMES,
    attribution: attribution as Attribution,
    excludeUnref: readBoolean(detector, 'excludeUnref', raw.excludeUnref) ?? true,
    ignore: ignore as ((finding: never) => boolean) | undefined,
  }
}

export function matchesName(filter: string | RegExp | undefined, name: string): boolean {
  if (filter === undefined) return true
  if (typeof filter === 'string') return filter === name
  filter.lastIndex = 0
  return filter.test(name)
}

export interface BlockingOptions extends CommonOptions {
  /** Milliseconds a synchronous stretch must last to be reported. Default 100. */
  threshold?: number
  /**
   * Milliseconds between heartbeats where a heartbeat is used (Node.js; browsers without Long
   * Animation Frames or longtask). Durations are accurate to about half of it. Default 10.
   */
  checkInterval?: number
}

export interface ResolvedBlockingOptions extends ResolvedCommonOptions {
  threshold: number
  checkInterval: number
}

export const DEFAULT_BLOCKING_THRESHOLD_MS = 100
export const DEFAULT_CHECK_INTERVAL_MS = 10
const BLOCKING_KEYS = [...COMMON_KEYS, 'threshold', 'checkInterval'] as const

/**
 * Validates blocking options; throws a TypeError naming the option, the value and what is
 * allowed. `checkInterval` must be below `threshold`, or no block could be told from a beat.
 */
export function resolveBlockingOptions(
  detector: string,
  options: unknown,
): ResolvedBlockingOptions {
  const raw = readOptionsObject(detector, options, BLOCKING_KEYS)
  const threshold = raw.threshold
  if (
    threshold !== undefined &&
    (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold <= 0)
  ) {
    throw invalidOption(detector, 'threshold', threshold, 'a finite number of milliseconds > 0')
  }
  const resolvedThreshold = (threshold as number | undefined) ?? DEFAULT_BLOCKING_THRESHOLD_MS
  const interval = raw.checkInterval
  const maxInterval = resolvedThreshold / 2
  if (
    interval !== undefined &&
    (typeof interval !== 'number' ||
      !Number.isFinite(interval) ||
      interval < 1 ||
      interval > maxInterval)
  ) {
    throw invalidOption(
      detector,
      'checkInterval',
      interval,
      `a number of milliseconds from 1 to threshold / 2 (${maxInterval})`,
    )
  }
  return {
    ...readCommonOptions(detector, raw),
    threshold: resolvedThreshold,
    checkInterval:
      (interval as number | undefined) ??
      Math.max(1, Math.min(DEFAULT_CHECK_INTERVAL_MS, resolvedThreshold / 2)),
  }
}
