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
  readonly items: Set<TrackedItem>
}

/** Open sessions with `attribution: 'global'`. */
export const globalOwners: Owner[] = []

let serial = 0

/**
 * One scheduled timer, frame or idle callback, shared by every session that tracks it. It is in
 * its owners' sets and its registry exactly while pending, so completed work leaves at once.
 */
export class TrackedItem {
  id: unknown = undefined
  done = false
  /** Extra human-readable facts (event type and target, URL). */
  detail: string | undefined = undefined
  /** Builds `detail` when a report needs it (what it describes may be costly to name). */
  describe: (() => string) | undefined = undefined
  /**
   * Answers false once the item can no longer run (its target was garbage-collected, its
   * connection closed by the other side): such an item is not a leak.
   */
  alive: (() => boolean) | undefined = undefined
  readonly serial: number = ++serial
  readonly owners: Owner[]

  constructor(
    readonly kind: BrowserTaskKind,
    readonly name: string,
    readonly state: TaskState,
    readonly createdAt: number,
    owners: Owner[],
    readonly stack: StackHolder | undefined,
    readonly registry: Map<unknown, TrackedItem>,
    readonly clear: (id: unknown) => void,
  ) {
    this.owners = owners
  }

  /** Called with the id the scheduling function returned. */
  register(id: unknown): void {
    if (this.done) return
    this.id = id
    this.registry.set(id, this)
    for (const owner of this.owners) owner.items.add(this)
  }

  /** Fired (once-only kinds) or cleared. */
  complete(): void {
    if (this.done) return
    this.done = true
    if (this.registry.get(this.id) === this) this.registry.delete(this.id)
    for (const owner of this.owners) owner.items.delete(this)
  }

  /** A disposed session lets go; with no owner left the item leaves the registry. */
  release(owner: Owner): void {
    const index = this.owners.indexOf(owner)
    if (index !== -1) this.owners.splice(index, 1)
    if (this.owners.length === 0 && this.registry.get(this.id) === this)
      this.registry.delete(this.id)
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

/**
 * The sessions a new item belongs to: every open session in its context chain, every open
 * global session, and the sessions still in their grace period that own the item whose
 * callback creates it (a rAF loop or a setTimeout chain keeps being the scope's work).
 */
export function ownersFor(
  kind: BrowserTaskKind,
  node: ContextNode | undefined,
  parent: TrackedItem | undefined,
): Owner[] | undefined {
  let owners: Owner[] | undefined
  for (let current = node; current !== undefined; current = current.parent) {
    const owner = current.owner as Owner
    if (owner.state === 'open' && owner.options.kinds.has(kind)) owners = add(owners, owner)
  }
  for (const owner of globalOwners) if (owner.options.kinds.has(kind)) owners = add(owners, owner)
  if (parent !== undefined)
    for (const owner of parent.owners)
      if (owner.state === 'closed' && owner.options.kinds.has(kind)) owners = add(owners, owner)
  return owners
}

// Frames to allow for leakscope's own when captureStackTrace is missing.
const OWN_FRAMES_MARGIN = 3

/**
 * Captures (walks, does not format) the creation stack when any owner wants one. `callee` is
 * the patched function, so V8 starts the stack at the user's call.
 */
export function captureCreationStack(
  owners: readonly Owner[],
  callee: (...args: never[]) => unknown,
): StackHolder | undefined {
  let frames = 0
  for (const owner of owners)
    if (owner.options.creationStacks) frames = Math.max(frames, owner.options.stackFrames)
  if (frames === 0) return undefined
  const limit = errorConstructor.stackTraceLimit
  errorConstructor.stackTraceLimit = frames + OWN_FRAMES_MARGIN
  try {
    if (captureStackTrace !== undefined) {
      const holder: StackHolder = {}
      captureStackTrace(holder, callee)
      return holder
    }
    return new Error()
  } finally {
    errorConstructor.stackTraceLimit = limit
  }
}
