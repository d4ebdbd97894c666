// Worker threads and child processes for `noWorkerLeaks`, fed by the same async_hooks init hook
// and AsyncLocalStorage context chain as the task detector (see tasks.ts).
//
// The hook sees every `new Worker(...)` however the class was imported (resource type
// `WORKER`, the native handle, with the creator's async context and stack). Two small extras
// fill in what the native handle does not carry:
// - the `worker_threads` diagnostics channel, which publishes the JS `Worker` synchronously
//   inside its constructor, just after the hook: it gives `terminate()` and the `'exit'` event;
// - while a worker scope is open, `Worker` on the module object is a Proxy of the original
//   (construct trap only; `instanceof`, `prototype`, `name`, `length` are the original's),
//   which reads the constructor's arguments: the `name` option and the script URL. Code that
//   saved the class before the scope opened bypasses it; its workers are still tracked and
//   named `'worker'`. The original is put back once no worker scope has been open for 250 ms.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import module from 'node:module'
import workerThreads from 'node:worker_threads'
import type { StackFrame, WorkerKind } from '../shared/model.js'
import type { ResolvedWorkerOptions } from '../shared/options.js'
import { LeakedWorker } from '../shared/report.js'
import { reportInternalFault } from '../shared/scope.js'
import { userFrames, type StackHolder } from '../shared/stack.js'
import {
  createWorkerDetector,
  scriptFileName,
  type PendingWorker,
  type WorkerDetector,
  type WorkerPlatform,
  type WorkerSession,
} from '../shared/workers.js'
import {
  asLeakscope,
  captureStack,
  dateNow,
  monotonicNow,
  nativeSetTimeout,
  nextTurn,
  sleep,
} from './natives.js'
import { isUserFrame, nodePlatformHooks } from './platform.js'
import {
  addHookSession,
  captureCreationStack,
  ContextBoundSession,
  ownerOf,
  removeGlobalSession,
  removeHookSession,
  TrackedResource,
  type HookSession,
  type TrackedKind,
} from './tasks.js'

const CHANNEL = 'worker_threads'
const MIN_COMPACT_AT = 256

interface WorkerLike {
  terminate(): Promise<number>
  once(event: 'exit', listener: () => void): unknown
}

interface NativeHandleLike {
  hasRef?: () => boolean | undefined
}

interface WorkerMeta {
  worker: WorkerLike | undefined
  /** Captured at the Proxy's construct trap: starts at the user's `new Worker(...)`. */
  stack: StackHolder | undefined
  name: string | undefined
  url: string | undefined
  exited: boolean
}

// What the Proxy read from the constructor call in progress.
interface ConstructorArgs {
  filename: unknown
  options: unknown
  stack: StackHolder | undefined
}

type WorkerClass = typeof workerThreads.Worker

const NativeWorker: WorkerClass = workerThreads.Worker
// JS Worker and script details, by the native handle the hook saw.
const metaOf = new WeakMap<object, WorkerMeta>()
let latestHandle: object | undefined
let constructing: ConstructorArgs | undefined
let workerSessions = 0
// The most frames any open worker scope wants (0: none wants creation stacks).
const stackFramesWanted = new Map<NodeWorkerSession, number>()
let proxy: WorkerClass | undefined
let handleSymbol: symbol | undefined

function fault(error: unknown): void {
  reportInternalFault(nodePlatformHooks, error)
}

function describeArgs(args: ConstructorArgs | undefined): { name?: string; url?: string } {
  if (args === undefined) return {}
  const options = (typeof args.options === 'object' ? args.options : undefined) as
    { name?: unknown; eval?: unknown } | undefined
  const evaluated = options?.eval === true
  const { filename } = args
  let url: string | undefined
  if (filename instanceof URL) url = filename.href
  else if (typeof filename === 'string' && !evaluated) url = filename
  const given = options?.name
  const name =
    typeof given === 'string' && given !== ''
      ? given
      : url !== undefined
        ? scriptFileName(url)
        : evaluated
          ? 'eval'
          : undefined
  return { ...(name === undefined ? {} : { name }), ...(url === undefined ? {} : { url }) }
}

// Runs inside the Worker constructor, right after the init hook saw its handle.
function onWorkerCreated(message: unknown): void {
  try {
    const handle = latestHandle
    latestHandle = undefined
    const worker = (message as { worker?: WorkerLike } | null)?.worker
    if (handle === undefined || worker === undefined) return
    handleSymbol ??= Object.getOwnPropertySymbols(worker).find(
      (symbol) => symbol.description === 'kHandle',
    )
    if (
      handleSymbol !== undefined &&
      (worker as unknown as Record<symbol, unknown>)[handleSymbol] !== handle
    )
      return
    const { name, url } = describeArgs(constructing)
    const meta: WorkerMeta = { worker, stack: constructing?.stack, name, url, exited: false }
    worker.once('exit', () => {
      meta.exited = true
    })
    metaOf.set(handle, meta)
  } catch (error) {
    fault(error)
  }
}

function makeProxy(): WorkerClass {
  const construct = (
    target: WorkerClass,
    args: unknown[],
    newTarget: (...a: never[]) => unknown,
  ): object => {
    const previous = constructing
    constructing = { filename: args[0], options: args[1], stack: captureTrapStack(construct) }
    try {
      return Reflect.construct(
        target,
        args,
        newTarget === (trap as unknown) ? target : newTarget,
      ) as object
    } finally {
      constructing = previous
    }
  }
  const trap: WorkerClass = new Proxy(NativeWorker, { construct })
  return trap
}

// The Proxy's trap sits between the init hook and the user's line, where the hook's own capture
// cannot skip it: the trap captures from its caller instead.
function captureTrapStack(trap: (...args: never[]) => unknown): StackHolder | undefined {
  let frames = 0
  for (const wanted of stackFramesWanted.values()) frames = Math.max(frames, wanted)
  return frames === 0 ? undefined : captureStack(trap, frames)
}

const moduleObject = workerThreads as unknown as { Worker: WorkerClass }

// Swapping `Worker` costs a `syncBuiltinESMExports()` (every loaded builtin's ESM facade is
// re-synced: ~100 µs in a Vitest worker), twice per scope, which was most of what a per-test
// scope cost. Scopes usually follow each other closely (one per test), so the Proxy, a
// pass-through while no scope is open, stays until no scope has been open for LINGER_MS.
const LINGER_MS = 250
let installed = false
let lastClosedAt = 0
let lingerTimer: ReturnType<typeof nativeSetTimeout> | undefined

function install(): void {
  if (installed) return
  installed = true
  subscribe(CHANNEL, onWorkerCreated)
  proxy ??= makeProxy()
  if (moduleObject.Worker === NativeWorker) {
    moduleObject.Worker = proxy
    module.syncBuiltinESMExports()
  }
}

function uninstallLater(): void {
  latestHandle = undefined
  lastClosedAt = monotonicNow()
  if (lingerTimer === undefined) scheduleUninstall(LINGER_MS)
}

function scheduleUninstall(ms: number): void {
  lingerTimer = asLeakscope(() => nativeSetTimeout(onLingerEnd, ms))
  lingerTimer.unref()
}

function onLingerEnd(): void {
  lingerTimer = undefined
  if (workerSessions > 0) return
  const left = LINGER_MS - (monotonicNow() - lastClosedAt)
  if (left > 1) scheduleUninstall(left)
  else uninstall()
}

function uninstall(): void {
  if (!installed) return
  installed = false
  unsubscribe(CHANNEL, onWorkerCreated)
  latestHandle = undefined
  // Someone replaced it after us: leave theirs (it delegates to ours, which passes through).
  if (moduleObject.Worker === proxy) {
    moduleObject.Worker = NativeWorker
    module.syncBuiltinESMExports()
  }
}

function isRunning(record: TrackedResource): boolean {
  if (record.kind === 'worker') {
    const meta = metaOf.get(record.resource)
    if (meta !== undefined) return !meta.exited
  }
  const handle = record.resource as NativeHandleLike
  // Native handles answer hasRef() while open and undefined once closed.
  return typeof handle.hasRef === 'function' && handle.hasRef() !== undefined
}

class NodeWorkerSession extends ContextBoundSession implements WorkerSession, HookSession {
  #items: TrackedResource[] = []
  #compactAt = MIN_COMPACT_AT
  #open = true
  #disposed = false
  readonly #options: ResolvedWorkerOptions

  constructor(options: ResolvedWorkerOptions) {
    super(options.attribution)
    this.#options = options
    stackFramesWanted.set(this, options.creationStacks ? options.stackFrames : 0)
    if (workerSessions++ === 0) install()
    addHookSession(this, options.attribution === 'global')
  }

  offer(
    record: TrackedResource | undefined,
    asyncId: number,
    kind: TrackedKind,
    resource: object,
  ): TrackedResource | undefined {
    if (!this.#open || (kind !== 'worker' && kind !== 'child-process')) return record
    const options = this.#options
    if (record === undefined) {
      const stack = options.creationStacks
        ? captureCreationStack(kind, resource, options.stackFrames)
        : undefined
      record = new TrackedResource(asyncId, kind, resource, dateNow(), stack, options.stackFrames)
    }
    if (kind === 'worker') latestHandle = resource
    else record.claimedByWorkers = true
    if (this.#items.push(record) > this.#compactAt) this.#compact()
    return record
  }

  #compact(): TrackedResource[] {
    this.#items = this.#items.filter(isRunning)
    this.#compactAt = Math.max(MIN_COMPACT_AT, this.#items.length * 2)
    return this.#items
  }

  close(): void {
    if (!this.#open) return
    this.#open = false
    removeGlobalSession(this)
  }

  dispose(): void {
    this.close()
    if (this.#disposed) return
    this.#disposed = true
    this.#items = []
    stackFramesWanted.delete(this)
    removeHookSession(this)
    if (--workerSessions === 0) uninstallLater()
  }

  pending(): readonly PendingWorker[] {
    return this.#compact().map((record) => new NodePendingWorker(record))
  }
}

function childProcessName(owner: Record<string, unknown> | undefined): string {
  const file = owner?.spawnfile
  return typeof file === 'string' ? (scriptFileName(file) ?? file) : 'child-process'
}

class NodePendingWorker implements PendingWorker {
  readonly name: string
  readonly unref: boolean
  readonly #record: TrackedResource
  readonly #url: string | undefined

  constructor(record: TrackedResource) {
    this.#record = record
    const handle = record.resource as NativeHandleLike
    this.unref = typeof handle.hasRef === 'function' && handle.hasRef() === false
    if (record.kind === 'worker') {
      const meta = metaOf.get(record.resource)
      this.name = meta?.name ?? 'worker'
      this.#url = meta?.url
    } else {
      this.name = childProcessName(ownerOf(record.resource))
      this.#url = undefined
    }
  }

  get key(): object {
    return this.#record
  }

  toLeakedWorker(): LeakedWorker {
    const record = this.#record
    const url = this.#url
    return new LeakedWorker(
      {
        id: record.asyncId,
        kind: record.kind as WorkerKind,
        name: this.name,
        ...(url === undefined ? {} : { url }),
        createdAt: record.createdAt,
        ...(record.stack === undefined ? {} : { creationStack: creationFrames(record) }),
      },
      terminatorFor(record),
    )
  }
}

function creationFrames(record: TrackedResource): StackFrame[] {
  if (record.stack === undefined) return []
  const trapStack = record.kind === 'worker' ? metaOf.get(record.resource)?.stack : undefined
  return userFrames(trapStack ?? record.stack, isUserFrame).slice(0, record.stackFrames)
}

function terminatorFor(record: TrackedResource): (() => void) | undefined {
  if (record.kind === 'worker') {
    const worker = metaOf.get(record.resource)?.worker
    if (worker === undefined) return undefined
    return () => {
      worker.terminate().catch(fault)
    }
  }
  const owner = ownerOf(record.resource)
  const kill = owner?.kill
  if (typeof kill !== 'function') return undefined
  return () => {
    ;(kill as () => void).call(owner)
  }
}

const nodeWorkerPlatform: WorkerPlatform = {
  ...nodePlatformHooks,
  open: (options) => new NodeWorkerSession(options),
  sleep,
  turn: nextTurn,
  now: monotonicNow,
}

/** Opens a worker-leak scope (worker threads and child processes). Alias: `noThreadLeaks`. */
export const noWorkerLeaks: WorkerDetector = createWorkerDetector(nodeWorkerPlatform)
