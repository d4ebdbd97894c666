// The platform-neutral public surface, re-exported by name from each platform entry.
export { REPORT_MODEL_VERSION } from './model.js'
export type {
  BrowserTaskKind,
  DetectorName,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  LeakedWorkerData,
  LoafScriptAttribution,
  NodeTaskKind,
  OriginalLocation,
  StackFrame,
  TaskKind,
  TaskState,
  WorkerKind,
} from './model.js'
export type {
  Action,
  Attribution,
  BlockingOptions,
  CommonOptions,
  Logger,
  TaskLeakOptions,
  WorkerLeakOptions,
} from './options.js'
export {
  EventLoopBlock,
  EventLoopBlockError,
  LeakError,
  LeakedTask,
  LeakedWorker,
  TaskLeakError,
  WorkerLeakError,
  reportData,
} from './report.js'
export { formatFrames, parseStack } from './stack.js'
export { sourceLocation } from './source.js'
export type { Detector, DetectorStatics } from './scope.js'
export type { TaskDetector, TaskLeakScope } from './tasks.js'
export type { BlockingDetector, EventLoopBlockingScope } from './blocking.js'
export type { WorkerDetector, WorkerLeakScope } from './workers.js'
