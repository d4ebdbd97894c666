// Options of the `leakscope` test option and of the matchers, validated: a bad value names itself.
import type { BrowserTaskKind } from 'leakscope'
import type { ItemFilters } from './checks.js'

/**
 * `test.use({ leakscope: { ... } })`: check the whole test once it has passed. What counts: in
 * every page of the test's context still open at the end, what each document created after its
 * `load` event and still has pending after `grace` ms, and the workers still running.
 */
export interface LeakscopeTestOptions {
  /** Milliseconds the pages get to finish their cleanup before the check (default 250). */
  grace?: number
  /** Only items whose name matches are reported (a string matches exactly). */
  nameFilter?: string | RegExp
  /** Task kinds reported (default: every kind the agent tracks). */
  kinds?: BrowserTaskKind[]
  /** Report workers still running (default true). */
  workers?: boolean
  /**
   * Also fail on Long Animation Frames longer than `threshold` ms (default 100) in any document
   * of the test, including documents that are gone. Off by default.
   */
  blocking?: boolean | { threshold?: number }
  /**
   * Resolve the frames of a report through the page's source maps before it is shown (default
   * true): each frame then names its original file, line and column. `false`: the generated
   * location, as the browser ran it.
   */
  sourceMaps?: boolean
}

/** Options of `expect(page).toHaveNoLeaks(options)`. */
export interface PageLeakOptions {
  /** Milliseconds the page gets to finish its cleanup before the check (default 0). */
  grace?: number
  nameFilter?: string | RegExp
  kinds?: BrowserTaskKind[]
  workers?: boolean
  /** Resolve frames through the page's source maps (default true). */
  sourceMaps?: boolean
}

/** Options of `toHaveNoLongTasks`. */
export interface LongTaskOptions {
  /** Frames longer than this many ms fail the check (default 100, or the scope's threshold). */
  threshold?: number
  /** Resolve each frame's source through the page's source maps (default true). */
  sourceMaps?: boolean
}

export interface ResolvedTestOptions {
  grace: number
  filters: ItemFilters
  blocking: number | undefined
  sourceMaps: boolean
}

const BROWSER_KINDS: readonly BrowserTaskKind[] = [
  'timeout',
  'interval',
  'animation-frame',
  'idle-callback',
  'listener',
  'observer',
  'websocket',
  'event-source',
  'broadcast-channel',
  'message-port',
  'rtc-peer-connection',
  'fetch',
  'xhr',
  'media-stream',
  'geolocation-watch',
  'indexeddb',
  'promise',
]

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}

function fail(where: string, option: string, value: unknown, allowed: string): never {
  throw new TypeError(`${where}: option "${option}" is ${describe(value)}; expected ${allowed}`)
}

function record(where: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: expected an options object, got ${describe(value)}`)
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new TypeError(
        `${where}: unknown option "${key}"; the options are ${keys.map((k) => `"${k}"`).join(', ')}`,
      )
    }
  }
  return value as Record<string, unknown>
}

function ms(where: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(where, option, value, 'a number of milliseconds >= 0')
  }
  return value
}

function filtersFrom(where: string, options: Record<string, unknown>): ItemFilters {
  const filters: ItemFilters = {}
  const { nameFilter, kinds, workers } = options
  if (nameFilter !== undefined) {
    if (typeof nameFilter !== 'string' && !(nameFilter instanceof RegExp)) {
      fail(where, 'nameFilter', nameFilter, 'a string (exact name) or a RegExp')
    }
    filters.nameFilter = nameFilter
  }
  if (kinds !== undefined) {
    if (
      !Array.isArray(kinds) ||
      kinds.some((kind) => !BROWSER_KINDS.includes(kind as BrowserTaskKind))
    ) {
      fail(where, 'kinds', kinds, `an array of ${BROWSER_KINDS.map((k) => `'${k}'`).join(', ')}`)
    }
    filters.kinds = kinds as BrowserTaskKind[]
  }
  if (workers !== undefined) {
    if (typeof workers !== 'boolean') fail(where, 'workers', workers, 'true or false')
    filters.workers = workers
  }
  return filters
}

function sourceMapsFrom(where: string, value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean') fail(where, 'sourceMaps', value, 'true or false')
  return value
}

function blockingFrom(where: string, value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return 100
  const options = record(`${where} blocking`, value, ['threshold'])
  return ms(where, 'blocking.threshold', options.threshold, 100)
}

/** Validates the `leakscope` test option; `undefined` and `false` turn the check off. */
export function resolveTestOptions(value: unknown): ResolvedTestOptions | undefined {
  const where = 'test.use({ leakscope })'
  if (value === undefined || value === false) return undefined
  if (value === true) return { grace: 250, filters: {}, blocking: undefined, sourceMaps: true }
  const options = record(where, value, [
    'grace',
    'nameFilter',
    'kinds',
    'workers',
    'blocking',
    'sourceMaps',
  ])
  return {
    grace: ms(where, 'grace', options.grace, 250),
    filters: filtersFrom(where, options),
    blocking: blockingFrom(where, options.blocking),
    sourceMaps: sourceMapsFrom(where, options.sourceMaps),
  }
}

/** Validates `leakscope.start(page, options)`. */
export function checkStartOptions(value: unknown): void {
  const where = 'leakscope.start(page, options)'
  if (value === undefined) return
  const options = record(where, value, [
    'grace',
    'nameFilter',
    'kinds',
    'workers',
    'creationStacks',
    'stackFrames',
    'blocking',
    'sourceMaps',
  ])
  ms(where, 'grace', options.grace, 0)
  filtersFrom(where, options)
  blockingFrom(where, options.blocking)
  sourceMapsFrom(where, options.sourceMaps)
  if (options.creationStacks !== undefined && typeof options.creationStacks !== 'boolean') {
    fail(where, 'creationStacks', options.creationStacks, 'true or false')
  }
  const frames = options.stackFrames
  if (
    frames !== undefined &&
    (typeof frames !== 'number' || !Number.isInteger(frames) || frames < 1)
  ) {
    fail(where, 'stackFrames', frames, 'an integer >= 1')
  }
}

/** Validates `expect(page).toHaveNoLeaks(options)`. */
export function resolvePageOptions(value: unknown): {
  grace: number
  filters: ItemFilters
  sourceMaps: boolean
} {
  const where = 'toHaveNoLeaks(options)'
  if (value === undefined) return { grace: 0, filters: {}, sourceMaps: true }
  const options = record(where, value, ['grace', 'nameFilter', 'kinds', 'workers', 'sourceMaps'])
  return {
    grace: ms(where, 'grace', options.grace, 0),
    filters: filtersFrom(where, options),
    sourceMaps: sourceMapsFrom(where, options.sourceMaps),
  }
}

/**
 * Validates `toHaveNoLongTasks(options)`: the threshold and sourceMaps, each undefined when not
 * given (a scope's own options then apply).
 */
export function resolveLongTaskOptions(value: unknown): {
  threshold: number | undefined
  sourceMaps: boolean | undefined
} {
  const where = 'toHaveNoLongTasks(options)'
  if (value === undefined) return { threshold: undefined, sourceMaps: undefined }
  const options = record(where, value, ['threshold', 'sourceMaps'])
  return {
    threshold:
      options.threshold === undefined ? undefined : ms(where, 'threshold', options.threshold, 0),
    sourceMaps:
      options.sourceMaps === undefined ? undefined : sourceMapsFrom(where, options.sourceMaps),
  }
}
