import type { BrowserTaskKind, TaskState } from '../shared/model.js'
import type { ResolvedTaskOptions } from '../shared/options.js'
import type { StackHolder } from '../shared/stack.js'
import type { ContextNode } from './context.js'
import { captureStackTrace, errorConstructor } from './natives.js'

/** `closed`: ended, polling its grace period; `disposed`: gone. */
export type OwnerState = 'open' | 'closed' | 'disposed'

/** What the registry needs from a scope's session. */
export interface Owner {
  readonly options: ResolvedTaskOptions
  readonly state: OwnerState
  readonly items: PendingItems
}

/**
 * A session's items. Adding is a push and completing an item only marks it done: the done ones
 * are dropped in bulk when the list has doubled since the last sweep, so per item there is no
 * hash-set insert and delete, and at most about twice the pending items are held.
 */
export class PendingItems {
  private list: TrackedItem[] = []
  private sweepAt = 64

  add(item: TrackedItem): void {
    if (this.list.length >= this.sweepAt) this.sweep()
    this.list.push(item)
  }

  /** The items not done yet. */
  pending(): TrackedItem[] {
    this.sweep()
    return [...this.list]
  }

  clear(): void {
    this.list = []
    this.sweepAt = 64
  }

  private sweep(): void {
    const kept = this.list.filter((item) => !item.done)
    this.list = kept
    this.sweepAt = Math.max(64, kept.length * 2)
  }
}

/** Open sessions with `attribution: 'global'`. */
export const globalOwners: Owner[] = []

let serial = 0

// Items of the object-keyed kinds (listeners, observers, sockets...) are found through their own
// objects, never by id: they are only counted (tests check that completed work leaves).
let unkeyedItems = 0

/** Pending items that have no id registry (the object-keyed kinds). */
export function unkeyedItemCount(): number {
  return unkeyedItems
}

/**
 * One scheduled timer, frame or idle callback, listener, observer... shared by every session that
 * tracks it. It is in its id registry (if it has one) exactly while pending, so completed work
 * leaves at once; its owners' lists drop it at their next sweep.
 */
export class TrackedItem {
  // Fields are declared and assigned in the constructor, not class fields: with ES2022 class
  // fields each one is first defined as undefined by an initializer step, which cost a tracked
  // listener ~50 ns (measured in the browser bench's page).
  declare id: unknown
  declare done: boolean
  // In its registry (or counted in unkeyedItems).
  declare private listed: boolean
  /** Extra human-readable facts (event type and target, URL). */
  declare detail: string | undefined
  /** Builds `detail` when a report needs it (what it describes may be costly to name). */
  declare describe: (() => string) | undefined
  /**
   * Answers false once the item can no longer run (its target was garbage-collected, its
   * connection closed by the other side): such an item is not a leak.
   */
  declare alive: (() => boolean) | undefined
  declare readonly serial: number
  /** Shared between items created in the same context: replaced, never mutated. */
  declare owners: readonly Owner[]
  // Undefined until read when a subclass names the item late (see lateName).
  declare protected label: string | undefined
  declare readonly kind: BrowserTaskKind
  declare readonly state: TaskState
  declare readonly createdAt: number
  declare stack: StackHolder | undefined
  declare readonly registry: Map<unknown, TrackedItem> | undefined
  declare readonly clear: (id: unknown) => void

  constructor(
    kind: BrowserTaskKind,
    name: string | undefined,
    state: TaskState,
    createdAt: number,
    owners: readonly Owner[],
    stack: StackHolder | undefined,
    registry: Map<unknown, TrackedItem> | undefined,
    clear: (id: unknown) => void,
  ) {
    this.id = undefined
    this.done = false
    this.listed = false
    this.detail = undefined
    this.describe = undefined
    this.alive = undefined
    this.serial = ++serial
    this.owners = owners
    this.label = name
    this.kind = kind
    this.state = state
    this.createdAt = createdAt
    this.stack = stack
    this.registry = registry
    this.clear = clear
  }

  get name(): string {
    return this.label ?? (this.label = this.lateName())
  }

  /** The name of an item created without one (naming it at creation would cost every item). */
  protected lateName(): string {
    return 'anonymous'
  }

  /**
   * True while the item cannot run although its target lives (a listener on a node out of the
   * document, on an idle XMLHttpRequest): not reported then, but kept, since the page can put the
   * node back or send again. A method, not a field: no cost per item.
   */
  dormant(): boolean {
    return false
  }

  /** Called with the id the scheduling function returned. */
  register(id: unknown): void {
    if (this.done) return
    this.id = id
    if (this.registry === undefined) unkeyedItems++
    else this.registry.set(id, this)
    this.listed = true
    for (const owner of this.owners) owner.items.add(this)
  }

  /**
   * `register` for the object-keyed kinds (the item is its own id): a separate method so that the
   * listener hot path does not share feedback with the timers' numeric ids.
   */
  registerSelf(): void {
    if (this.done) return
    this.id = this
    unkeyedItems++
    this.listed = true
    const owners = this.owners
    for (let i = 0; i < owners.length; i++) (owners[i] as Owner).items.add(this)
  }

  private unlist(): void {
    if (!this.listed) return
    this.listed = false
    const registry = this.registry
    if (registry === undefined) unkeyedItems--
    else if (registry.get(this.id) === this) registry.delete(this.id)
  }

  /** Fired (once-only kinds) or cleared. */
  complete(): void {
    if (this.done) return
    this.done = true
    this.unlist()
  }

  /**
   * `complete` for an item its clear function has just found in its registry under `id` (an item
   * is there only while listed and not done): one hash lookup fewer on the clear pair's hot path.
   */
  completeFound(id: unknown): void {
    this.done = true
    this.listed = false
    this.registry?.delete(id)
  }

  /** A disposed session lets go; with no owner left the item leaves the registry. */
  release(owner: Owner): void {
    if (this.owners.includes(owner)) this.owners = this.owners.filter((o) => o !== owner)
    if (this.owners.length === 0) this.unlist()
  }

  cancel(): void {
    this.clear(this.id)
    this.complete()
  }
}

function add(owners: Owner[] | undefined, owner: Owner): Owner[] {
  if (owners === undefined) return [owner]
  if (!owners.includes(owner)) owners.push(owner)
  return owners
}

// Bumped whenever a session opens, closes or is disposed: the owners computed for a context are
// reused until then (most items of a scope are created in the same context).
let generation = 0

/** Call when a session's state or the set of global sessions changes. */
export function ownersChanged(): void {
  generation++
}

interface OwnersCache {
  generation: number
  readonly byKind: Map<BrowserTaskKind, readonly Owner[] | undefined>
}

const rootCache: OwnersCache = { generation: -1, byKind: new Map() }

function computeOwners(
  kind: BrowserTaskKind,
  node: ContextNode | undefined,
): readonly Owner[] | undefined {
  let owners: Owner[] | undefined
  for (let current = node; current !== undefined; current = current.parent) {
    if (current.detached) continue
    // Worker sessions are in the chain too; they own no task (their options have no kinds).
    const owner = current.owner as Partial<Owner>
    if (owner.state === 'open' && owner.options?.kinds?.has(kind) === true)
      owners = add(owners, owner as Owner)
  }
  for (const owner of globalOwners) if (owner.options.kinds.has(kind)) owners = add(owners, owner)
  return owners
}

function contextOwners(
  kind: BrowserTaskKind,
  node: ContextNode | undefined,
): readonly Owner[] | undefined {
  let cache = node === undefined ? rootCache : (node.cache as OwnersCache | undefined)
  if (cache === undefined) (node as ContextNode).cache = cache = { generation, byKind: new Map() }
  else if (cache.generation !== generation) {
    cache.generation = generation
    cache.byKind.clear()
  }
  const cached = cache.byKind.get(kind)
  if (cached !== undefined || cache.byKind.has(kind)) return cached
  const owners = computeOwners(kind, node)
  cache.byKind.set(kind, owners)
  return owners
}

/**
 * The sessions a new item belongs to: every open session in its context chain, every open
 * global session, and the sessions still in their grace period that own the item whose
 * callback creates it (a rAF loop or a setTimeout chain keeps being the scope's work). The
 * array may be shared with other items: never mutate it.
 */
export function ownersFor(
  kind: BrowserTaskKind,
  node: ContextNode | undefined,
  parent: TrackedItem | undefined,
): readonly Owner[] | undefined {
  const owners = contextOwners(kind, node)
  if (parent === undefined) return owners
  let extended: Owner[] | undefined
  for (const owner of parent.owners)
    if (
      owner.state === 'closed' &&
      owner.options.kinds.has(kind) &&
      owners?.includes(owner) !== true
    )
      extended = add(extended ?? (owners === undefined ? undefined : [...owners]), owner)
  return extended ?? owners
}

/** The frames to capture for an item of these owners: 0 when none wants a creation stack. */
export function stackFramesFor(owners: readonly Owner[]): number {
  let frames = 0
  for (const owner of owners)
    if (owner.options.creationStacks && owner.options.stackFrames > frames)
      frames = owner.options.stackFrames
  return frames
}

/** A creation stack cut at another layer's function, with leakscope's own cut as the fallback. */
export interface LayeredStack extends StackHolder {
  fallback?: StackHolder
}

/**
 * Captures a creation stack when another layer (zone.js, say) has patched over leakscope's `own`
 * function since it was installed: the page called `outer`, so the stack is cut there and starts
 * at the page's call rather than inside the layer (zone.js puts up to nine frames of its own
 * there). V8 leaves a stack cut at a function that is not being called empty (the page may
 * have called an older reference, straight to `own`), so the stack cut at `own` is kept as its
 * fallback. Two captures, only on pages with such a layer.
 */
export function captureUnderLayer(
  holder: LayeredStack,
  outer: (...args: never[]) => unknown,
  own: (...args: never[]) => unknown,
): void {
  if (captureStackTrace === undefined) return
  captureStackTrace(holder, outer)
  const fallback: StackHolder = {}
  captureStackTrace(fallback, own)
  holder.fallback = fallback
}

// Frames to allow for leakscope's own when captureStackTrace is missing (`new Error()` starts
// inside leakscope; captureStackTrace cuts at the patched function, so it needs no margin).
const OWN_FRAMES_MARGIN = 3

/**
 * Captures (walks, does not format) the creation stack when any owner wants one. `callee` is
 * the patched function, so V8 starts the stack at the user's call. The walk costs about as much
 * as the frames it keeps (and, with an inspector attached, up to 200 frames whatever the limit).
 */
export function captureCreationStack(
  owners: readonly Owner[],
  callee: (...args: never[]) => unknown,
): StackHolder | undefined {
  const frames = stackFramesFor(owners)
  if (frames === 0) return undefined
  const limit = errorConstructor.stackTraceLimit
  try {
    if (captureStackTrace !== undefined) {
      errorConstructor.stackTraceLimit = frames
      const holder: StackHolder = {}
      captureStackTrace(holder, callee)
      return holder
    }
    errorConstructor.stackTraceLimit = frames + OWN_FRAMES_MARGIN
    return new Error()
  } finally {
    errorConstructor.stackTraceLimit = limit
  }
}
