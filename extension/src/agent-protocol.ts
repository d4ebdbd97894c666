// The agent's protocol as the extension sees it: the types come from `leakscope/agent`
// (protocol 2); `AgentLike` is the part the MAIN-world shim relies on, loose enough for a
// protocol 1 agent (no subscribe) or a newer one the shim only greets.
import type { AgentBatch, AgentScopeOptions, AgentScopeReport } from 'leakscope/agent'
import type { EventLoopBlockData, LeakReportData, LeakedTaskData } from 'leakscope'

export type { AgentBatch, AgentScopeOptions, AgentScopeReport } from 'leakscope/agent'
export type {
  BrowserTaskKind,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  StackFrame,
} from 'leakscope'

/**
 * The agent protocol this extension was written against (`AGENT_PROTOCOL_VERSION` of
 * `leakscope/agent`; that entry is Node-only, so the number is repeated here and checked by
 * test/protocol.spec.ts).
 */
export const AGENT_PROTOCOL = 2

/** What the MAIN-world shim uses of `globalThis.__LEAKSCOPE_AGENT__` (protocol 1 or 2). */
export interface AgentLike {
  readonly protocol: number
  readonly version: string
  openScope(options?: AgentScopeOptions): number
  closeScope(id: number): Promise<LeakReportData>
  openScopes(): number[]
  live(): LeakedTaskData[]
  cancel(id: number, kind?: string): boolean
  /** Protocol 2 and later. */
  subscribe?(
    listener: (batch: AgentBatch) => void,
    options?: { interval?: number; maxItems?: number },
  ): () => void
  longFrames?(since?: number): EventLoopBlockData[]
  reports?(): AgentScopeReport[]
}
