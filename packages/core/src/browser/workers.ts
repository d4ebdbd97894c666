// `Worker` and `SharedWorker` for `noWorkerLeaks`. While a worker scope is open, leakscope
// replaces the two constructors on globalThis with Proxies of the originals (construct trap
// only, so `instanceof`, `prototype`, `name` and `length` are the originals'), and wraps
// `Worker.prototype.terminate` and `MessagePort.prototype.close` to see workers end. The last
// scope to end puts back exactly what it replaced (unless someone replaced it meanwhile).
//
// A Worker ends when the page calls `terminate()`. A SharedWorker is "closed" for the page when
// the page closes its connection, `sharedWorker.port.close()`: the shared worker itself may live
// on for other pages, which is not this page's leak. A worker whose script failed to load or
// parse as a module never ran: the page gets a plain `error` Event (an error thrown by a running
// worker comes as an ErrorEvent, and that worker lives on). A worker that ends itself
// (`self.close()`) cannot be observed from the page without messaging, so it is still reported.
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
import { ContextBoundSession, currentContext, type ContextOwner } from './context.js'
import { ownAddEventListener } from './listeners.js'
import { captureStackTrace, dateNow, errorConstructor, perfNow, sleep } from './natives.js'
import { browserPlatformHooks, isUserFrame } from './platform.js'
import { mayInstallOver, type Displaceable } from './track.js'

type AnyFunction = (...args: never[]) => unknown
type Constructor = new (...args: never[]) => object

interface WorkerGlobals {
  Worker?: Constructor
  SharedWorker?: Constructor
  MessagePort?: Constructor
  ErrorEvent?: Constructor
  location?: { href: string }
}

const globals = globalThis as unknown as WorkerGlobals
const OWN_FRAMES_MARGIN = 3

interface TerminateTarget {
  terminate(): void
}
interface PortTarget {
  close(): void
}

class TrackedWorker {
  closed = false
  readonly owners: Set<BrowserWorkerSession> = new Set()
  readonly serial: number = ++serial

  constructor(
    readonly kind: WorkerKind,
    readonly name: string,
    readonly url: string | undefined,
    readonly createdAt: number,
    readonly stack: StackHolder | undefined,
    readonly stop: () => void,
  ) {}

  end(): void {
    if (this.closed) return
    this.closed = true
    for (const owner of this.owners) owner.items.delete(this)
  }
}

let serial = 0
const byTarget = new WeakMap<object, TrackedWorker>()
const openSessions = new Set<BrowserWorkerSession>()
const globalSessions: BrowserWorkerSession[] = []

function fault(error: unknown): void {
  reportInternalFault(browserPlatformHooks, error)
}

// A method patch on a prototype: delegates to what it replaced.
interface MethodPatch extends Displaceable {
  readonly prototype: Record<string, unknown>
  readonly key: string
  readonly patched: AnyFunction
  original: AnyFunction
}

interface GlobalPatch {
  readonly key: 'Worker' | 'SharedWorker'
  readonly original: Constructor
  readonly patched: Constructor
}

const globalPatches: GlobalPatch[] = []
const methodPatches: MethodPatch[] = []

function resolveUrl(value: unknown): string | undefined {
  try {
    return new URL(String(value), globals.location?.href).href
  } catch {
    return typeof value === 'string' ? value : undefined
  }
}

function workerName(kind: WorkerKind, args: readonly unknown[]): string {
  const options = args[1]
  const given =
    typeof options === 'string'
      ? options
      : typeof options === 'object' && options !== null
        ? (options as { name?: unknown }).name
        : undefined
  if (typeof given === 'string' && given !== '') return given
  const url = resolveUrl(args[0])
  // blob: and data: URLs have no file name worth matching.
  if (url === undefined || url.startsWith('blob:') || url.startsWith('data:')) return kind
  return scriptFileName(url) ?? kind
}

function ownersNow(): Set<BrowserWorkerSession> {
  const owners = new Set<BrowserWorkerSession>()
  for (let node = currentContext(); node !== undefined; node = node.parent) {
    const owner = node.owner
    if (!node.detached && owner instanceof BrowserWorkerSession && owner.state === 'open')
      owners.add(owner)
  }
  for (const session of globalSessions) owners.add(session)
  return owners
}

function captureStack(
  owners: Set<BrowserWorkerSession>,
  callee: AnyFunction,
): StackHolder | undefined {
  let frames = 0
  for (const owner of owners)
    if (owner.options.creationStacks) frames = Math.max(frames, owner.options.stackFrames)
  if (frames === 0) return undefined
  const limit = errorConstructor.stackTraceLimit
  errorConstructor.stackTraceLimit = frames + OWN_FRAMES_MARGIN
  try {
    if (captureStackTrace === undefined) return new Error()
    const holder: StackHolder = {}
    captureStackTrace(holder, callee)
    return holder
  } finally {
    errorConstructor.stackTraceLimit = limit
  }
}

function track(
  kind: WorkerKind,
  instance: object,
  args: readonly unknown[],
  callee: AnyFunction,
): void {
  const owners = ownersNow()
  if (owners.size === 0) return
  const port = kind === 'shared-worker' ? (instance as { port?: PortTarget }).port : undefined
  const stop =
    kind === 'worker'
      ? () => nativeTerminate?.call(instance as TerminateTarget)
      : () => {
          if (port !== undefined) nativeClose?.call(port)
        }
  const item = new TrackedWorker(
    kind,
    workerName(kind, args),
    resolveUrl(args[0]),
    dateNow(),
    captureStack(owners, callee),
    stop,
  )
  byTarget.set(kind === 'worker' ? instance : (port ?? instance), item)
  ownAddEventListener?.call(instance, 'error', (event: unknown) => {
    if (globals.ErrorEvent === undefined || !(event instanceof globals.ErrorEvent)) item.end()
  })
  for (const owner of owners) {
    item.owners.add(owner)
    owner.items.add(item)
  }
}

function constructorPatch(key: 'Worker' | 'SharedWorker', kind: WorkerKind): void {
  const original = globals[key]
  if (typeof original !== 'function') return
  const handler: ProxyHandler<Constructor> = {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(
        target,
        args,
        newTarget === patched ? target : newTarget,
      ) as object
      try {
        track(kind, instance, args, handler.construct as AnyFunction)
      } catch (error) {
        fault(error)
      }
      return instance
    },
  }
  const patched = new Proxy(original, handler)
  globalPatches.push({ key, original, patched })
}

function methodPatch(owner: Constructor | undefined, key: string): AnyFunction | undefined {
  const prototype = owner?.prototype as Record<string, unknown> | undefined
  const original = prototype?.[key]
  if (prototype === undefined || typeof original !== 'function') return undefined
  const patch: MethodPatch = {
    prototype,
    key,
    displaced: false,
    original: original as AnyFunction,
    patched: function (this: object, ...args: unknown[]): unknown {
      try {
        byTarget.get(this)?.end()
      } catch (error) {
        fault(error)
      }
      return Reflect.apply(patch.original, this, args)
    },
  }
  Object.defineProperty(patch.patched, 'name', { value: original.name, configurable: true })
  Object.defineProperty(patch.patched, 'length', { value: original.length, configurable: true })
  methodPatches.push(patch)
  return original as AnyFunction
}

constructorPatch('Worker', 'worker')
constructorPatch('SharedWorker', 'shared-worker')
const nativeTerminate = methodPatch(globals.Worker, 'terminate') as
  ((this: TerminateTarget) => void) | undefined
const nativeClose =
  globals.SharedWorker === undefined
    ? undefined
    : (methodPatch(globals.MessagePort, 'close') as ((this: PortTarget) => void) | undefined)

function install(): void {
  for (const patch of globalPatches) {
    if (globals[patch.key] === patch.original) globals[patch.key] = patch.patched
  }
  for (const patch of methodPatches) {
    const current = patch.prototype[patch.key]
    if (typeof current !== 'function') continue
    if (!mayInstallOver(patch, current, patch.patched, patch.original)) continue
    patch.original = current as AnyFunction
    patch.prototype[patch.key] = patch.patched
  }
}

function uninstall(): void {
  for (const patch of globalPatches) {
    if (globals[patch.key] === patch.patched) globals[patch.key] = patch.original
  }
  for (const patch of methodPatches) {
    if (patch.prototype[patch.key] === patch.patched) patch.prototype[patch.key] = patch.original
    else patch.displaced = true
  }
}

class BrowserWorkerSession extends ContextBoundSession implements WorkerSession, ContextOwner {
  readonly options: ResolvedWorkerOptions
  readonly items: Set<TrackedWorker> = new Set()
  state: 'open' | 'closed' | 'disposed' = 'open'

  constructor(options: ResolvedWorkerOptions) {
    super(options.attribution)
    this.options = options
    openSessions.add(this)
    if (openSessions.size === 1) install()
    if (options.attribution === 'global') globalSessions.push(this)
  }

  close(): void {
    if (this.state !== 'open') return
    this.state = 'closed'
    const index = globalSessions.indexOf(this)
    if (index !== -1) globalSessions.splice(index, 1)
  }

  dispose(): void {
    this.close()
    if (this.state === 'disposed') return
    this.state = 'disposed'
    for (const item of this.items) item.owners.delete(this)
    this.items.clear()
    openSessions.delete(this)
    if (openSessions.size === 0) uninstall()
  }

  pending(): readonly PendingWorker[] {
    return [...this.items].map((item) => new BrowserPendingWorker(item, this.options))
  }
}

function creationFrames(stack: StackHolder, limit: number): StackFrame[] {
  let frames = userFrames(stack, isUserFrame)
  // A bundle that inlines leakscope with the app puts every frame under one root.
  if (frames.length === 0) frames = userFrames(stack, () => true)
  return frames.slice(0, limit)
}

class BrowserPendingWorker implements PendingWorker {
  readonly name: string
  readonly unref = false
  readonly #item: TrackedWorker
  readonly #options: ResolvedWorkerOptions

  constructor(item: TrackedWorker, options: ResolvedWorkerOptions) {
    this.#item = item
    this.#options = options
    this.name = item.name
  }

  get key(): object {
    return this.#item
  }

  toLeakedWorker(): LeakedWorker {
    const item = this.#item
    const withStack = this.#options.creationStacks && item.stack !== undefined
    return new LeakedWorker(
      {
        id: item.serial,
        kind: item.kind,
        name: item.name,
        ...(item.url === undefined ? {} : { url: item.url }),
        createdAt: item.createdAt,
        ...(withStack && item.stack !== undefined
          ? { creationStack: creationFrames(item.stack, this.#options.stackFrames) }
          : {}),
      },
      () => {
        item.stop()
        item.end()
      },
    )
  }
}

/** Number of worker scopes open in this realm (tests: patches are gone at zero). */
export function activeWorkerScopeCount(): number {
  return openSessions.size
}

const browserWorkerPlatform: WorkerPlatform = {
  ...browserPlatformHooks,
  open: (options) => new BrowserWorkerSession(options),
  sleep,
  now: perfNow,
}

/** Opens a worker-leak scope (`Worker` and `SharedWorker`). Alias: `noThreadLeaks`. */
export const noWorkerLeaks: WorkerDetector = createWorkerDetector(browserWorkerPlatform)
