// leakscope for browsers and web workers (the `browser` export condition). Loading it
// elsewhere throws (see environment.ts): Node.js needs the `node` condition.
import { WorkerLeakError } from '../shared/report.js'
import type { WorkerDetector } from '../shared/workers.js'
import { noWorkerLeaks } from './workers.js'

export {
  EventLoopBlock,
  EventLoopBlockError,
  LeakError,
  LeakedTask,
  LeakedWorker,
  REPORT_MODEL_VERSION,
  TaskLeakError,
  WorkerLeakError,
  formatFrames,
  parseStack,
  reportData,
  sourceLocation,
} from '../shared/index.js'
export type {
  Action,
  Attribution,
  BlockingDetector,
  BlockingOptions,
  BrowserTaskKind,
  CommonOptions,
  Detector,
  DetectorName,
  DetectorStatics,
  EventLoopBlockData,
  EventLoopBlockingScope,
  LeakReportData,
  LeakedTaskData,
  LeakedWorkerData,
  LoafScriptAttribution,
  Logger,
  NodeTaskKind,
  OriginalLocation,
  StackFrame,
  TaskDetector,
  TaskKind,
  TaskLeakOptions,
  TaskLeakScope,
  TaskState,
  WorkerDetector,
  WorkerKind,
  WorkerLeakOptions,
  WorkerLeakScope,
} from '../shared/index.js'
export { activeScopeCount, noTaskLeaks } from './tasks.js'
export { noEventLoopBlocking } from './blocking.js'
export { noWorkerLeaks }

/** The seed's name for `noWorkerLeaks` (the same function). */
export const noThreadLeaks: WorkerDetector = noWorkerLeaks

/** The seed's name for `WorkerLeakError`. */
export const ThreadLeakError: typeof WorkerLeakError = WorkerLeakError
export type ThreadLeakError = WorkerLeakError
