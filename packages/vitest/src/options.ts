// Plugin options and per-test meta: types, validation, serialisation and the field-by-field
// merge (per-test meta > plugin options > defaults). Platform-neutral: the setup file imports it
// in Node workers and in the browser.
import type { TaskLeakOptions, WorkerLeakOptions } from 'leakscope'

/** What the plugin does with a test's findings. `'raise'` is an alias of `'throw'`. */
export type LeakscopeAction = 'throw' | 'raise' | 'warn' | 'cancel'

/** Task-detector options the plugin passes through (the plugin owns `action` and `logger`). */
export type VitestTaskOptions = Omit<TaskLeakOptions, 'action' | 'logger'>
/** Worker-detector options the plugin passes through. */
export type VitestWorkerOptions = Omit<WorkerLeakOptions, 'action' | 'logger'>
/**
 * Event-loop blocking options, passed to `noEventLoopBlocking` when the installed `leakscope`
 * exports it (`threshold` in ms, default 100; `checkInterval` in ms).
 */
export interface VitestBlockingOptions {
  threshold?: number
  checkInterval?: number
  [option: string]: unknown
}

/** `leakscope(options)`: which detectors wrap every test, and what a finding does. */
export interface LeakscopePluginOptions {
  /** Task leaks (timers, handles, sockets …). Default `true`. */
  tasks?: boolean | VitestTaskOptions
  /** Worker and child-process leaks. Default `true`. */
  workers?: boolean | VitestWorkerOptions
  /** Event-loop blocking, when the core provides `noEventLoopBlocking`. Default `false`. */
  blocking?: boolean | VitestBlockingOptions
  /**
   * `'throw'` (default, alias `'raise'`): fail the test. `'warn'`: report (console and JSON
   * artifact) without failing. `'cancel'`: report like `'warn'`, then stop what leaked.
   */
  action?: LeakscopeAction
}

/** Per-test control: `test('x', { meta: { leakscope: { … } } }, fn)`. */
export interface LeakscopeTestMeta extends LeakscopePluginOptions {
  /** Opt this test out of every check; the reason is required and shown in the summary. */
  skip?: string
}

export const PROVIDE_KEY = '@leakscope/vitest'

export type DetectorKey = 'tasks' | 'workers' | 'blocking'
export const DETECTOR_KEYS: readonly DetectorKey[] = ['tasks', 'workers', 'blocking']
const ACTIONS: readonly LeakscopeAction[] = ['throw', 'raise', 'warn', 'cancel']
const PLUGIN_KEYS: readonly string[] = [...DETECTOR_KEYS, 'action']
const META_KEYS: readonly string[] = [...PLUGIN_KEYS, 'skip']
export const DEFAULT_ENABLED: Readonly<Record<DetectorKey, boolean>> = {
  tasks: true,
  workers: true,
  blocking: false,
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (value instanceof RegExp) return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof RegExp)
  )
}

/** The error every invalid plugin option or meta value throws: where, which field, what is allowed. */
export function configError(
  where: string,
  field: string,
  value: unknown,
  allowed: string,
): TypeError {
  return new TypeError(
    `@leakscope/vitest: invalid "${field}" in ${where}: ${show(value)} (expected ${allowed})`,
  )
}

/**
 * Checks the shape (keys, action, detector switches). Option values inside a detector's object
 * are checked by the detector itself (see `detectorOptionError`). `where` names the source,
 * e.g. `leakscope() plugin options` or `meta.leakscope of test "adds"`.
 */
export function validateShape(value: unknown, where: string, isMeta: boolean): void {
  if (value === undefined) return
  if (!isPlainObject(value)) {
    throw new TypeError(
      `@leakscope/vitest: ${where} must be an object${isMeta ? '' : ' (or nothing)'}, got ${show(value)}`,
    )
  }
  const keys = isMeta ? META_KEYS : PLUGIN_KEYS
  for (const [key, field] of Object.entries(value)) {
    if (!keys.includes(key)) {
      throw configError(where, key, field, `one of the known options: ${keys.join(', ')}`)
    }
    if (key === 'action') {
      if (!ACTIONS.includes(field as LeakscopeAction)) {
        throw configError(where, key, field, ACTIONS.map((a) => `'${a}'`).join(', '))
      }
    } else if (key === 'skip') {
      if (typeof field !== 'string' || field.trim() === '') {
        throw configError(where, key, field, 'a non-empty string giving the reason for opting out')
      }
    } else if (field !== undefined && typeof field !== 'boolean' && !isPlainObject(field)) {
      throw configError(where, key, field, 'true, false or an options object')
    }
  }
}

/** Rewraps a detector's own TypeError so it names where the bad value came from. */
export function detectorOptionError(where: string, key: DetectorKey, error: unknown): TypeError {
  const message = error instanceof Error ? error.message : String(error)
  return new TypeError(`@leakscope/vitest: invalid "${key}" in ${where}: ${message}`)
}

// ---- serialisation (options travel to the test runtime through Vitest's `provide`) ----------

interface SerializedRegExp {
  $leakscopeRegExp: [source: string, flags: string]
}

export type Serialized = Record<string, unknown>

function encode(value: unknown): unknown {
  if (value instanceof RegExp) return { $leakscopeRegExp: [value.source, value.flags] }
  if (Array.isArray(value)) return value.map(encode)
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]))
  }
  return value
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode)
  if (isPlainObject(value)) {
    const regexp = (value as Partial<SerializedRegExp>).$leakscopeRegExp
    if (Array.isArray(regexp)) return new RegExp(regexp[0], regexp[1])
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]))
  }
  return value
}

/** Plugin options as structured-clone-safe data (RegExps encoded). */
export function serializeOptions(options: LeakscopePluginOptions): Serialized {
  return encode(options) as Serialized
}

export function deserializeOptions(data: unknown): LeakscopePluginOptions {
  return (decode(data) ?? {}) as LeakscopePluginOptions
}

// ---- merge ---------------------------------------------------------------------------------

export interface ResolvedDetector {
  enabled: boolean
  options: Record<string, unknown>
}

export interface ResolvedTestConfig {
  action: Exclude<LeakscopeAction, 'raise'>
  /** Set when the test opted out (the reason). */
  skip: string | undefined
  tasks: ResolvedDetector
  workers: ResolvedDetector
  blocking: ResolvedDetector
}

function resolveDetector(
  key: DetectorKey,
  plugin: LeakscopePluginOptions[DetectorKey],
  meta: LeakscopePluginOptions[DetectorKey],
): ResolvedDetector {
  let enabled = DEFAULT_ENABLED[key]
  let options: Record<string, unknown> = {}
  if (plugin !== undefined) {
    enabled = plugin !== false
    if (typeof plugin === 'object') options = { ...plugin }
  }
  if (meta !== undefined) {
    enabled = meta !== false
    // Field by field: meta's fields replace the plugin's, the rest are kept.
    if (typeof meta === 'object') options = { ...options, ...meta }
  }
  return { enabled, options }
}

/** Per-test meta > plugin options > defaults, field by field. Both inputs already validated. */
export function resolveTestConfig(
  plugin: LeakscopePluginOptions,
  meta: LeakscopeTestMeta | undefined,
): ResolvedTestConfig {
  const action = meta?.action ?? plugin.action ?? 'throw'
  return {
    action: action === 'raise' ? 'throw' : action,
    skip: meta?.skip,
    tasks: resolveDetector('tasks', plugin.tasks, meta?.tasks),
    workers: resolveDetector('workers', plugin.workers, meta?.workers),
    blocking: resolveDetector('blocking', plugin.blocking, meta?.blocking),
  }
}
