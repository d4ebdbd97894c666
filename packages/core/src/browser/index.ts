// leakscope for browsers and web workers (the `browser` export condition). Loading it
// elsewhere throws (see environment.ts): Node.js needs the `node` condition.
import { WorkerLeakError } from '../shared/report.js'

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
} from '../shared/index.js'
export type {
  Action,
  Attribution,
  BrowserTaskKind,
  CommonOptions,
  Detector,
  DetectorName,
  DetectorStatics,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  LeakedWorkerData,
  LoafScriptAttribution,
  Logger,
  NodeTaskKind,
  StackFrame,
  TaskDetector,
  TaskKind,
  TaskLeakOptions,
  TaskLeakScope,
  TaskState,
  WorkerKind,
} from '../shared/index.js'
export { activeScopeCount, noTaskLeaks } from './tasks.js'

/** The seed's name for `WorkerLeakError`. */
export const ThreadLeakError: typeof WorkerLeakError = WorkerLeakError
export type ThreadLeakError = WorkerLeakError
