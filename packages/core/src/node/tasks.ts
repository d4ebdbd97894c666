import {
  AsyncLocalStorage,
  createHook,
  executionAsyncId,
  executionAsyncResource,
  type AsyncHook,
} from 'node:async_hooks'
import net from 'node:net'
import type { NodeTaskKind, StackFrame, TaskKind, TaskState } from '../shared/model.js'
import type { Attribution, ResolvedTaskOptions } from '../shared/options.js'
import { LeakedTask } from '../shared/report.js'
import { reportInternalFault } from '../shared/scope.js'
import { userFrames, type StackHolder } from '../shared/stack.js'
import {
  createTaskDetector,
  type PendingTask,
  type TaskDetector,
  type TaskPlatform,
  type TaskSession,
} from '../shared/tasks.js'
import {
  asLeakscope,
  captureStack,
  dateNow,
  insideLeakscope,
  keepIdentity,
  monotonicNow,
  nativeClearImmediate,
  nativeClearTimeout,
  nativeSetTimeout,
  nextTurn,
  sleep,
} from './natives.js'
import { locateFunction } from './inspect.js'
import { isUserFrame, nodePlatformHooks } from './platform.js'
import {
  describeListener,
  installListenerPatches,
  listenerFunction,
  listenerRegistered,
  listenerResource,
  openListenerGeneration,
  removeListener,
  uninstallListenerPatches,
  type ListenerAdded,
  type ListenerResource,
} from './listeners.js'
import { installTimerStacks, takeTimerStack } from './timer-stacks.js'

// async_hooks resource types and the kind each is reported as. TLSWRAP is left out on
// purpose: a TLS socket also has a TCPWRAP, which is reported. TTYWRAP and SIGNALWRAP are the
// process's own stdio and signal plumbing, never a scope's leak.
/** What the shared init hook tracks: every task kind, plus worker threads for worker scopes. */
export type TrackedKind = NodeTaskKind | 'worker'

const KIND_OF_TYPE = new Map<string, TrackedKind>([
  ['Timeout', 'timeout'],
  ['Immediate', 'immediate'],
  ['TCPWRAP', 'socket'],
  ['PIPEWRAP', 'socket'],
  ['TCPSERVERWRAP', 'server'],
  ['PIPESERVERWRAP', 'server'],
  ['UDPWRAP', 'udp-socket'],
  ['FSEVENTWRAP', 'fs-watcher'],
  ['STATWATCHER', 'fs-watcher'],
  ['PROCESSWRAP', 'child-process'],
  ['FSREQCALLBACK', 'fs-request'],
  ['FSREQPROMISE', 'fs-request'],
  ['GETADDRINFOREQWRAP', 'dns-request'],
  ['GETNAMEINFOREQWRAP', 'dns-request'],
  ['QUERYWRAP', 'dns-request'],
  ['PROMISE', 'promise'],
  ['WORKER', 'worker'],
])

export const NODE_TASK_KINDS: readonly NodeTaskKind[] = [
  'timeout',
  'interval',
  'immediate',
  'socket',
  'server',
  'udp-socket',
  'fs-watcher',
  'child-process',
  'fs-request',
  'dns-request',
  'listener',
  'promise',
]
// Opt-in: 'promise' (a cost on every promise) and 'listener' (libraries add process listeners
// for the process's lifetime, lazily, at first use: signal-exit, loggers; by default those
// would be reported).
const DEFAULT_KINDS = NODE_TASK_KINDS.filter((kind) => kind !== 'promise' && kind !== 'listener')

// Frames between the hook and the user's call that the capture must walk past: timers pass
// their JS constructor to captureStackTrace; native handles pass the hook itself.
const EXTRA_FRAMES_TIMER = 3
const EXTRA_FRAMES_NATIVE = 8
// Small on purpose: a registry that holds completed timers until a late compaction keeps them
// alive through a scavenge, and that GC cost measured larger than the compaction itself
// (1.8x native at 1024 against ~1.4x at 16-64, bench 1b).
const MIN_COMPACT_AT = 32
const LISTEN_STACK_FRAMES = 12

interface TimerLike {
  _destroyed?: boolean
  _idleStart?: number | null
  _repeat?: number | null
  _onTimeout?: unknown
  _onImmediate?: unknown
  hasRef?: () => boolean | undefined
}

interface HandleLike {
  hasRef?: () => boolean | undefined
  close?: () => void
  hostname?: unknown
}

/** One resource seen by the init hook, shared by every session that took it. */
export class TrackedResource {
  /** Set when a worker scope took this child process: task scopes then leave it to that scope. */
  claimedByWorkers = false
  constructor(
    readonly asyncId: number,
    readonly kind: TrackedKind,
    readonly resource: object,
    /** Epoch ms; NaN for a timeout, whose own start time is read when it is reported. */
    readonly createdAt: number,
    readonly stack: StackHolder | undefined,
    readonly stackFrames: number,
    /** Report the callback's definition site instead of a creation stack. */
    readonly callbackLocation = false,
  ) {}
}

/** A task or worker session fed by the one init hook. */
export interface HookSession {
  /** Adds the resource if this session wants it; returns the (possibly new) shared record. */
  offer(
    record: TrackedResource | undefined,
    asyncId: number,
    kind: TrackedKind,
    resource: object,
  ): TrackedResource | undefined
  deferListen?(server: net.Server): void
  /** Frames of creation stack this session wants for a timer of that kind made now (0: none). */
  timerStackFrames?(kind: TrackedKind): number
  /**
   * For a listener added now to an emitter born in that generation: the frames of creation stack
   * this session wants (0: none), or -1 when it does not take it.
   */
  listenerWanted?(bornIn: number): number
}

export interface ContextNode {
  readonly session: HookSession
  readonly parent: ContextNode | undefined
  /** Its session no longer takes what is created here (see ContextBoundSession). */
  detached: boolean
}

/** What the sessions need of AsyncLocalStorage. */
export interface ContextStore {
  getStore(): ContextNode | undefined
  run<T>(node: ContextNode, fn: () => T): T
  enterWith(node: ContextNode): void
  disable(): void
}

// Before AsyncContextFrame (Node 20, or Node 24 with --no-async-context-frame),
// AsyncLocalStorage propagates its store with an init hook of its own: a second hook call, an
// executionAsyncResource() and a property write for every resource, two promises per await
// among them. Leakscope already has an init hook, so there the chain rides on it instead, the
// same way (the store is a property of the execution resource, copied to every resource it
// creates), and an await costs what the bare init-only hook costs.
const kContext = Symbol('leakscope.context')
let hookContextEnabled = false
type ContextCarrier = Record<typeof kContext, ContextNode | undefined>

function currentResource(): ContextCarrier {
  return executionAsyncResource() as unknown as ContextCarrier
}

const hookContextStore: ContextStore = {
  getStore: () => (hookContextEnabled ? currentResource()[kContext] : undefined),
  run<T>(node: ContextNode, fn: () => T): T {
    hookContextEnabled = true
    const resource = currentResource()
    const previous = resource[kContext]
    resource[kContext] = node
    try {
      return fn()
    } finally {
      resource[kContext] = previous
    }
  },
  enterWith(node: ContextNode): void {
    hookContextEnabled = true
    currentResource()[kContext] = node
  },
  disable(): void {
    hookContextEnabled = false
  },
}

const alsPropagatesByHook =
  typeof (AsyncLocalStorage.prototype as { _propagate?: unknown })._propagate === 'function'

/** The async context chain every Node.js session (task or worker) is attributed through. */
export const contextStore: ContextStore = alsPropagatesByHook
  ? hookContextStore
  : new AsyncLocalStorage<ContextNode>()
const openSessions = new Set<HookSession>()
const globalSessions: HookSession[] = []
const pendingPromises = new Set<number>()
// Context of tracked servers, by async id: an accepted connection is created from a native
// callback with no async context of its own, so it inherits its server's.
const serverContexts = new Map<number, ContextNode | undefined>()
let promiseSessions = 0
let listenerSessions = 0
let listenerSerial = 0
let hook: AsyncHook | undefined
let promiseHook: AsyncHook | undefined
let restoreListen: (() => void) | undefined
let restoreTimerStacks: (() => void) | undefined
// Open sessions that want creation stacks of timers: the timer wrappers are installed while any is.
let timerStackSessions = 0
// The stack a timer wrapper captured for the resource being initialised, while it is offered.
let wrapperStack: StackHolder | undefined
const listenStack = Symbol('leakscope.listenStack')

const TIMER_KINDS = ['timeout', 'interval', 'immediate'] as const

function wantedKinds(kinds: ReadonlySet<TaskKind>): Readonly<Record<TrackedKind, boolean>> {
  // Every key in the same order, so every session's object has the same shape.
  const wanted = { worker: false } as Record<TrackedKind, boolean>
  for (const kind of NODE_TASK_KINDS) wanted[kind] = kinds.has(kind)
  return wanted
}

function isTimerKind(kind: TrackedKind): boolean {
  return kind === 'timeout' || kind === 'interval' || kind === 'immediate'
}

export function captureCreationStack(
  kind: TrackedKind,
  resource: object,
  frames: number,
): StackHolder {
  if (wrapperStack !== undefined) return wrapperStack
  return isTimerKind(kind)
    ? captureStack(
        resource.constructor as (...args: never[]) => unknown,
        frames + EXTRA_FRAMES_TIMER,
      )
    : captureStack(onInit, frames + EXTRA_FRAMES_NATIVE)
}

// The creator's context of the resource being initialised, read once per init.
let initContext: ContextNode | undefined

// Every resource, promises included, before any early return, and always written: Node reuses
// some resource objects (HTTP parsers) for new async ids. One write site per common type, so
// each stays monomorphic: adding a property at a site that sees many shapes goes through the
// runtime, which cost more than the rest of the hook.
function propagate(type: string, resource: ContextCarrier, node: ContextNode | undefined): void {
  if (type === 'PROMISE') resource[kContext] = node
  else if (type === 'Timeout') resource[kContext] = node
  else resource[kContext] = node
}

// An exception escaping an async hook ends the host process, so faults stop here.
function onInit(asyncId: number, type: string, triggerAsyncId: number, resource: object): void {
  try {
    if (hookContextEnabled) {
      const node = currentResource()[kContext]
      propagate(type, resource as ContextCarrier, node)
      initContext = node
    }
    // Promises are most of what the hook sees (two per await): leave at once unless wanted.
    if (type === 'PROMISE' && promiseSessions === 0) return
    if (!alsPropagatesByHook) initContext = contextStore.getStore()
    else if (!hookContextEnabled) initContext = undefined
    track(asyncId, type, triggerAsyncId, resource)
  } catch (error) {
    reportInternalFault(nodePlatformHooks, error)
  }
}

function track(asyncId: number, type: string, triggerAsyncId: number, resource: object): void {
  let kind: TrackedKind | undefined
  // Timers are the hot path.
  if (type === 'Timeout') kind = (resource as TimerLike)._repeat == null ? 'timeout' : 'interval'
  else kind = KIND_OF_TYPE.get(type)
  if (kind === undefined || insideLeakscope()) return
  if (type === 'Timeout' || type === 'Immediate') {
    wrapperStack = takeTimerStack(type)
    try {
      offerAll(asyncId, kind, resource, initContext)
    } finally {
      wrapperStack = undefined
    }
    return
  }
  // A socket accepted by a server is created from a native callback (no execution context,
  // triggered by the server), where the store is not its creator's: it belongs to whoever owns
  // its server. ESM top-level code also runs at execution id 0, but triggers nothing.
  const native =
    (kind === 'socket' || kind === 'server') && triggerAsyncId !== 0 && executionAsyncId() === 0
  const node = native ? serverContexts.get(triggerAsyncId) : initContext
  // Only root promises are tracked: a derived one (then, await) is triggered by its parent
  // promise, not by the running code, and is pending exactly while its root is. That also
  // keeps out the awaits of callers, which derive from promises created outside the scope.
  if (kind === 'promise' && triggerAsyncId !== executionAsyncId()) return
  const record = offerAll(asyncId, kind, resource, node)
  if (record === undefined) return
  if (kind === 'promise') pendingPromises.add(asyncId)
  else if (kind === 'server') serverContexts.set(asyncId, node)
}

function offerAll(
  asyncId: number,
  kind: TrackedKind,
  resource: object,
  node: ContextNode | undefined,
): TrackedResource | undefined {
  let record: TrackedResource | undefined
  for (let current = node; current !== undefined; current = current.parent) {
    if (!current.detached) record = current.session.offer(record, asyncId, kind, resource)
  }
  for (let i = 0; i < globalSessions.length; i++)
    record = (globalSessions[i] as HookSession).offer(record, asyncId, kind, resource)
  return record
}

// Listener stacks are cut at the patched method; `once` and stream methods may sit above it.
const EXTRA_FRAMES_LISTENER = 3

const onListenerAdded: ListenerAdded = (emitter, type, listener, bornIn, callee) => {
  if (insideLeakscope()) return
  const node = contextStore.getStore()
  let frames = -1
  for (let current = node; current !== undefined; current = current.parent)
    if (!current.detached) frames = Math.max(frames, current.session.listenerWanted?.(bornIn) ?? -1)
  for (const session of globalSessions)
    frames = Math.max(frames, session.listenerWanted?.(bornIn) ?? -1)
  // No scope takes it (the emitter is younger than every scope that wants listeners).
  if (frames < 0) return
  wrapperStack = frames > 0 ? captureStack(callee, frames + EXTRA_FRAMES_LISTENER) : undefined
  try {
    offerAll(++listenerSerial, 'listener', listenerResource(emitter, type, listener, bornIn), node)
  } finally {
    wrapperStack = undefined
  }
}

// Asked by a timer wrapper before it captures: the largest depth any scope of the caller's
// context (or any global scope) wants, so a call no scope takes costs no capture.
function timerStackDemand(kind: TrackedKind): number {
  let frames = 0
  for (let node = contextStore.getStore(); node !== undefined; node = node.parent)
    if (!node.detached) frames = Math.max(frames, node.session.timerStackFrames?.(kind) ?? 0)
  for (const session of globalSessions)
    frames = Math.max(frames, session.timerStackFrames?.(kind) ?? 0)
  return frames
}

// `server.listen(port, host)` creates its handle ticks later, after the address lookup, where
// the stack holds no user frame; the stack of the listen() call stands in for it.
function patchListen(): () => void {
  const prototype = net.Server.prototype
  const original = prototype.listen
  const listen = function (this: net.Server, ...args: unknown[]): net.Server {
    const holder = openSessions.size > 0 ? captureStack(listen, LISTEN_STACK_FRAMES) : undefined
    if (holder !== undefined) (this as unknown as Record<symbol, unknown>)[listenStack] = holder
    const result = (original as (...a: unknown[]) => net.Server).apply(this, args)
    if (holder !== undefined && !this.listening) {
      for (let node = contextStore.getStore(); node !== undefined; node = node.parent)
        if (!node.detached) node.session.deferListen?.(this)
      for (const session of globalSessions) session.deferListen?.(this)
    }
    return result
  }
  keepIdentity(listen, original)
  prototype.listen = listen as typeof original
  return () => {
    // Someone patched after us: their wrapper calls ours, which passes straight through.
    if (prototype.listen === listen) prototype.listen = original
  }
}

function onPromiseResolve(asyncId: number): void {
  pendingPromises.delete(asyncId)
}

function activeRequests(): Set<unknown> {
  const list =
    (process as unknown as { _getActiveRequests?: () => unknown[] })._getActiveRequests?.() ?? []
  return new Set(list)
}

let ownerSymbol: symbol | undefined
export function ownerOf(resource: object): Record<string, unknown> | undefined {
  ownerSymbol ??= Object.getOwnPropertySymbols(resource).find(
    (symbol) => symbol.description === 'owner_symbol',
  )
  if (ownerSymbol === undefined) return undefined
  const owner = (resource as Record<symbol, unknown>)[ownerSymbol]
  return typeof owner === 'object' && owner !== null
    ? (owner as Record<string, unknown>)
    : undefined
}

function isLive(record: TrackedResource, requests: () => Set<unknown>): boolean {
  const resource = record.resource as TimerLike & HandleLike
  switch (record.kind) {
    case 'timeout':
    case 'interval':
    case 'immediate':
      return resource._destroyed !== true
    case 'fs-request':
    case 'dns-request':
      return requests().has(resource)
    case 'promise':
      return pendingPromises.has(record.asyncId)
    case 'listener':
      return listenerRegistered(record.resource as ListenerResource)
    default:
      // Native handles answer hasRef() while open and undefined once closed.
      return typeof resource.hasRef === 'function' && resource.hasRef() !== undefined
  }
}

function isProcessStdio(owner: Record<string, unknown> | undefined): boolean {
  const stream: unknown = owner
  return (
    stream !== undefined &&
    (stream === process.stdout || stream === process.stderr || stream === process.stdin)
  )
}

/** Starts feeding a session from the init hook (installs the hook with the first one). */
export function addHookSession(session: HookSession, global: boolean): void {
  openSessions.add(session)
  if (global) globalSessions.push(session)
  updateHooks()
}

/** Stops offering new resources to a global session. */
export function removeGlobalSession(session: HookSession): void {
  const index = globalSessions.indexOf(session)
  if (index !== -1) globalSessions.splice(index, 1)
}

/** Forgets a session; removes the hook once none is left. Returns false if already removed. */
export function removeHookSession(session: HookSession): boolean {
  removeGlobalSession(session)
  if (!openSessions.delete(session)) return false
  updateHooks()
  return true
}

/**
 * The async-context half of a Node.js session: its node in the AsyncLocalStorage chain, and
 * binding code to it (`run`, and `enter`/`leave` for `await using`). `'global'` sessions bind
 * nothing: every open global session sees every item.
 *
 * A scope enters its context when it is made (for `await using` and `check()`), so a scope made
 * right after it is nested in it. Used with `run()`, a scope covers its body only: its
 * construction-time node is detached then, and scopes made back to back and run side by side
 * (`a = noTaskLeaks(); b = noTaskLeaks(); Promise.all([a.run(f), b.run(g)])`) are siblings.
 */
export abstract class ContextBoundSession {
  readonly #bound: boolean
  readonly #node: ContextNode
  readonly #entered: ContextNode

  constructor(attribution: Attribution) {
    this.#bound = attribution === 'context'
    const session = this as unknown as HookSession
    const parent = contextStore.getStore()
    this.#node = { session, parent, detached: false }
    this.#entered = { session, parent, detached: false }
  }

  run<T>(fn: () => T): T {
    if (!this.#bound) return fn()
    this.#entered.detached = true
    return contextStore.run(this.#node, fn)
  }

  enter(): void {
    if (this.#bound) contextStore.enterWith(this.#entered)
  }

  leave(): void {
    if (this.#bound) contextStore.enterWith(this.#node.parent as ContextNode)
  }
}

class NodeTaskSession extends ContextBoundSession implements TaskSession, HookSession {
  #items: TrackedResource[] = []
  #compactAt = MIN_COMPACT_AT
  #open = true
  #disposed = false
  readonly #timerStacks: boolean
  // options.kinds as a plain object: a property read is cheaper than Set#has on every timer.
  readonly #wanted: Readonly<Record<TrackedKind, boolean>>
  // Servers whose listen() was called in the scope but whose handle is not created yet.
  #deferredListens: net.Server[] = []
  readonly #options: ResolvedTaskOptions
  // The listener-tracking generation this session opened in (0: it does not track listeners).
  readonly #listenerGeneration: number

  constructor(options: ResolvedTaskOptions) {
    super(options.attribution)
    this.#options = options
    this.#wanted = wantedKinds(options.kinds)
    this.#listenerGeneration = options.kinds.has('listener') ? openListenerGeneration() : 0
    if (this.#listenerGeneration !== 0) listenerSessions++
    this.#timerStacks =
      options.creationStacks &&
      !options.callbackLocations &&
      TIMER_KINDS.some((kind) => options.kinds.has(kind))
    if (options.kinds.has('promise')) promiseSessions++
    if (this.#timerStacks) timerStackSessions++
    addHookSession(this, options.attribution === 'global')
  }

  listenerWanted(bornIn: number): number {
    if (!this.#open || bornIn >= this.#listenerGeneration) return -1
    return this.#options.creationStacks ? this.#options.stackFrames : 0
  }

  timerStackFrames(kind: TrackedKind): number {
    return this.#timerStacks && this.#open && this.#wanted[kind] ? this.#options.stackFrames : 0
  }

  /** Adds the resource if this session wants it; returns the (possibly new) shared record. */
  offer(
    record: TrackedResource | undefined,
    asyncId: number,
    kind: TrackedKind,
    resource: object,
  ): TrackedResource | undefined {
    const options = this.#options
    // A closed scope still takes the server handles its deferred listen() calls create.
    const accepting = this.#open || (kind === 'server' && !this.#disposed)
    if (!accepting || !this.#wanted[kind]) return record
    // A listener on an emitter born after this scope opened belongs to the scope's own objects.
    if (kind === 'listener' && (resource as ListenerResource).bornIn >= this.#listenerGeneration)
      return record
    if (record === undefined) {
      const callbackLocation = options.callbackLocations && isTimerKind(kind)
      const stack =
        options.creationStacks && !callbackLocation
          ? captureCreationStack(kind, resource, options.stackFrames)
          : undefined
      record = new TrackedResource(
        asyncId,
        kind,
        resource,
        // A timeout's own start time (set when it is scheduled) stands in for a clock read.
        kind === 'timeout' ? NaN : dateNow(),
        stack,
        options.stackFrames,
        callbackLocation,
      )
    }
    if (this.#items.push(record) > this.#compactAt) this.#compact()
    return record
  }

  // Completed items leave the registry here, amortised: compaction runs when the list has
  // doubled since the last one, so a scope holds at most about twice its live items.
  #compact(): TrackedResource[] {
    let requests: Set<unknown> | undefined
    const lazyRequests = () => (requests ??= activeRequests())
    // In place: a new array per compaction was garbage at the rate timers are made.
    const items = this.#items
    let kept = 0
    for (let i = 0; i < items.length; i++) {
      const record = items[i] as TrackedResource
      if (isLive(record, lazyRequests)) items[kept++] = record
    }
    items.length = kept
    this.#compactAt = Math.max(MIN_COMPACT_AT, kept * 2)
    return items
  }

  deferListen(server: net.Server): void {
    if (this.#open && this.#options.kinds.has('server')) this.#deferredListens.push(server)
  }

  settling(): boolean {
    const servers = this.#deferredListens
    if (servers.length === 0) return false
    this.#deferredListens = servers.filter(
      (server) => !server.listening && (server as unknown as { _handle: unknown })._handle == null,
    )
    return this.#deferredListens.length > 0
  }

  close(): void {
    if (!this.#open) return
    this.#open = false
    removeGlobalSession(this)
    if (this.#timerStacks) {
      timerStackSessions--
      updateHooks()
    }
  }

  // Hooks stay installed until here, not just until close(): promise settlements during the
  // grace period must still be seen.
  dispose(): void {
    this.close()
    this.#disposed = true
    this.#deferredListens = []
    this.#items = []
    if (!openSessions.has(this)) return
    if (this.#options.kinds.has('promise')) promiseSessions--
    if (this.#listenerGeneration !== 0) listenerSessions--
    removeHookSession(this)
  }

  pending(): readonly PendingTask[] {
    const live = this.#compact()
    // A child process's stdio pipes are part of it, and the process's own stdio is nobody's.
    const childPipes = new Set<unknown>()
    for (const record of live) {
      if (record.kind !== 'child-process') continue
      const stdio = ownerOf(record.resource)?.stdio
      if (Array.isArray(stdio))
        for (const stream of stdio)
          childPipes.add((stream as { _handle?: unknown } | null)?._handle)
    }
    const result: PendingTask[] = []
    for (const record of live) {
      // A worker scope reports the child processes it took (a process is reported once).
      if (record.claimedByWorkers) continue
      if (
        record.kind === 'socket' &&
        (childPipes.has(record.resource) || isProcessStdio(ownerOf(record.resource)))
      )
        continue
      result.push(new NodePendingTask(record))
    }
    return result
  }
}

function callbackName(callback: unknown): string {
  return typeof callback === 'function' && callback.name !== '' ? callback.name : 'anonymous'
}

function describeAddress(owner: Record<string, unknown> | undefined): string | undefined {
  const address =
    typeof owner?.address === 'function' ? (owner.address as () => unknown).call(owner) : undefined
  if (typeof address === 'string') return address
  if (address === null || typeof address !== 'object') return undefined
  const { address: host, port } = address as { address?: unknown; port?: unknown }
  return `${String(host)}:${String(port)}`
}

class NodePendingTask implements PendingTask {
  readonly name: string
  readonly unref: boolean
  readonly #record: TrackedResource

  constructor(record: TrackedResource) {
    this.#record = record
    const resource = record.resource as TimerLike & HandleLike
    if (record.kind === 'timeout' || record.kind === 'interval')
      this.name = callbackName(resource._onTimeout)
    else if (record.kind === 'immediate') this.name = callbackName(resource._onImmediate)
    else if (record.kind === 'listener')
      this.name = callbackName(listenerFunction(record.resource as ListenerResource))
    else this.name = record.kind
    this.unref = typeof resource.hasRef === 'function' && resource.hasRef() === false
  }

  get key(): object {
    return this.#record
  }

  toLeakedTask(): LeakedTask {
    const record = this.#record
    const detail = describe(record)
    const task = new LeakedTask(
      {
        id: record.asyncId,
        kind: record.kind as TaskKind,
        name: this.name,
        state: stateOf(record.kind),
        createdAt: creationTime(record),
        ...(this.unref ? { unref: true } : {}),
        ...(detail === undefined ? {} : { detail }),
        ...stackFields(record),
      },
      cancellerFor(record),
    )
    return task
  }
}

/** Epoch ms of a record's creation; a timeout's is read from its own start time now. */
export function creationTime(record: TrackedResource): number {
  if (!Number.isNaN(record.createdAt)) return record.createdAt
  // `_idleStart` is libuv's loop clock (ms, read when the timer was scheduled). A throwaway
  // timer tells where that clock is now; `refresh()` moves it, like re-arming the timer.
  const start = (record.resource as TimerLike)._idleStart
  const probe = asLeakscope(() => nativeSetTimeout(noop, 2 ** 30)) as unknown as TimerLike
  const now = dateNow()
  nativeClearTimeout(probe as Parameters<typeof nativeClearTimeout>[0])
  const loopNow = probe._idleStart
  return typeof start === 'number' && typeof loopNow === 'number' ? now - (loopNow - start) : now
}

function noop(): void {}

function stackFields(record: TrackedResource): {
  creationStack?: StackFrame[]
  stackOrigin?: 'callback'
} {
  if (record.callbackLocation) {
    const timer = record.resource as TimerLike
    const frame = locateFunction(timer._onTimeout ?? timer._onImmediate)
    return frame === undefined ? {} : { creationStack: [frame], stackOrigin: 'callback' }
  }
  return record.stack === undefined ? {} : { creationStack: creationFrames(record) }
}

function creationFrames(record: TrackedResource): StackFrame[] {
  let frames = record.stack === undefined ? [] : userFrames(record.stack, isUserFrame)
  if (frames.length === 0 && record.kind === 'server') {
    const holder = ownerOf(record.resource)?.[listenStack as unknown as string] as
      StackHolder | undefined
    if (holder !== undefined) frames = userFrames(holder, isUserFrame)
  }
  return frames.slice(0, record.stackFrames)
}

function stateOf(kind: TrackedKind): TaskState {
  switch (kind) {
    case 'timeout':
    case 'immediate':
      return 'scheduled'
    case 'interval':
      return 'repeating'
    case 'fs-request':
    case 'dns-request':
      return 'in-flight'
    case 'promise':
      return 'pending'
    default:
      return 'open'
  }
}

function describe(record: TrackedResource): string | undefined {
  const owner = ownerOf(record.resource)
  switch (record.kind) {
    case 'socket':
    case 'server':
    case 'udp-socket':
      return describeAddress(owner)
    case 'child-process': {
      if (owner === undefined) return undefined
      const args = Array.isArray(owner.spawnargs)
        ? owner.spawnargs.join(' ')
        : String(owner.spawnfile)
      return `pid ${String(owner.pid)}: ${args}`
    }
    case 'dns-request': {
      const { hostname } = record.resource as HandleLike
      return typeof hostname === 'string' ? `lookup ${hostname}` : undefined
    }
    case 'listener':
      return describeListener(record.resource as ListenerResource)
    default:
      return undefined
  }
}

function cancellerFor(record: TrackedResource): (() => void) | undefined {
  const resource = record.resource
  switch (record.kind) {
    case 'timeout':
    case 'interval':
      return () => nativeClearTimeout(resource as Parameters<typeof nativeClearTimeout>[0])
    case 'immediate':
      return () => nativeClearImmediate(resource as Parameters<typeof nativeClearImmediate>[0])
    case 'fs-request':
    case 'dns-request':
    case 'promise':
      return undefined
    case 'listener':
      return () => removeListener(resource as ListenerResource)
    default:
      return () => closeHandle(record)
  }
}

// Closes through the owning object (Server, Socket, ChildProcess, FSWatcher) so its own state
// stays consistent; the raw handle is closed only when there is no owner.
function closeHandle(record: TrackedResource): void {
  const owner = ownerOf(record.resource)
  const call = (name: string): boolean => {
    const method = owner?.[name]
    if (typeof method !== 'function') return false
    ;(method as () => void).call(owner)
    return true
  }
  if (record.kind === 'child-process' && call('kill')) return
  if (record.kind === 'socket' && call('destroy')) return
  if (call('close')) return
  ;(record.resource as HandleLike).close?.()
}

function listenerFault(error: unknown): void {
  reportInternalFault(nodePlatformHooks, error)
}

function updateHooks(): void {
  if (openSessions.size > 0) {
    hook ??= createHook({ init: onInit })
    hook.enable()
    restoreListen ??= patchListen()
  } else {
    hook?.disable()
    restoreListen?.()
    restoreListen = undefined
    // Stops the context's propagation too: no cost remains once no scope is open.
    contextStore.disable()
    serverContexts.clear()
  }
  if (timerStackSessions > 0) restoreTimerStacks ??= installTimerStacks(timerStackDemand)
  else {
    restoreTimerStacks?.()
    restoreTimerStacks = undefined
  }
  if (listenerSessions > 0) installListenerPatches(onListenerAdded, listenerFault)
  else uninstallListenerPatches()
  if (promiseSessions > 0) {
    promiseHook ??= createHook({ promiseResolve: onPromiseResolve })
    promiseHook.enable()
  } else if (promiseHook !== undefined) {
    promiseHook.disable()
    pendingPromises.clear()
  }
}

/**
 * Number of task and worker scopes open in this thread. Zero means leakscope has removed every hook and
 * patch it installed, but for the `Worker` Proxy of `node:worker_threads`, a pass-through by then,
 * put back once no worker scope has been open for 250 ms.
 */
export function activeScopeCount(): number {
  // Task and worker scopes alike: every one holds the shared hook.
  return openSessions.size
}

const nodeTaskPlatform: TaskPlatform = {
  ...nodePlatformHooks,
  kinds: NODE_TASK_KINDS,
  defaultKinds: DEFAULT_KINDS,
  open: (options) => new NodeTaskSession(options),
  sleep,
  turn: nextTurn,
  now: monotonicNow,
}

export const noTaskLeaks: TaskDetector = createTaskDetector(nodeTaskPlatform)
