import {
  resolveBlockingOptions,
  type BlockingOptions,
  type ResolvedBlockingOptions,
} from './options.js'
import { EventLoopBlockError, type EventLoopBlock } from './report.js'
import { createDetector, LeakScope, type Detector, type PlatformHooks } from './scope.js'

/** One scope's view of a platform's block monitor. */
export interface BlockingSession {
  /** Resolves once the monitor can take stacks (or knows it cannot); never rejects. */
  readonly ready: Promise<void>
  /** Forgets what was seen so far: run() and wrap() report the body only. */
  begin(): void
  /**
   * Stops collecting (synchronously: a stretch still running is measured up to now) and
   * resolves with the blocks seen, once late stacks and entries have had a moment to arrive.
   */
  close(): readonly EventLoopBlock[] | Promise<readonly EventLoopBlock[]>
}

export interface BlockingPlatform extends PlatformHooks {
  open(options: ResolvedBlockingOptions): BlockingSession
}

/**
 * An event-loop blocking scope: records every synchronous stretch longer than `threshold` on
 * this thread from creation until it ends, once. The list is frozen when it ends.
 */
export class EventLoopBlockingScope extends LeakScope<EventLoopBlock> {
  readonly #session: BlockingSession

  constructor(options: ResolvedBlockingOptions, platform: BlockingPlatform) {
    super(options, blockingPolicy, platform)
    this.#session = platform.open(options)
  }

  /** Resolves once the watchdog is armed: a block from then on is reported with its stack. */
  get ready(): Promise<void> {
    return this.#session.ready
  }

  /** Arms the watchdog first, so a block in the body's first line is reported with its stack. */
  override async run<T>(fn: () => T): Promise<Awaited<T>> {
    if (typeof fn === 'function' && !this.ended) {
      await this.#session.ready
      this.#session.begin()
    }
    return super.run(fn)
  }

  protected override runInScope<T>(fn: () => T): T {
    return fn()
  }

  protected override finish(): readonly EventLoopBlock[] | Promise<readonly EventLoopBlock[]> {
    return this.#session.close()
  }
}

const blockingPolicy = {
  detector: 'noEventLoopBlocking',
  kind: 'blocking' as const,
  code: 'LEAKSCOPE_EVENT_LOOP_BLOCK',
  makeError: (blocks: readonly EventLoopBlock[]): EventLoopBlockError =>
    new EventLoopBlockError(blocks),
  // A block has already happened: there is nothing to stop. 'cancel' warns and says so.
  cancel: undefined,
}

export type BlockingDetector = Detector<BlockingOptions, EventLoopBlockingScope>

export function createBlockingDetector(platform: BlockingPlatform): BlockingDetector {
  return createDetector(
    'noEventLoopBlocking',
    (options: BlockingOptions | undefined) =>
      resolveBlockingOptions('noEventLoopBlocking', options),
    (resolved: ResolvedBlockingOptions) => new EventLoopBlockingScope(resolved, platform),
  )
}
