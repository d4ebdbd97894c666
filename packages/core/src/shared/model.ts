// The one report model. Everything here is plain data: JSON- and structured-clone-safe, so
// detectors, test-runner integrations and the extension bridge can pass it around unchanged.

/** Version of the report model; bumped on any incompatible change to the shapes below. */
export const REPORT_MODEL_VERSION = 1

/**
 * One frame of a captured stack. `line` and `column` are 1-based. `url`, `line` and `column` are
 * always where the code ran (the generated location); `original` is set only by tools that
 * resolved the frame through the script's source map.
 */
export interface StackFrame {
  functionName: string
  url: string
  line: number
  column: number
  /** Where the source map puts this frame in the original source. */
  original?: OriginalLocation
}

/**
 * A location in an original source, per a source map: 1-based `line` and `column`, and `name`,
 * the original identifier the map records at that position, if any.
 */
export interface OriginalLocation {
  url: string
  line: number
  column: number
  name?: string
}

/** Kinds of asynchronous work tracked in Node.js. */
export type NodeTaskKind =
  | 'timeout'
  | 'interval'
  | 'immediate'
  | 'socket'
  | 'server'
  | 'udp-socket'
  | 'fs-watcher'
  | 'child-process'
  | 'fs-request'
  | 'dns-request'
  | 'listener'
  | 'promise'

/** Kinds of asynchronous work tracked in browsers. */
export type BrowserTaskKind =
  | 'timeout'
  | 'interval'
  | 'animation-frame'
  | 'idle-callback'
  | 'listener'
  | 'observer'
  | 'websocket'
  | 'event-source'
  | 'broadcast-channel'
  | 'message-port'
  | 'rtc-peer-connection'
  | 'fetch'
  | 'xhr'
  | 'media-stream'
  | 'geolocation-watch'
  | 'indexeddb'
  | 'promise'

export type TaskKind = NodeTaskKind | BrowserTaskKind

/**
 * `scheduled`: will run once (timeout, immediate, frame); `repeating`: an interval;
 * `open`: a handle, socket, listener or observer that stays until closed;
 * `in-flight`: a request not yet answered; `pending`: an unsettled promise.
 */
export type TaskState = 'scheduled' | 'repeating' | 'open' | 'in-flight' | 'pending'

export interface LeakedTaskData {
  id: number
  kind: TaskKind
  /** What `nameFilter` matches: the callback's name, a user label, or the kind. */
  name: string
  state: TaskState
  /** Epoch milliseconds. */
  createdAt: number
  /** Present when the item does not keep the process alive (Node `unref()`). */
  unref?: boolean
  /** Extra human-readable facts (address, command, event type). */
  detail?: string
  /** User frames, innermost first: the first frame is the line that created the item. */
  creationStack?: StackFrame[]
  /**
   * `'callback'`: `creationStack` holds where the item's callback is defined, not where the
   * item was created (`creationStacks: 'callback'`).
   */
  stackOrigin?: 'callback'
}

export type WorkerKind = 'worker' | 'shared-worker' | 'child-process'

export interface LeakedWorkerData {
  id: number
  kind: WorkerKind
  name: string
  url?: string
  createdAt: number
  creationStack?: StackFrame[]
}

export interface LoafScriptAttribution {
  invoker: string
  invokerType: string
  sourceURL: string
  sourceFunctionName: string
  line?: number
  column?: number
  duration: number
}

export interface EventLoopBlockData {
  id: number
  /** Milliseconds. */
  duration: number
  threshold: number
  /** Epoch milliseconds. */
  startTime: number
  blockingStack?: StackFrame[]
  source?: { url: string; line: number; column: number; functionName: string }
  attribution?: LoafScriptAttribution[]
  /** Why the stack is missing or approximate, when it is. */
  note?: string
}

export type DetectorName = 'tasks' | 'workers' | 'blocking'

/** A whole scope's result, as recorded by integrations and sent over the extension bridge. */
export interface LeakReportData {
  version: typeof REPORT_MODEL_VERSION
  detector: DetectorName
  tasks: LeakedTaskData[]
  workers: LeakedWorkerData[]
  blocks: EventLoopBlockData[]
}
