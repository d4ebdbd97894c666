// The agent's protocol: what `globalThis.__LEAKSCOPE_AGENT__` offers a caller (Playwright's
// `page.evaluate`, an extension's MAIN-world script, CDP `Runtime.evaluate`). Everything it
// returns is plain model data (JSON- and structured-clone-safe).
import type {
  BrowserTaskKind,
  LeakReportData,
  LeakedTaskData,
  REPORT_MODEL_VERSION,
} from '../shared/model.js'

/** Name of the one global the agent defines. */
export const AGENT_GLOBAL = '__LEAKSCOPE_AGENT__'

/** Version of this protocol; bumped on any incompatible change. */
export const AGENT_PROTOCOL_VERSION = 1

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
  /** Opens a scope; returns its id. */
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
  /** Cancels a live item (clears, removes, disconnects, closes, aborts); false if unknown. */
  cancel(id: number): boolean
}
