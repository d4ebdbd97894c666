import type { StackFrame } from './model.js'

/**
 * An object whose `stack` V8 has captured but not yet formatted. Capturing walks frames
 * eagerly (cheap); turning them into text is what costs, so it waits until a report needs it.
 */
export interface StackHolder {
  stack?: string
}

// V8 / Chromium: "    at fn (url:1:2)", "    at url:1:2", "    at async fn (url:1:2)".
const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/
// Firefox / Safari: "fn@url:1:2".
const GECKO_FRAME = /^(.*?)@(.+?):(\d+):(\d+)$/

/** Parses one stack line; returns undefined for lines that name no source location. */
export function parseStackLine(line: string): StackFrame | undefined {
  const match = V8_FRAME.exec(line) ?? GECKO_FRAME.exec(line.trim())
  if (match === null) return undefined
  const [, fn, url, lineText, columnText] = match
  if (url === undefined || lineText === undefined || columnText === undefined) return undefined
  return {
    functionName: fn === undefined || fn === '' ? '<anonymous>' : fn,
    url,
    line: Number(lineText),
    column: Number(columnText),
  }
}

export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = []
  for (const line of stack.split('\n')) {
    const frame = parseStackLine(line)
    if (frame !== undefined) frames.push(frame)
  }
  return frames
}

/** Decides which frames belong to the platform or to leakscope itself (never shown). */
export type FrameFilter = (frame: StackFrame) => boolean

/** Reads and parses a holder's stack, keeping only the frames `isUserFrame` accepts. */
export function userFrames(holder: StackHolder, isUserFrame: FrameFilter): StackFrame[] {
  const text = holder.stack
  if (typeof text !== 'string') return []
  return parseStack(text).filter(isUserFrame)
}

// Location first, `url:line:column (function)`: test runners re-parse message lines that look
// like V8 frames (Playwright matches `at` optional, `fn (url:line:column)` and lines ending in
// `url:line:column`) and print them a second time as the error's own stack. A source-mapped
// frame is shown at its original location, the line the user wrote; the function name stays
// V8's (a map's `name` at a call site names the callee, not the caller).
export function formatFrame(frame: StackFrame): string {
  const at = frame.original ?? frame
  return `${at.url}:${at.line}:${at.column} (${frame.functionName})`
}

export function formatFrames(frames: readonly StackFrame[] | undefined, indent = '    '): string {
  if (frames === undefined || frames.length === 0) return `${indent}(no stack captured)`
  return frames.map((frame) => indent + formatFrame(frame)).join('\n')
}
