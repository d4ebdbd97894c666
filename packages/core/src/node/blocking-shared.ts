// What the main thread and the watchdog thread of `noEventLoopBlocking` share.

/** Slots of the shared Int32Array. */
export const CONTROL = {
  /** Heartbeat counter; the main thread bumps it on every beat. */
  beat: 0,
  /** Milliseconds without a beat before the watchdog takes a stack. */
  sampleAfter: 1,
  /** Non-zero: the watchdog stops. */
  stop: 2,
  /** The beat counter value the stack text belongs to (written last). */
  stackSeq: 3,
  /** Characters of stack text. */
  stackLength: 4,
  /** Milliseconds from the request to the reply. */
  latency: 5,
  /** The beat counter value of the capture in flight. */
  sampling: 6,
  /** Set (and notified) by the watchdog once its inspector session is disconnected. */
  stopped: 7,
} as const

export const CONTROL_SLOTS = 8
/** UTF-16 units of stack text kept (about 60 frames). */
export const STACK_TEXT_UNITS = 8192

export interface WatchdogData {
  control: SharedArrayBuffer
  text: SharedArrayBuffer
  pollInterval: number
}

export type WatchdogMessage = { type: 'ready' } | { type: 'unavailable'; reason: string }

/** Where the main thread puts the function that marks the end of a sampled stretch. */
export const MARKER_KEY = 'leakscope.blockingMarker'

/**
 * Evaluated on the main thread, inside whatever code is running: its stack, taken with a
 * raised frame limit (the expression's own frame has no file and is dropped when parsed). It
 * also queues the main thread's marker with `process.nextTick`, which runs as soon as the
 * running macrotask returns to the loop: the exact end of the stretch, so two blocks with no
 * timer phase between them (an I/O callback, then an immediate) are never merged.
 */
export const STACK_EXPRESSION: string =
  '(() => { const l = Error.stackTraceLimit; Error.stackTraceLimit = 60; ' +
  `try { const m = globalThis[Symbol.for('${MARKER_KEY}')]; ` +
  "if (typeof m === 'function') process.nextTick(m); " +
  'return new Error().stack } finally { Error.stackTraceLimit = l } })()'
