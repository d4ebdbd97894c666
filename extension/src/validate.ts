// Hand-written validators for everything that comes from a page. The page is untrusted: a
// message may have any shape, any size, and may be posted by the page's own scripts rather than
// by the shim. Each validator rebuilds the value from the fields it knows (extra fields, odd
// prototypes and `__proto__` keys never travel on), truncates long strings, rejects wrong types
// and anything over the size limits, and charges every string and number to a per-message byte
// budget. They return `undefined` for anything invalid: the caller drops the message.
import type {
  AgentBatch,
  AgentScopeReport,
  BrowserTaskKind,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  StackFrame,
} from './agent-protocol.js'
import type { LeakedWorkerData, LoafScriptAttribution, TaskState, WorkerKind } from 'leakscope'
import type {
  AgentHello,
  ControlMessage,
  FrameLocation,
  FromPanel,
  OriginalLocation,
  PageMessage,
  RelayResolved,
  ResolvedLocation,
} from './bridge.js'

export const LIMITS = {
  /** Approximate bytes of one message (strings at 2 bytes a character, 8 per number). */
  messageBytes: 2_000_000,
  /** Items in one batch's `added` (the shim asks the agent for fewer). */
  batchItems: 1000,
  /** Ids in one batch's `removed`. */
  removedIds: 20_000,
  /** Frames in one stack. */
  stackFrames: 64,
  longFrames: 200,
  reports: 50,
  /** Tasks, workers or blocks in one report. */
  reportItems: 2000,
  attribution: 32,
  countKinds: 64,
  /** Longer strings are cut to this many characters (and end with '…'). */
  string: 2048,
  /** Locations in one `resolve-frames` request or answer. */
  resolveFrames: 64,
  /** Longest URL a location to resolve (or its original) may have: longer ones are refused. */
  locationUrl: 4096,
} as const

class Budget {
  bytes = 0
  constructor(readonly max: number) {}
  charge(bytes: number): boolean {
    this.bytes += bytes
    return this.bytes <= this.max
  }
}

type Obj = Record<string, unknown>

const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function str(value: unknown, budget: Budget, max: number = LIMITS.string): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.length > max ? `${value.slice(0, max - 1)}…` : value
  return budget.charge(text.length * 2 + 8) ? text : undefined
}

function num(value: unknown, budget: Budget): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  return budget.charge(8) ? value : undefined
}

function int(value: unknown, budget: Budget, min = 0): number | undefined {
  const n = num(value, budget)
  return n !== undefined && Number.isSafeInteger(n) && n >= min ? n : undefined
}

function nonNegative(value: unknown, budget: Budget): number | undefined {
  const n = num(value, budget)
  return n !== undefined && n >= 0 ? n : undefined
}

/** A list of at most `max` valid items; one invalid item invalidates the list. */
function list<T>(
  value: unknown,
  max: number,
  item: (value: unknown, budget: Budget) => T | undefined,
  budget: Budget,
): T[] | undefined {
  if (!Array.isArray(value) || value.length > max) return undefined
  const out: T[] = []
  for (let i = 0; i < value.length; i++) {
    const valid = item(value[i], budget)
    if (valid === undefined) return undefined
    out.push(valid)
  }
  return out
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return allowed.includes(value as T) ? (value as T) : undefined
}

const KIND = /^[a-z][a-z-]{0,31}$/
const TASK_STATES: readonly TaskState[] = ['scheduled', 'repeating', 'open', 'in-flight', 'pending']
const WORKER_KINDS: readonly WorkerKind[] = ['worker', 'shared-worker', 'child-process']

function stackFrame(value: unknown, budget: Budget): StackFrame | undefined {
  if (!isObject(value)) return undefined
  const functionName = str(value.functionName, budget)
  const url = str(value.url, budget)
  const line = int(value.line, budget)
  const column = int(value.column, budget)
  if (functionName === undefined || url === undefined || line === undefined) return undefined
  if (column === undefined) return undefined
  return { functionName, url, line, column }
}

function stack(value: unknown, budget: Budget): StackFrame[] | undefined {
  return list(value, LIMITS.stackFrames, stackFrame, budget)
}

/** Adds `key: value` when the field is present, and fails when it is present but invalid. */
function optional<T>(
  target: Obj,
  source: Obj,
  key: string,
  check: (value: unknown, budget: Budget) => T | undefined,
  budget: Budget,
): boolean {
  if (source[key] === undefined) return true
  const value = check(source[key], budget)
  if (value === undefined) return false
  target[key] = value
  return true
}

export function leakedTask(value: unknown, budget: Budget): LeakedTaskData | undefined {
  if (!isObject(value)) return undefined
  const id = int(value.id, budget)
  const kind = str(value.kind, budget, 32)
  const name = str(value.name, budget)
  const state = oneOf(value.state, TASK_STATES)
  const createdAt = num(value.createdAt, budget)
  if (id === undefined || kind === undefined || !KIND.test(kind) || name === undefined) {
    return undefined
  }
  if (state === undefined || createdAt === undefined) return undefined
  // Kinds are checked by pattern, not against today's list: a newer agent may add kinds.
  const task = { id, kind, name, state, createdAt } as LeakedTaskData
  const ok =
    optional(task as unknown as Obj, value, 'unref', bool, budget) &&
    optional(task as unknown as Obj, value, 'detail', str, budget) &&
    optional(task as unknown as Obj, value, 'creationStack', stack, budget) &&
    optional(task as unknown as Obj, value, 'stackOrigin', (v) => oneOf(v, ['callback']), budget)
  return ok ? task : undefined
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined
}

function leakedWorker(value: unknown, budget: Budget): LeakedWorkerData | undefined {
  if (!isObject(value)) return undefined
  const id = int(value.id, budget)
  const kind = oneOf(value.kind, WORKER_KINDS)
  const name = str(value.name, budget)
  const createdAt = num(value.createdAt, budget)
  if (id === undefined || kind === undefined || name === undefined || createdAt === undefined) {
    return undefined
  }
  const worker: LeakedWorkerData = { id, kind, name, createdAt }
  const ok =
    optional(worker as unknown as Obj, value, 'url', str, budget) &&
    optional(worker as unknown as Obj, value, 'creationStack', stack, budget)
  return ok ? worker : undefined
}

function attribution(value: unknown, budget: Budget): LoafScriptAttribution | undefined {
  if (!isObject(value)) return undefined
  const invoker = str(value.invoker, budget)
  const invokerType = str(value.invokerType, budget)
  const sourceURL = str(value.sourceURL, budget)
  const sourceFunctionName = str(value.sourceFunctionName, budget)
  const duration = nonNegative(value.duration, budget)
  if (invoker === undefined || invokerType === undefined || sourceURL === undefined) {
    return undefined
  }
  if (sourceFunctionName === undefined || duration === undefined) return undefined
  const out: LoafScriptAttribution = {
    invoker,
    invokerType,
    sourceURL,
    sourceFunctionName,
    duration,
  }
  const ok =
    optional(out as unknown as Obj, value, 'line', int, budget) &&
    optional(out as unknown as Obj, value, 'column', int, budget)
  return ok ? out : undefined
}

function source(value: unknown, budget: Budget): EventLoopBlockData['source'] {
  if (!isObject(value)) return undefined
  const url = str(value.url, budget)
  const line = int(value.line, budget)
  const column = int(value.column, budget)
  const functionName = str(value.functionName, budget)
  if (url === undefined || line === undefined || column === undefined) return undefined
  if (functionName === undefined) return undefined
  return { url, line, column, functionName }
}

export function block(value: unknown, budget: Budget): EventLoopBlockData | undefined {
  if (!isObject(value)) return undefined
  const id = int(value.id, budget)
  const duration = nonNegative(value.duration, budget)
  const threshold = nonNegative(value.threshold, budget)
  const startTime = num(value.startTime, budget)
  if (id === undefined || duration === undefined || threshold === undefined) return undefined
  if (startTime === undefined) return undefined
  const out: EventLoopBlockData = { id, duration, threshold, startTime }
  const o = out as unknown as Obj
  const ok =
    optional(o, value, 'blockingStack', stack, budget) &&
    optional(o, value, 'source', source, budget) &&
    optional(
      o,
      value,
      'attribution',
      (v, b) => list(v, LIMITS.attribution, attribution, b),
      budget,
    ) &&
    optional(o, value, 'note', str, budget)
  return ok ? out : undefined
}

function report(value: unknown, budget: Budget): LeakReportData | undefined {
  if (!isObject(value) || value.version !== 1) return undefined
  const detector = oneOf(value.detector, ['tasks', 'workers', 'blocking'] as const)
  const tasks = list(value.tasks, LIMITS.reportItems, leakedTask, budget)
  const workers = list(value.workers, LIMITS.reportItems, leakedWorker, budget)
  // `blocks` is optional on the wire (a scope opened without blocking may leave it out).
  const blocks =
    value.blocks === undefined ? [] : list(value.blocks, LIMITS.reportItems, block, budget)
  if (detector === undefined || tasks === undefined || workers === undefined) return undefined
  if (blocks === undefined) return undefined
  return { version: 1, detector, tasks, workers, blocks }
}

function scopeReport(value: unknown, budget: Budget): AgentScopeReport | undefined {
  if (!isObject(value)) return undefined
  const scopeId = int(value.scopeId, budget)
  const origin = oneOf(value.origin, ['agent', 'app'] as const)
  const url = str(value.url, budget)
  const data = report(value.report, budget)
  if (scopeId === undefined || origin === undefined || url === undefined || data === undefined) {
    return undefined
  }
  const out: AgentScopeReport = { scopeId, origin, url, report: data }
  return optional(out as unknown as Obj, value, 'label', str, budget) ? out : undefined
}

function kindOf(value: unknown, budget: Budget): BrowserTaskKind | undefined {
  const kind = str(value, budget, 32)
  return kind !== undefined && KIND.test(kind) ? (kind as BrowserTaskKind) : undefined
}

function removedItem(
  value: unknown,
  budget: Budget,
): { kind: BrowserTaskKind; id: number } | undefined {
  if (!isObject(value)) return undefined
  const kind = kindOf(value.kind, budget)
  const id = int(value.id, budget)
  return kind === undefined || id === undefined ? undefined : { kind, id }
}

function counts(value: unknown, budget: Budget): Record<string, number> | undefined {
  if (!isObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length > LIMITS.countKinds) return undefined
  // No prototype: a kind named `__proto__` or `constructor` stays a plain key.
  const out = Object.create(null) as Record<string, number>
  for (const key of keys) {
    if (!KIND.test(key)) return undefined
    const count = int(value[key], budget)
    if (count === undefined || !budget.charge(key.length * 2)) return undefined
    out[key] = count
  }
  return out
}

export function agentBatch(value: unknown, budget: Budget): AgentBatch | undefined {
  if (!isObject(value)) return undefined
  const seq = int(value.seq, budget, 1)
  const time = num(value.time, budget)
  const byKind = counts(value.counts, budget)
  const added = list(value.added, LIMITS.batchItems, leakedTask, budget)
  const removed = list(value.removed, LIMITS.removedIds, removedItem, budget)
  const truncated = int(value.truncated, budget)
  const longFrames = list(value.longFrames, LIMITS.longFrames, block, budget)
  const reports = list(value.reports, LIMITS.reports, scopeReport, budget)
  if (seq === undefined || time === undefined || byKind === undefined) return undefined
  if (added === undefined || removed === undefined || truncated === undefined) return undefined
  if (longFrames === undefined || reports === undefined) return undefined
  return { seq, time, counts: byKind, added, removed, truncated, longFrames, reports }
}

function hello(value: unknown, budget: Budget): AgentHello | undefined {
  if (!isObject(value)) return undefined
  const protocol = int(value.protocol, budget, 1)
  const version = str(value.version, budget, 64)
  const url = str(value.url, budget)
  if (protocol === undefined || version === undefined || url === undefined) return undefined
  const out: AgentHello = { protocol, version, url }
  return optional(out as unknown as Obj, value, 'recording', int, budget) ? out : undefined
}

/** Validates a page message's `type` and `payload` (the envelope's tag is checked by the caller). */
export function pageMessage(
  value: unknown,
  maxBytes: number = LIMITS.messageBytes,
): { message: PageMessage; bytes: number } | undefined {
  if (!isObject(value)) return undefined
  const budget = new Budget(maxBytes)
  const payload = value.payload
  let message: PageMessage | undefined
  switch (value.type) {
    case 'hello': {
      const valid = hello(payload, budget)
      if (valid !== undefined) message = { type: 'hello', payload: valid }
      break
    }
    case 'batch': {
      const valid = agentBatch(payload, budget)
      if (valid !== undefined) message = { type: 'batch', payload: valid }
      break
    }
    case 'recording': {
      if (!isObject(payload)) break
      const state = oneOf(payload.state, ['started', 'stopped'] as const)
      const scopeId = int(payload.scopeId, budget)
      if (state !== undefined && scopeId !== undefined) {
        message = { type: 'recording', payload: { state, scopeId } }
      }
      break
    }
    case 'error': {
      if (!isObject(payload)) break
      const text = str(payload.message, budget, 1000)
      if (text !== undefined) message = { type: 'error', payload: { message: text } }
      break
    }
  }
  return message === undefined ? undefined : { message, bytes: budget.bytes }
}

/** Control messages the worker sends a relay (from a trusted extension context, still checked). */
export function controlMessage(value: unknown): ControlMessage | undefined {
  if (!isObject(value)) return undefined
  switch (value.type) {
    case 'subscribe':
    case 'unsubscribe':
    case 'record-start':
    case 'record-stop':
      return { type: value.type }
    case 'cancel': {
      if (!Number.isSafeInteger(value.id)) return undefined
      const kind = kindOf(value.kind, new Budget(64))
      if (value.kind !== undefined && kind === undefined) return undefined
      return { type: 'cancel', id: value.id as number, ...(kind === undefined ? {} : { kind }) }
    }
  }
  return undefined
}

function location(value: unknown, budget: Budget): FrameLocation | undefined {
  if (!isObject(value)) return undefined
  // URLs are not truncated: a cut URL would name another file.
  const url =
    typeof value.url === 'string' && value.url.length <= LIMITS.locationUrl
      ? str(value.url, budget, LIMITS.locationUrl)
      : undefined
  const line = int(value.line, budget, 1)
  const column = int(value.column, budget, 1)
  if (url === undefined || line === undefined || column === undefined) return undefined
  return { url, line, column }
}

/** The locations of a `resolve-frames` (panel -> worker -> relay); undefined when invalid. */
export function frameLocations(value: unknown): FrameLocation[] | undefined {
  return list(value, LIMITS.resolveFrames, location, new Budget(LIMITS.messageBytes))
}

function resolvedLocation(value: unknown, budget: Budget): ResolvedLocation | undefined {
  const generated = location(value, budget)
  if (generated === undefined || !isObject(value)) return undefined
  if (value.original === undefined) return generated
  const original = location(value.original, budget) as OriginalLocation | undefined
  if (original === undefined || !isObject(value.original)) return undefined
  if (value.original.name !== undefined) {
    const name = str(value.original.name, budget, 300)
    if (name === undefined) return undefined
    original.name = name
  }
  return { ...generated, original }
}

/** The relay's answer to a `resolve-frames` (checked again by the worker); undefined if invalid. */
export function relayResolved(value: unknown): RelayResolved | undefined {
  if (!isObject(value) || value.type !== 'resolved-frames' || !isObject(value.payload)) {
    return undefined
  }
  const budget = new Budget(LIMITS.messageBytes)
  const frames = list(value.payload.frames, LIMITS.resolveFrames, resolvedLocation, budget)
  return frames === undefined ? undefined : { type: 'resolved-frames', payload: { frames } }
}

export function fromPanel(value: unknown): FromPanel | undefined {
  if (!isObject(value)) return undefined
  switch (value.type) {
    case 'resolve-frames': {
      const frames = frameLocations(value.frames)
      return frames === undefined ? undefined : { type: 'resolve-frames', frames }
    }
    case 'record-start':
    case 'record-stop':
      return { type: value.type }
    case 'cancel': {
      if (!Number.isSafeInteger(value.frameId) || !Number.isSafeInteger(value.id)) return undefined
      const kind = kindOf(value.kind, new Budget(64))
      if (value.kind !== undefined && kind === undefined) return undefined
      return {
        type: 'cancel',
        frameId: value.frameId as number,
        id: value.id as number,
        ...(kind === undefined ? {} : { kind }),
      }
    }
  }
  return undefined
}
