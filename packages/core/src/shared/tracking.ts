import { matchesName, type ResolvedCommonOptions } from './options.js'
import { LeakScope, type FindingsPolicy, type PlatformHooks } from './scope.js'

/** An item a platform tracker still considers pending (a task, a worker). */
export interface PendingItem {
  /** What `nameFilter` matches. */
  readonly name: string
  /** True when it does not keep a Node.js process alive (`unref()`'d). */
  readonly unref: boolean
  /** The tracked thing itself: the same object at every poll, while the wrapper is new. */
  readonly key: object
}

/** One scope's view of a platform tracker. */
export interface TrackingSession<P extends PendingItem> {
  /** Runs `fn` with this session as the current async context. */
  run<T>(fn: () => T): T
  /** Makes the rest of the current async context belong to this session (`await using`). */
  enter(): void
  /** Undoes `enter()` for the caller, before `run()` takes over. */
  leave(): void
  /** Stops collecting new items; pending() still answers, for grace polling. */
  close(): void
  /** Releases everything the session installed; called once the scope has its findings. */
  dispose(): void
  /** Items pending right now (still answers after `close()`, for grace polling). */
  pending(): readonly P[]
  /** True while work started in the scope has yet to create the items it will create. */
  settling?(): boolean
}

export interface TrackingPlatform extends PlatformHooks {
  /** Waits on a native timer that no scope tracks and no fake clock replaces. */
  sleep(ms: number): Promise<void>
  now(): number
  /**
   * Yields one event-loop turn (Node: `setImmediate`). Absent where no cheap turn exists:
   * browsers clamp nested zero-delay timers to 4 ms.
   */
  turn?(): Promise<void>
}

export interface TrackingOptions extends ResolvedCommonOptions {
  nameFilter: string | RegExp | undefined
  grace: number
  excludeUnref: boolean
  ignore: ((finding: never) => boolean) | undefined
}

/**
 * A scope over items that stay pending until they finish (tasks, workers): tracks from creation
 * until it ends, once, then polls what is still pending until the grace period allows.
 */
export class TrackingScope<P extends PendingItem, F> extends LeakScope<F> {
  readonly #session: TrackingSession<P>
  readonly #options: TrackingOptions
  readonly #platform: TrackingPlatform
  readonly #report: (item: P) => F
  // `ignore` is asked once per item, not at every poll: it gets the finding, whose creation
  // stack is formatted to build it.
  readonly #ignored = new WeakMap<object, boolean>()

  constructor(
    options: TrackingOptions,
    policy: FindingsPolicy<F>,
    platform: TrackingPlatform,
    session: TrackingSession<P>,
    report: (item: P) => F,
  ) {
    super(options, policy, platform)
    this.#options = options
    this.#platform = platform
    this.#session = session
    this.#report = report
    session.enter()
  }

  protected override runInScope<T>(fn: () => T): T {
    this.#session.leave()
    return this.#session.run(fn)
  }

  protected override finish(): readonly F[] | Promise<readonly F[]> {
    const session = this.#session
    session.close()
    // Where loop turns are cheap (Node), `ignore` waits until an item has outlived the first
    // millisecond of polling: building its finding formats the creation stack (~0.3 ms through
    // Vitest's source-mapping `prepareStackTrace`), and most items pending at a scope's end (a
    // socket closing after its response) are gone within a few turns.
    const askIgnoreFirst = this.#platform.turn === undefined
    let pending: P[]
    try {
      pending = this.#reportable(askIgnoreFirst)
    } catch (error) {
      session.dispose()
      throw error
    }
    // A clean scope ends without waiting for anything.
    if (pending.length === 0 && session.settling?.() !== true) {
      session.dispose()
      return []
    }
    // Work that finishes shortly after the scope (a socket closing on the next tick, a timer
    // due within the grace, a worker exiting) is not a leak.
    return pollWithBackoff(pending, {
      grace: this.#options.grace,
      now: this.#platform.now,
      sleep: this.#platform.sleep,
      turn: this.#platform.turn,
      pending: (askIgnore) => this.#reportable(askIgnore),
      settling: () => session.settling?.() === true,
    })
      .then((still) => still.map(this.#report))
      .finally(() => session.dispose())
  }

  // Ignored items are dropped here, before the grace period's first sleep: an item that stays
  // pending (a test runner's listener kept for the whole run) would otherwise make every scope
  // wait its full grace.
  #reportable(askIgnore = true): P[] {
    const { excludeUnref, nameFilter } = this.#options
    const ignore = askIgnore
      ? (this.#options.ignore as ((finding: F) => boolean) | undefined)
      : undefined
    return this.#session
      .pending()
      .filter(
        (item) =>
          !(excludeUnref && item.unref) &&
          matchesName(nameFilter, item.name) &&
          (ignore === undefined || !this.#isIgnored(item, ignore)),
      )
  }

  #isIgnored(item: P, ignore: (finding: F) => boolean): boolean {
    let ignored = this.#ignored.get(item.key)
    if (ignored === undefined) {
      ignored = ignore(this.#report(item))
      this.#ignored.set(item.key, ignored)
    }
    return ignored
  }
}

const MAX_POLL_DELAY_MS = 50
// What usually ends right after a scope (a socket closing once its peer's FIN is read) ends
// within a few event-loop turns: polling every turn for the first millisecond instead of
// sleeping 1 ms, then 2 ms, cut the wait at the end of a test doing HTTP through `fetch` from
// 1.3-1.6 ms to 0.2-0.4 ms (Node).
const TURNS_FIRST_MS = 1

/** What a grace-period poll needs: a clock, a sleep no scope tracks, and the items to re-read. */
interface GracePoll<T> {
  /** Milliseconds to keep polling. */
  grace: number
  now(): number
  sleep(ms: number): Promise<void>
  turn: (() => Promise<void>) | undefined
  /** Items still pending right now; `askIgnore: false` leaves the `ignore` option out. */
  pending(askIgnore: boolean): T[]
  /** True while work started in the scope has yet to create the items it will create. */
  settling?(): boolean
}

/**
 * Polls every event-loop turn for the first millisecond where turns are cheap (Node), then with
 * backoff (1, 2, 4 … 50 ms; browsers: 0, 1, 2, 4 … 50 ms), as goleak retries, until nothing is
 * pending or the grace period is over; resolves with what is still pending. Each wait yields to
 * the event loop, so it never blocks. Work that finishes within the grace period is not a leak.
 */
async function pollWithBackoff<T>(initial: T[], poll: GracePoll<T>): Promise<T[]> {
  const started = poll.now()
  const deadline = started + poll.grace
  let pending = initial
  const { turn } = poll
  let delay = turn === undefined ? 0 : 1
  // `initial` left `ignore` out where turns are cheap (see TrackingScope#finish).
  let ignoreAsked = turn === undefined
  while (pending.length > 0 || (poll.settling?.() ?? false)) {
    const now = poll.now()
    const left = deadline - now
    if (left <= 0) break
    if (turn !== undefined && now - started < TURNS_FIRST_MS) {
      await turn()
      pending = poll.pending(false)
      continue
    }
    if (!ignoreAsked) {
      // Before the first sleep: an ignored item is dropped without being waited for.
      ignoreAsked = true
      pending = poll.pending(true)
      continue
    }
    await poll.sleep(Math.min(delay, left))
    delay = delay === 0 ? 1 : Math.min(delay * 2, MAX_POLL_DELAY_MS)
    pending = poll.pending(true)
  }
  return ignoreAsked ? pending : poll.pending(true)
}
