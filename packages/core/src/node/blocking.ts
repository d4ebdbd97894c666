// `noEventLoopBlocking` for Node.js.
//
// Durations come from the main thread's own clock: an unref'd heartbeat interval (every
// `checkInterval` ms) measures the gap between beats; a gap longer than the interval means the
// loop was held, from somewhere in the first interval after the previous beat until now, so
// a block's duration is `gap - interval / 2`, within +-interval/2.
//
// Stacks come from one watchdog worker per thread (blocking-watchdog.ts), shared by every open
// scope: it watches the heartbeat counter in shared memory and, when it stops moving, takes the
// main thread's stack with `Runtime.evaluate` through `inspector.Session#connectToMainThread()`
// (never `Debugger.enable`, which would slow every `await`), writing it back to shared memory,
// where the main thread reads it when the block ends. The heartbeat and the watchdog start with
// the first scope and stop when the last one ends; nothing here ever waits on the loop.
import * as timers from 'node:timers'
import workerThreads from 'node:worker_threads'
import {
  createBlockingDetector,
  type BlockingDetector,
  type BlockingPlatform,
  type BlockingSession,
} from '../shared/blocking.js'
import type { StackFrame } from '../shared/model.js'
import type { ResolvedBlockingOptions } from '../shared/options.js'
import { EventLoopBlock } from '../shared/report.js'
import { reportInternalFault } from '../shared/scope.js'
import { parseStack } from '../shared/stack.js'
import {
  CONTROL,
  CONTROL_SLOTS,
  MARKER_KEY,
  STACK_TEXT_UNITS,
  type WatchdogData,
  type WatchdogMessage,
} from './blocking-shared.js'
import { asLeakscope, monotonicNow, sleep } from './natives.js'
import { isUserFrame, nodePlatformHooks } from './platform.js'

const NativeWorker: typeof workerThreads.Worker = workerThreads.Worker
const nativeSetInterval: typeof timers.setInterval = timers.setInterval
const nativeClearInterval: typeof timers.clearInterval = timers.clearInterval
const timeOrigin = performance.timeOrigin

/**
 * A stretch in which the process used less CPU than this share of it, with no JavaScript frame
 * of the program running, was the machine's doing (the process was not scheduled: a loaded
 * machine, SIGSTOP, a paused VM), not the program's.
 */
const STARVED_CPU_SHARE = 0.25
/** A reply slower than this means the thread sat in native code that V8 cannot interrupt. */
const NATIVE_LATENCY_MS = 40
/** How long a scope's end waits for a stack still on its way. */
const LATE_STACK_WAIT_MS = 250
/** A watchdog that has not said it is ready by then is given up on (run() stops waiting). */
const READY_TIMEOUT_MS = 3000
const WATCHDOG_URL = new URL('./blocking-watchdog.js', import.meta.url)
const MARKER = Symbol.for(MARKER_KEY)
const EXIT_WAIT_MS = 200

interface BlockRecord {
  readonly id: number
  readonly seq: number
  readonly start: number
  readonly duration: number
  stack: string | undefined
  latency: number | undefined
  /** CPU milliseconds the process used during the stretch. */
  readonly cpu: number
  /** The watchdog was running when the stretch began (a stack was possible). */
  readonly watched: boolean
  note: string | undefined
  /** The watchdog was taking a stack for it when the block ended. */
  awaitingStack: boolean
}

let blockSerial = 0

function fault(error: unknown): void {
  reportInternalFault(nodePlatformHooks, error)
}

function readText(text: Uint16Array, length: number): string {
  let result = ''
  for (let start = 0; start < length; start += 1024) {
    result += String.fromCharCode(...text.subarray(start, Math.min(length, start + 1024)))
  }
  return result
}

type WatchdogState = 'starting' | 'ready' | 'unavailable'

/** The heartbeat, the watchdog and the open sessions of this thread. */
class Monitor {
  readonly sessions: Set<NodeBlockingSession> = new Set()
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4))
  readonly #text = new Uint16Array(new SharedArrayBuffer(STACK_TEXT_UNITS * 2))
  readonly #awaiting: BlockRecord[] = []
  #interval = 0
  #previous = monotonicNow()
  #previousCpu = process.cpuUsage()
  // True when the previous beat fell exactly at a stretch boundary (a marker).
  #previousExact = true
  #timer: ReturnType<typeof timers.setInterval> | undefined
  #worker: InstanceType<typeof NativeWorker> | undefined
  #state: WatchdogState = 'starting'
  #reason = ''
  readonly ready: Promise<void>
  #markReady!: () => void

  constructor() {
    this.ready = new Promise<void>((resolve) => {
      this.#markReady = resolve
    })
    this.#startWatchdog()
    Object.defineProperty(globalThis, MARKER, {
      value: () => this.#onBeat(true),
      configurable: true,
      enumerable: false,
      writable: true,
    })
  }

  #startWatchdog(): void {
    // connectToMainThread() reaches the main thread only: from a worker it would sample the
    // wrong thread. Worker threads get durations.
    if (!workerThreads.isMainThread) {
      this.#settle('unavailable', 'stacks are taken on the main thread only')
      return
    }
    const data: WatchdogData = {
      control: this.#control.buffer as SharedArrayBuffer,
      text: this.#text.buffer as SharedArrayBuffer,
      pollInterval: 5,
    }
    try {
      const worker = asLeakscope(
        () =>
          new NativeWorker(WATCHDOG_URL, {
            workerData: data,
            name: 'leakscope-watchdog',
            // No loaders or flags of the host (they would only slow the start).
            execArgv: [],
          }),
      )
      this.#worker = worker
      worker.on('message', (message: WatchdogMessage) => {
        if (message.type === 'ready') this.#settle('ready', '')
        else this.#settle('unavailable', `the inspector is unavailable (${message.reason})`)
      })
      worker.on('error', (error: Error) => {
        this.#settle('unavailable', `the watchdog thread failed (${error.message})`)
      })
      worker.on('exit', () => {
        this.#settle('unavailable', 'the watchdog thread exited')
      })
      // Ref'd until it is ready (so `await scope.ready` cannot end the process), then
      // unref'd: it never keeps the process alive. Unref after the listeners: adding a
      // 'message' listener refs the port again.
      void this.ready.then(() => worker.unref())
      const timeout = asLeakscope(() =>
        timers.setTimeout(() => {
          this.#settle('unavailable', 'the watchdog thread did not start in time')
        }, READY_TIMEOUT_MS),
      )
      timeout.unref()
      void this.ready.then(() => timers.clearTimeout(timeout))
    } catch (error) {
      this.#settle(
        'unavailable',
        `no watchdog thread (${error instanceof Error ? error.message : String(error)})`,
      )
    }
  }

  #settle(state: WatchdogState, reason: string): void {
    if (this.#state !== 'starting') return
    this.#state = state
    this.#reason = reason
    this.#markReady()
  }

  /** Starts (or speeds up) the heartbeat for a new session. */
  add(session: NodeBlockingSession): void {
    this.sessions.add(session)
    this.#configure()
  }

  #configure(): void {
    let interval = Infinity
    let threshold = Infinity
    for (const session of this.sessions) {
      interval = Math.min(interval, session.options.checkInterval)
      threshold = Math.min(threshold, session.options.threshold)
    }
    if (!Number.isFinite(interval)) return
    Atomics.store(
      this.#control,
      CONTROL.sampleAfter,
      // Half the threshold: early enough that the marker splits back-to-back shorter
      // stretches before they add up to a false block.
      Math.max(1, Math.floor(threshold / 2)),
    )
    if (interval === this.#interval && this.#timer !== undefined) return
    if (this.#timer !== undefined) {
      this.beat()
      nativeClearInterval(this.#timer)
    }
    this.#interval = interval
    this.#previous = monotonicNow()
    this.#previousCpu = process.cpuUsage()
    this.#previousExact = true
    this.#timer = asLeakscope(() => nativeSetInterval(() => this.#onBeat(), interval))
    this.#timer.unref()
  }

  #onBeat(exact = false): void {
    try {
      this.beat(exact)
    } catch (error) {
      fault(error)
    }
  }

  /**
   * Measures the stretch since the previous beat. Called by the heartbeat (the stretch began
   * within the first interval after the previous beat: +-interval/2), by the marker and at a
   * scope's end (`exact`: the stretch ends, or is cut, right now).
   */
  beat(exact = false): void {
    if (this.#timer === undefined) return
    const now = monotonicNow()
    const gap = now - this.#previous
    const duration = this.#previousExact ? gap : gap - this.#interval / 2
    const cpuNow = process.cpuUsage()
    const cpu =
      (cpuNow.user - this.#previousCpu.user + cpuNow.system - this.#previousCpu.system) / 1000
    this.#previous = now
    this.#previousCpu = cpuNow
    this.#previousExact = exact
    const control = this.#control
    const seq = Atomics.load(control, CONTROL.beat)
    Atomics.store(control, CONTROL.beat, seq + 1)
    let longest = 0
    for (const session of this.sessions)
      if (session.seen(now - duration, now) > session.options.threshold)
        longest = Math.max(longest, duration)
    if (longest > 0) this.#record(seq, now - duration, duration, cpu)
    if (this.#awaiting.length > 0) this.#collectLateStacks()
  }

  #record(seq: number, start: number, duration: number, cpu: number): void {
    const block: BlockRecord = {
      id: ++blockSerial,
      seq,
      start,
      duration,
      stack: undefined,
      latency: undefined,
      cpu,
      watched: this.#state === 'ready',
      note: undefined,
      awaitingStack: false,
    }
    if (!this.#takeStack(block)) {
      if (Atomics.load(this.#control, CONTROL.sampling) === seq) {
        block.awaitingStack = true
        this.#awaiting.push(block)
      } else {
        block.note = this.#missingStackNote()
      }
    }
    for (const session of this.sessions)
      if (session.seen(start, start + duration) > session.options.threshold)
        session.blocks.push(block)
  }

  #takeStack(block: BlockRecord): boolean {
    const control = this.#control
    if (Atomics.load(control, CONTROL.stackSeq) !== block.seq) return false
    block.stack = readText(this.#text, Atomics.load(control, CONTROL.stackLength))
    block.latency = Atomics.load(control, CONTROL.latency)
    block.awaitingStack = false
    if (block.latency > NATIVE_LATENCY_MS)
      block.note = `the stack was taken ${block.latency} ms after it was asked for: the thread was inside native code (execSync, synchronous fs or crypto, an addon) that cannot be interrupted, so it shows where JavaScript resumed, normally the caller of that native call`
    return true
  }

  #collectLateStacks(): void {
    for (let index = this.#awaiting.length - 1; index >= 0; index--) {
      const block = this.#awaiting[index] as BlockRecord
      if (this.#takeStack(block)) this.#awaiting.splice(index, 1)
    }
  }

  /** Gives up on late stacks (the scope that waits for them is ending). */
  abandon(blocks: readonly BlockRecord[]): void {
    this.#collectLateStacks()
    for (const block of blocks) {
      if (!block.awaitingStack) continue
      block.awaitingStack = false
      block.note = `no stack: the watchdog's capture did not come back within ${LATE_STACK_WAIT_MS} ms of the scope's end`
      const index = this.#awaiting.indexOf(block)
      if (index !== -1) this.#awaiting.splice(index, 1)
    }
  }

  #missingStackNote(): string {
    if (this.#state === 'starting')
      return 'no stack: the watchdog thread was still starting (it takes 65-200 ms; run() and wrap() wait for it); the duration is measured on the main thread'
    if (this.#state === 'unavailable') return `no stack: ${this.#reason}`
    return 'no stack: the watchdog did not take one during this block'
  }

  /**
   * At process exit the watchdog's inspector session must be gone, or the exit waits for the
   * debugger to disconnect forever (Node 20). The watchdog polls every 5 ms; this waits up to
   * EXIT_WAIT_MS for it, only at exit, when the loop is over anyway.
   */
  stopAtExit(): void {
    const connected = this.#state === 'ready'
    this.stop()
    if (connected) Atomics.wait(this.#control, CONTROL.stopped, 0, EXIT_WAIT_MS)
  }

  /** Stops the heartbeat and the watchdog thread; never waits for the thread to exit. */
  stop(): void {
    const holder = globalThis as unknown as Record<symbol, unknown>
    if (holder[MARKER] !== undefined) delete holder[MARKER]
    if (this.#timer !== undefined) nativeClearInterval(this.#timer)
    this.#timer = undefined
    Atomics.store(this.#control, CONTROL.stop, 1)
    this.#settle('unavailable', 'the watchdog was stopped')
    const worker = this.#worker
    this.#worker = undefined
    try {
      worker?.postMessage('stop')
    } catch {
      // Already gone.
    }
  }
}

let monitor: Monitor | undefined
let exitHookInstalled = false

function currentMonitor(): Monitor {
  if (monitor === undefined) {
    monitor = new Monitor()
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.once('exit', () => monitor?.stopAtExit())
    }
  }
  return monitor
}

class NodeBlockingSession implements BlockingSession {
  readonly options: ResolvedBlockingOptions
  readonly blocks: BlockRecord[] = []
  readonly ready: Promise<void>
  readonly #monitor: Monitor
  openedAt: number

  constructor(options: ResolvedBlockingOptions) {
    this.options = options
    this.#monitor = currentMonitor()
    this.openedAt = monotonicNow()
    this.#monitor.add(this)
    this.ready = this.#monitor.ready
  }

  begin(): void {
    this.#monitor.beat(true)
    this.openedAt = monotonicNow()
    this.blocks.length = 0
  }

  close(): readonly EventLoopBlock[] | Promise<readonly EventLoopBlock[]> {
    const owner = this.#monitor
    // The stretch still running (a body that blocked right up to the scope's end) ends here.
    owner.beat(true)
    owner.sessions.delete(this)
    const blocks = this.blocks
    const release = (): void => {
      if (owner.sessions.size === 0) {
        owner.stop()
        if (monitor === owner) monitor = undefined
      }
    }
    if (!blocks.some((block) => block.awaitingStack)) {
      release()
      return toBlocks(blocks, this)
    }
    return this.#waitForStacks(owner, blocks).then(
      () => {
        release()
        return toBlocks(blocks, this)
      },
      (error: unknown) => {
        release()
        throw error
      },
    )
  }

  /** How much of the stretch from `start` to `end` this scope was open for. */
  seen(start: number, end: number): number {
    return end - Math.max(start, this.openedAt)
  }

  async #waitForStacks(owner: Monitor, blocks: readonly BlockRecord[]): Promise<void> {
    const deadline = monotonicNow() + LATE_STACK_WAIT_MS
    while (blocks.some((block) => block.awaitingStack) && monotonicNow() < deadline) {
      await sleep(2)
      owner.abandon([])
    }
    owner.abandon(blocks)
  }
}

// V8 names a timer callback after Node's receiver: `Timeout.crunch [as _onTimeout]`.
const TIMER_RECEIVER = /^(?:Timeout|Immediate)\.(.+?) \[as _on(?:Timeout|Immediate)\]$/

function plainName(frame: StackFrame): StackFrame {
  const match = TIMER_RECEIVER.exec(frame.functionName)
  return match?.[1] === undefined ? frame : { ...frame, functionName: match[1] }
}

function frameFilter(frame: StackFrame): boolean {
  return frame.url !== '<anonymous>' && isUserFrame(frame)
}

function toBlocks(records: readonly BlockRecord[], session: NodeBlockingSession): EventLoopBlock[] {
  const blocks: EventLoopBlock[] = []
  for (const record of records) {
    const block = toBlock(record, session)
    if (block !== undefined) blocks.push(block)
  }
  return blocks
}

/** The block, or undefined when the stretch was the machine's, not the program's (see above). */
function toBlock(record: BlockRecord, session: NodeBlockingSession): EventLoopBlock | undefined {
  // A stretch that began before the scope opened counts from the opening.
  const start = Math.max(record.start, session.openedAt)
  const duration = record.start + record.duration - start
  let frames: StackFrame[] | undefined
  let userFrames = 0
  if (record.stack !== undefined) {
    const all = parseStack(record.stack).map(plainName)
    frames = all.filter(frameFilter)
    userFrames = frames.length
    if (frames.length === 0) frames = all.filter((frame) => frame.url !== '<anonymous>')
  }
  // Sleeping in native code (execSync, Atomics.wait) also uses no CPU, but its stack names the
  // program's caller; a watchdog still starting could not have taken one, so it proves nothing.
  // A stack with no frame at all, taken at once, was taken with the thread idle in the event
  // loop: whatever delayed the heartbeat, it was not JavaScript. (Taken late, it only shows that
  // the native call that held the thread had returned by then.)
  const idle =
    frames !== undefined &&
    frames.length === 0 &&
    record.latency !== undefined &&
    record.latency <= NATIVE_LATENCY_MS
  if (
    record.watched &&
    userFrames === 0 &&
    (idle || record.cpu < STARVED_CPU_SHARE * record.duration)
  ) {
    return undefined
  }
  const top = frames?.[0]
  return new EventLoopBlock({
    id: record.id,
    duration: Math.round(duration * 10) / 10,
    threshold: session.options.threshold,
    startTime: timeOrigin + start,
    ...(frames === undefined ? {} : { blockingStack: frames }),
    ...(top === undefined
      ? {}
      : {
          source: {
            url: top.url,
            line: top.line,
            column: top.column,
            functionName: top.functionName,
          },
        }),
    ...(record.note === undefined ? {} : { note: record.note }),
  })
}

const nodeBlockingPlatform: BlockingPlatform = {
  ...nodePlatformHooks,
  open: (options) => new NodeBlockingSession(options),
}

/** Reports synchronous stretches longer than `threshold` ms, with the stack that ran them. */
export const noEventLoopBlocking: BlockingDetector = createBlockingDetector(nodeBlockingPlatform)
