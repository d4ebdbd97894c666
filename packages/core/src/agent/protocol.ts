// The agent's protocol: what `globalThis.__LEAKSCOPE_AGENT__` offers a caller (Playwright's
// `page.evaluate`, an extension's MAIN-world script, CDP `Runtime.evaluate`). Everything it
// returns or passes to a listener is plain model data (JSON- and structured-clone-safe).
import type {
  BrowserTaskKind,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  REPORT_MODEL_VERSION,
} from '../shared/model.js'

/** Name of the one global the agent defines. */
export const AGENT_GLOBAL = '__LEAKSCOPE_AGENT__'

/**
 * Version of this protocol; bumped on any incompatible change. 2 added `subscribe`,
 * `longFrames`, `reports`, `publish` and blocking in scopes.
 */
export const AGENT_PROTOCOL_VERSION = 2

/** Default threshold (ms) of the agent's long-frame feed: a Long Animation Frame's own floor. */
export const AGENT_LONG_FRAME_THRESHOLD = 50

/** JSON-safe scope options (a RegExp travels as `{ source, flags }`). */
export interface AgentScopeOptions {
  /** Default `'global'`: the caller runs outside the page's own async context. */
  attribution?: 'context' | 'global'
  kinds?: BrowserTaskKind[]
  /** Default 0: a report read from outside should not wait. */
  grace?: number
  creationStacks?: boolean
  stackFrames?: number
  nameFilter?: string | { source: string; flags?: string }
  /** Also track Worker and SharedWorker (default true). */
  workers?: boolean
  /** Also record event-loop blocks longer than `threshold` ms (default 50) while the scope is open. */
  blocking?: boolean | { threshold?: number }
  /** Shown with the scope's report. */
  label?: string
}

/** A scope's report as the agent hands it on. */
export interface AgentScopeReport {
  /** The agent's scope id (`'agent'`), or a serial number of the page's own scopes (`'app'`). */
  scopeId: number
  /** `'agent'`: opened through `openScope`; `'app'`: the page's own bundled leakscope. */
  origin: 'agent' | 'app'
  label?: string
  /** `location.href` of the realm when the report was made. */
  url: string
  report: LeakReportData
}

/** What changed since the previous batch of one subscription. */
export interface AgentBatch {
  /** 1, 2, 3 ... per subscription. */
  seq: number
  /** Epoch milliseconds. */
  time: number
  /** Live pending items by kind, now (kinds with none are left out). */
  counts: Partial<Record<BrowserTaskKind, number>>
  /** Live items that appeared since the previous batch (the first batch: every live item). */
  added: LeakedTaskData[]
  /**
   * Items sent earlier that are no longer pending. Ids are unique per kind (timer handles,
   * frame handles and leakscope's serial numbers overlap), so key items by kind and id.
   */
  removed: { kind: BrowserTaskKind; id: number }[]
  /** Items left out of `added` by `maxItems` (they still count in `counts`, and come later). */
  truncated: number
  /** Long frames (blocks over 50 ms) that finished since the previous batch. */
  longFrames: EventLoopBlockData[]
  /** Scope reports (agent and app) made since the previous batch. */
  reports: AgentScopeReport[]
}

export interface AgentSubscribeOptions {
  /** Milliseconds between batches (default 250, at least 16). A batch goes out only when something changed. */
  interval?: number
  /** Most items per batch's `added` (default 1000); the rest follow in later batches. */
  maxItems?: number
}

export interface LeakscopeAgent {
  readonly protocol: typeof AGENT_PROTOCOL_VERSION
  readonly modelVersion: typeof REPORT_MODEL_VERSION
  /** The leakscope package version that built this agent. */
  readonly version: string
  /** `location.href` of the realm when the agent installed (every frame has its own agent). */
  readonly realm: string
  /** Epoch milliseconds of the install. */
  readonly installedAt: number
  /** Opens a scope; returns its id. Bad options throw a TypeError naming the option. */
  openScope(options?: AgentScopeOptions): number
  /** Ends a scope (once) and resolves with its report; unknown ids reject. */
  closeScope(id: number): Promise<LeakReportData>
  /** Ids of the scopes still open. */
  openScopes(): number[]
  /**
   * Items created since the agent installed and still pending now (timers, listeners, observers,
   * connections, requests), with creation stacks: the live registry.
   */
  live(): LeakedTaskData[]
  /**
   * Cancels a live item (clears, removes, disconnects, closes, aborts); false if unknown. Give
   * the kind too: ids are unique per kind only.
   */
  cancel(id: number, kind?: BrowserTaskKind): boolean
  /**
   * Calls `listener` with a batch of what changed: at once with everything live, then every
   * `interval` ms while something changed. Returns the disposer that stops it.
   */
  subscribe(listener: (batch: AgentBatch) => void, options?: AgentSubscribeOptions): () => void
  /** Long frames (blocks over 50 ms) seen since install, or since `since` (epoch ms); the last 200. */
  longFrames(since?: number): EventLoopBlockData[]
  /** Reports of scopes ended since install (agent and app scopes); the last 50. */
  reports(): AgentScopeReport[]
  /**
   * Hands the agent a report of the page's own scope (the page's bundled leakscope calls this
   * when one of its scopes ends). Malformed input is ignored.
   */
  publish(report: LeakReportData, label?: string): void
}
