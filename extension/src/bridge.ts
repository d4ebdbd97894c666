// The extension bridge: every message that crosses a boundary, typed by the core's report model.
//
//   page (MAIN world)                     extension
//   agent ── shim ──postMessage──▶ relay (ISOLATED) ──port──▶ service worker ──port──▶ panel
//              ◀──postMessage── (control)            ◀──port──                 ◀──port──
//
// Page -> relay messages are hostile until validated (validate.ts). Shared by the panel (which
// only needs PanelHost, ToPanel and FromPanel) and the rest of the extension.
import type { OriginalLocation } from 'leakscope'
import { AGENT_PROTOCOL, type AgentBatch, type BrowserTaskKind } from './agent-protocol.js'

export type { AgentBatch, AgentScopeReport } from './agent-protocol.js'
export type {
  BrowserTaskKind,
  EventLoopBlockData,
  LeakReportData,
  LeakedTaskData,
  StackFrame,
} from './agent-protocol.js'

/** Version of this bridge (the envelope tag's `v`). */
export const BRIDGE_VERSION = 1

// ---------------------------------------------------------------------------------------------
// Panel side (the contract with the panel UI)

/**
 * What the panel page gets from its environment: the DevTools host (chrome.devtools) or the tab
 * host (`panel.html?tab=ID` in a normal tab, for tests). Pick one with `createPanelHost()`.
 */
export interface PanelHost {
  readonly tabId: number
  readonly theme: 'light' | 'dark'
  connect(handlers: {
    message(m: ToPanel): void
    status(s: 'connected' | 'disconnected'): void
  }): PanelConnection
  /**
   * False where `openResource` cannot open a source viewer (Firefox's DevTools have no
   * `panels.openResource`): it copies the location instead. Absent means true.
   */
  readonly canOpenResource?: boolean
  /** 0-based line and column, like chrome.devtools.panels.openResource. Only http(s)/file URLs. */
  openResource(url: string, line0: number, column0: number): void
}

export interface PanelConnection {
  send(m: FromPanel): void
  close(): void
}

/**
 * Messages to the panel. Per frame, a `batch` with `seq: 1` starts a new subscription: it carries
 * every live item in `added` (replace that frame's live view) and replays the frame's past long
 * frames and reports. It follows the frame's `agent` message after a load, a reconnect and a
 * resync (sent after the relay had to drop data). When a frame's document goes away, the worker
 * sends an empty `seq: 1` batch for it.
 */
export type ToPanel =
  | {
      type: 'agent'
      frameId: number
      url: string
      protocol: number
      version: string
      compatible: boolean
    }
  | { type: 'batch'; frameId: number; batch: AgentBatch }
  /** The top frame navigated: the panel resets its live view. */
  | { type: 'navigated'; url: string }
  | { type: 'recording'; state: 'started' | 'stopped'; scopeIds: Record<number, number> }
  | { type: 'error'; message: string }
  /**
   * Answers a `resolve-frames`: every asked location, with `original` when the script's source
   * map maps it (locations nobody could resolve come back without it).
   */
  | { type: 'resolved-frames'; frames: ResolvedLocation[] }

/** A generated source location (1-based line and column, as in a StackFrame). */
export interface FrameLocation {
  url: string
  line: number
  column: number
}

/** Its original location per the script's source map: the core model's `StackFrame.original`. */
export type { OriginalLocation }

export interface ResolvedLocation extends FrameLocation {
  original?: OriginalLocation
}

export type FromPanel =
  /** Opens an agent scope (blocking: true) in every frame. */
  | { type: 'record-start' }
  /** Closes them; their reports arrive in batches (origin 'agent'). */
  | { type: 'record-stop' }
  /** Cancels a live item. Pass its `kind`: the agent's ids are unique per kind only. */
  | { type: 'cancel'; frameId: number; id: number; kind?: BrowserTaskKind }
  /**
   * Asks for the original locations of http(s) script locations (at most LIMITS.resolveFrames).
   * The worker asks a relay of the tab whose document has the script's origin (its fetches are
   * same-origin); the answer is a `resolved-frames`.
   */
  | { type: 'resolve-frames'; frames: FrameLocation[] }

// ---------------------------------------------------------------------------------------------
// Page side: MAIN-world shim <-> ISOLATED-world relay, through `globalThis.postMessage`

/** Tag of page -> relay messages: `{ tag, v: 1, type, payload }`. */
export const BRIDGE_TAG = 'leakscope-bridge'
/** Tag of relay -> page (control) messages: a different tag so neither side reads its own. */
export const CONTROL_TAG = 'leakscope-bridge-control'

/** Agent protocols this extension speaks (the shim adapts protocol 1 by polling `live()`). */
export const SUPPORTED_AGENT_PROTOCOLS: readonly number[] = [1, AGENT_PROTOCOL]

export interface AgentHello {
  protocol: number
  version: string
  url: string
  /** The id of the recording scope this realm has open, if any (survives a reconnect). */
  recording?: number
}

export type PageMessage =
  | { type: 'hello'; payload: AgentHello }
  | { type: 'batch'; payload: AgentBatch }
  | { type: 'recording'; payload: { state: 'started' | 'stopped'; scopeId: number } }
  | { type: 'error'; payload: { message: string } }

export type PageEnvelope = { tag: typeof BRIDGE_TAG; v: typeof BRIDGE_VERSION } & PageMessage

export type ControlMessage =
  /** (Re)subscribe: the next batch has seq 1 and every live item. */
  | { type: 'subscribe' }
  | { type: 'unsubscribe' }
  | { type: 'record-start' }
  | { type: 'record-stop' }
  | { type: 'cancel'; id: number; kind?: BrowserTaskKind }

export type ControlEnvelope = { tag: typeof CONTROL_TAG; v: typeof BRIDGE_VERSION } & ControlMessage

// ---------------------------------------------------------------------------------------------
// Extension side: relay <-> service worker <-> panel host, through runtime messages and ports

/** Port from a relay (one per frame) to the service worker. */
export const RELAY_PORT = 'leakscope-relay'
/** Port from a panel host to the service worker; its first message is a `PanelInit`. */
export const PANEL_PORT = 'leakscope-panel'

export interface PanelInit {
  type: 'panel-init'
  tabId: number
}

/**
 * Sent by the panel host every 20 s: a message on a port keeps the service worker running
 * (Chrome 114+), so an open panel does not see the worker stop every 30 idle seconds.
 */
export interface PanelPing {
  type: 'panel-ping'
}

/** A relay asks once per document whether a panel is attached to its tab. */
export interface RelayQuery {
  type: 'relay-query'
}
export interface RelayQueryAnswer {
  attached: boolean
}

/** The service worker tells a tab's relays that a panel attached (they connect and subscribe). */
export interface RelayAttach {
  type: 'relay-attach'
}

/** Worker -> panel host: the first message on a panel port (the host then reports 'connected'). */
export interface PanelReady {
  type: 'panel-ready'
}
export type WorkerToPanel = ToPanel | PanelReady

/** The relay's answer to a `resolve-frames` (the relay's own work, from page data: revalidated). */
export interface RelayResolved {
  type: 'resolved-frames'
  payload: { frames: ResolvedLocation[] }
}
/** Relay -> worker over RELAY_PORT: validated page messages, and resolved locations. */
export type RelayToWorker = PageMessage | RelayResolved
/** Worker -> relay over RELAY_PORT: control messages for the page, or work for the relay. */
export type WorkerToRelay = ControlMessage | { type: 'resolve-frames'; frames: FrameLocation[] }
