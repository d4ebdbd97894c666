// The agent's protocol 2 as the extension sees it. Until `leakscope/agent` exports these types
// (the lead adds protocol 2 on main), they mirror /work/plan/CONTRACTS.md; afterwards this file
// only re-exports them, so the rest of the extension imports from one place either way.
import type { EventLoopBlockData, LeakReportData, LeakedTaskData } from 'leakscope'

export type { EventLoopBlockData, LeakReportData, LeakedTaskData, StackFrame } from 'leakscope'

/** The agent protocol this extension was written against. */
export const AGENT_PROTOCOL = 2

export interface AgentScopeReport {
  scopeId: number
  /** `'app'`: a scope the page's own bundled leakscope opened and ended. */
  origin: 'agent' | 'app'
  label?: string
  /** `location.href` of the realm. */
  url: string
  report: LeakReportData
}

export interface AgentBatch {
  /** 1, 2, 3 ... per subscription. */
  seq: number
  /** Epoch milliseconds. */
  time: number
  /** Live pending items by kind now (task kinds and 'worker'/'shared-worker'). */
  counts: Record<string, number>
  /** Live items that appeared since the previous batch (first batch: all live). */
  added: LeakedTaskData[]
  /** Ids of items no longer pending. */
  removed: number[]
  /** Items left out of `added` by maxItems (they still count in `counts`). */
  truncated: number
  /** Long frames/blocks finished since the previous batch. */
  longFrames: EventLoopBlockData[]
  /** Scope reports finished since the previous batch. */
  reports: AgentScopeReport[]
}

export interface AgentScopeOptions {
  attribution?: 'context' | 'global'
  grace?: number
  creationStacks?: boolean
  stackFrames?: number
  workers?: boolean
  blocking?: boolean | { threshold?: number }
  label?: string
}

/** What the MAIN-world shim uses of `globalThis.__LEAKSCOPE_AGENT__` (protocol 1 or 2). */
export interface AgentLike {
  readonly protocol: number
  readonly version: string
  openScope(options?: AgentScopeOptions): number
  closeScope(id: number): Promise<LeakReportData>
  openScopes(): number[]
  live(): LeakedTaskData[]
  cancel(id: number): boolean
  /** Protocol 2 only. */
  subscribe?(
    listener: (batch: AgentBatch) => void,
    options?: { interval?: number; maxItems?: number },
  ): () => void
  longFrames?(since?: number): EventLoopBlockData[]
  reports?(): AgentScopeReport[]
}
