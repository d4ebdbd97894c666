// The types the panel works with, from one place: the bridge shapes (../bridge.ts) and the core's
// report model (type-only: the panel bundles no leakscope code).
export type { AgentBatch, AgentScopeReport, BrowserTaskKind } from '../agent-protocol.js'
export type {
  FrameLocation,
  FromPanel,
  OriginalLocation,
  PanelConnection,
  PanelHost,
  ResolvedLocation,
  ToPanel,
} from '../bridge.js'
export { SUPPORTED_AGENT_PROTOCOLS } from '../bridge.js'
export type {
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  LeakedWorkerData,
  LoafScriptAttribution,
  StackFrame,
} from 'leakscope'
