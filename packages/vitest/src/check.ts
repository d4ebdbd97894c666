// Runs a body inside the enabled detectors' scopes and turns their findings into one report.
// Platform-neutral: used by the setup file (every test) and by the `toLeak` matcher.
import * as core from 'leakscope'
import type {
  EventLoopBlock,
  EventLoopBlockData,
  LeakedTask,
  LeakedTaskData,
  LeakedWorker,
  LeakedWorkerData,
  StackFrame,
} from 'leakscope'
import {
  DETECTOR_KEYS,
  detectorOptionError,
  type DetectorKey,
  type ResolvedTestConfig,
} from './options.js'

type Finding = LeakedTask | LeakedWorker | EventLoopBlock

interface AnyScope {
  run<T>(fn: () => T): Promise<Awaited<T>>
  check(): Promise<readonly Finding[]>
}

interface AnyDetector {
  (options?: Record<string, unknown>): AnyScope
  wrap(fn: () => void, options?: Record<string, unknown>): unknown
}

/**
 * The detector for a key, or undefined when the installed `leakscope` does not export it
 * (`noEventLoopBlocking` is wired in as soon as the core exports it).
 */
export function detectorFor(key: DetectorKey): AnyDetector | undefined {
  const exports = core as unknown as Record<string, AnyDetector | undefined>
  if (key === 'tasks') return exports.noTaskLeaks
  if (key === 'workers') return exports.noWorkerLeaks
  return exports.noEventLoopBlocking
}

/** True when this platform's `leakscope` provides the blocking detector. */
export const blockingAvailable: boolean = detectorFor('blocking') !== undefined

const noop = (): void => {}

/** Validates one detector's options with the detector itself (no scope is opened). */
export function checkDetectorOptions(key: DetectorKey, options: unknown, where: string): void {
  if (options === null || typeof options !== 'object') return
  const detector = detectorFor(key)
  if (detector === undefined) return
  try {
    detector.wrap(noop, { ...(options as Record<string, unknown>), action: 'log' })
  } catch (error) {
    throw detectorOptionError(where, key, error)
  }
}

export interface Findings {
  tasks: readonly LeakedTask[]
  workers: readonly LeakedWorker[]
  blocks: readonly EventLoopBlock[]
}

export interface CheckedRun {
  findings: Findings
  /** The body's error, if it threw (never swallowed: callers rethrow it). */
  bodyError?: unknown
  bodyFailed: boolean
}

const silent = { warn: noop }

// Frames that belong to the test runner or to this package, not to the user's code. An item
// whose captured frames all come from here was created by Vitest's own machinery. In this
// monorepo Vitest source-maps the package's frames from dist/ to src/.
const RUNNER_FRAME =
  /\/node_modules\/(?:vitest|@vitest|tinypool|tinyspy|birpc|chai|@leakscope\/vitest)\/|\/packages\/vitest\/(?:dist|src)\/|\/__vitest_browser__\/|\/__vitest__\//

// React's `act()` (test tooling, like the runner) runs its queue through a MessageChannel per
// call that it never closes; the ports are garbage once the message is in, but no garbage
// collection runs before the test ends. Matched on the function that opens it, in React itself
// (installed, or pre-bundled by Vite as `deps/react-<hash>.js`), so an app's own channel is
// still reported.
const REACT_FILE = /\/node_modules\/react\/|\/deps\/react(?:-[\w-]+)?\.js(?:\?|$)/

/**
 * Whether the test tooling made the item: all its frames are Vitest's or this package's, or it
 * is React `act()`'s own channel. Exported for tests.
 */
export function isRunnerOwned(frames: readonly StackFrame[] | undefined): boolean {
  if (frames === undefined || frames.length === 0) return false
  if (frames.every((frame) => RUNNER_FRAME.test(frame.url))) return true
  const first = frames[0]
  if (first?.functionName === 'enqueueTaskImpl' && REACT_FILE.test(first.url)) return true
  // File- and worker-scoped `test.extend` fixtures are set up lazily, inside the first test
  // that uses them, and live on after it: what their setup creates (synchronously, the frame
  // is then on the stack) belongs to the fixture, not to that test.
  return frames.some(
    (frame) =>
      frame.functionName.includes('resolveScopeFixtureValue') && RUNNER_FRAME.test(frame.url),
  )
}

function runnerOwned(finding: { creationStack?: StackFrame[] }): boolean {
  return isRunnerOwned(finding.creationStack)
}

// The runner's frames below the user's (Vitest calling the test) are noise in a report.
function userView<T extends { creationStack?: StackFrame[] }>(data: T): T {
  const frames = data.creationStack
  if (frames === undefined) return data
  const kept = frames.filter((frame) => !RUNNER_FRAME.test(frame.url))
  return kept.length === 0 ? data : { ...data, creationStack: kept }
}

/**
 * Opens the enabled scopes (blocking outermost, then workers, then tasks, so no detector
 * counts another's machinery), runs `body` inside, and returns what leaked.
 */
export async function runChecked(
  config: ResolvedTestConfig,
  body: () => unknown,
  where: string,
): Promise<CheckedRun> {
  const outcome: CheckedRun = {
    findings: { tasks: [], workers: [], blocks: [] },
    bodyFailed: false,
  }
  const scopes: Partial<Record<DetectorKey, AnyScope>> = {}
  const order: DetectorKey[] = ['blocking', 'workers', 'tasks']
  const enabled = order.filter((key) => config[key].enabled && detectorFor(key) !== undefined)

  const open = (key: DetectorKey): AnyScope => {
    const detector = detectorFor(key) as AnyDetector
    // The runner's own items are dropped before the grace period, not after it: Vitest's
    // withCancel adds an 'abort' listener to every test's signal and never removes it, so in
    // browser mode (global attribution, listeners tracked) each clean test waited the full grace.
    const extra = key === 'blocking' ? {} : { ignore: runnerOwned }
    try {
      return detector({ ...config[key].options, ...extra, action: 'log', logger: silent })
    } catch (error) {
      throw detectorOptionError(where, key, error)
    }
  }
  const nest = async (index: number): Promise<void> => {
    const key = enabled[index]
    if (key === undefined) {
      try {
        await body()
      } catch (error) {
        outcome.bodyFailed = true
        outcome.bodyError = error
      }
      return
    }
    const scope = open(key)
    scopes[key] = scope
    await scope.run(() => nest(index + 1))
  }
  await nest(0)

  // The scopes already left out the runner's own items (`ignore`).
  for (const key of DETECTOR_KEYS) {
    const scope = scopes[key]
    if (scope === undefined) continue
    const found = await scope.check()
    if (key === 'tasks') {
      outcome.findings.tasks = (found as readonly LeakedTask[]).map(
        (task) =>
          new core.LeakedTask(userView(task.toJSON()), () => {
            task.cancel()
          }),
      )
    } else if (key === 'workers') {
      outcome.findings.workers = (found as readonly LeakedWorker[]).map(
        (worker) =>
          new core.LeakedWorker(userView(worker.toJSON()), () => {
            worker.terminate()
          }),
      )
    } else {
      outcome.findings.blocks = (found as readonly EventLoopBlock[]).map((block) => {
        const data = block.toJSON()
        const frames = data.blockingStack?.filter((frame) => !RUNNER_FRAME.test(frame.url))
        return frames === undefined || frames.length === 0
          ? block
          : new core.EventLoopBlock({ ...data, blockingStack: frames })
      })
    }
  }
  return outcome
}

export function findingCount(findings: Findings): number {
  return findings.tasks.length + findings.workers.length + findings.blocks.length
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** One heading per detector: "2 leaked tasks", "1 leaked worker", "event loop blocked …". */
export function headings(findings: Findings): string[] {
  const parts: string[] = []
  if (findings.tasks.length > 0) parts.push(plural(findings.tasks.length, 'leaked task'))
  if (findings.workers.length > 0) parts.push(plural(findings.workers.length, 'leaked worker'))
  for (const block of findings.blocks) {
    parts.push(
      `event loop blocked ${Math.round(block.duration)} ms (threshold ${block.threshold} ms)`,
    )
  }
  return parts
}

/** The readable report: a one-line summary, then each detector's section with its stacks. */
export function formatFindings(findings: Findings): string {
  const sections = [`leakscope: ${headings(findings).join(', ')}`]
  if (findings.tasks.length > 0) sections.push(new core.TaskLeakError(findings.tasks).message)
  if (findings.workers.length > 0) {
    sections.push(new core.WorkerLeakError(findings.workers).message)
  }
  if (findings.blocks.length > 0) {
    sections.push(new core.EventLoopBlockError(findings.blocks).message)
  }
  return sections.join('\n\n')
}

/** The JSON report recorded with the test (`leakscope:report` artifact). */
export interface LeakscopeReportJSON {
  version: number
  test: string
  file: string
  action: string
  summary: string[]
  tasks: LeakedTaskData[]
  workers: LeakedWorkerData[]
  blocks: EventLoopBlockData[]
}

export function reportJSON(
  findings: Findings,
  test: string,
  file: string,
  action: string,
): LeakscopeReportJSON {
  return {
    version: core.REPORT_MODEL_VERSION,
    test,
    file,
    action,
    summary: headings(findings),
    tasks: findings.tasks.map((task) => task.toJSON()),
    workers: findings.workers.map((worker) => worker.toJSON()),
    blocks: findings.blocks.map((block) => block.toJSON()),
  }
}

/** The first user frame of the first finding: where Vitest should show its code frame. */
export function leakingFrames(findings: Findings): readonly StackFrame[] {
  for (const item of [...findings.tasks, ...findings.workers]) {
    if (item.creationStack !== undefined && item.creationStack.length > 0) return item.creationStack
  }
  for (const block of findings.blocks) {
    if (block.blockingStack !== undefined && block.blockingStack.length > 0)
      return block.blockingStack
  }
  return []
}

/** The error a leaking test fails with. Its stack points at the leaking line (code frame). */
export class LeakscopeTestError extends Error {
  constructor(message: string, frames: readonly StackFrame[]) {
    super(message)
    this.name = 'LeakscopeError'
    if (frames.length > 0) {
      this.stack = [
        `${this.name}: ${message}`,
        ...frames.map(
          (frame) => `    at ${frame.functionName} (${frame.url}:${frame.line}:${frame.column})`,
        ),
      ].join('\n')
    }
  }
}

/** Stops what leaked (`action: 'cancel'` and the matcher). */
export function cancelFindings(findings: Findings): void {
  for (const task of findings.tasks) task.cancel()
  for (const worker of findings.workers) worker.terminate()
}
