// Long Animation Frames of a page's current document, read from the probe, turned into blocks with
// the script attribution located as url:line:column.
import type { Page } from '@playwright/test'
import { sourceLocation } from 'leakscope'
import type { EventLoopBlockData, LoafScriptAttribution, StackFrame } from 'leakscope'
import { PROBE_GLOBAL, type Probe, type RawFrame, type RawScript } from './probe.js'
import type { ContextSession } from './session.js'
import { fetchLimited, SOURCE_MAP_LIMITS } from './source-maps.js'

/** A Long Animation Frame longer than the threshold. */
export interface LongFrameData extends EventLoopBlockData {
  /** The frame's `blockingDuration` (ms): the part of its long tasks beyond 50 ms, plus rendering. */
  blockingDuration: number
  /** The document the frame happened in. */
  url: string
  /** The longest script's entry point (with `original` once resolved through a source map). */
  source?: StackFrame
}

/** Frames a check read, and the window they cover. */
export interface LongFrameWindow {
  url: string
  /** Whether the browser reports Long Animation Frames at all. */
  supported: boolean
  /** Epoch ms: the previous check on this document, or undefined (since the document started). */
  since: number | undefined
  /** Epoch ms of this check. */
  until: number
  frames: RawFrame[]
}

type ProbeHost = Record<string, Probe | undefined>

/**
 * Frames of `page`'s current document since the previous check on it (or since it started), after
 * the frame in progress has been reported. Marks them as checked.
 */
export async function readLongFrames(
  page: Page,
  session: ContextSession,
): Promise<LongFrameWindow> {
  const marks = session.longTaskMarks
  const read = async (after: Record<string, number>) =>
    page.evaluate(
      async ({ name, after }) => {
        const probe = (globalThis as unknown as ProbeHost)[name]
        if (probe === undefined) return undefined
        await probe.settle()
        return {
          doc: probe.doc,
          url: String((globalThis as { location?: { href?: string } }).location?.href ?? ''),
          supported: probe.loaf,
          frames: probe.frames(after[probe.doc] ?? 0),
          now: Date.now(),
        }
      },
      { name: PROBE_GLOBAL, after },
    )
  const result = await read(Object.fromEntries(marks))
  if (result === undefined) {
    throw new Error(
      `leakscope: no probe in ${page.url()}: use a page of the test's context (the leakscope ` +
        'fixtures prepare it) and navigate first.',
    )
  }
  const last = result.frames.at(-1)
  const since = marks.has(result.doc) ? session.checkedAt.get(result.doc) : undefined
  if (last !== undefined) marks.set(result.doc, last.serial)
  else if (!marks.has(result.doc)) marks.set(result.doc, 0)
  session.checkedAt.set(result.doc, result.now)
  return {
    url: result.url,
    supported: result.supported,
    since,
    until: result.now,
    frames: result.frames,
  }
}

/** Frames longer than `threshold` as blocks, with their scripts located. */
export async function longFrameBlocks(
  session: ContextSession,
  frames: readonly RawFrame[],
  threshold: number,
  url: string,
): Promise<LongFrameData[]> {
  const long = frames.filter((frame) => frame.duration > threshold)
  return Promise.all(long.map((frame) => toBlock(session, frame, threshold, url)))
}

async function toBlock(
  session: ContextSession,
  frame: RawFrame,
  threshold: number,
  url: string,
): Promise<LongFrameData> {
  const attribution = await Promise.all(frame.scripts.map((script) => locate(session, script)))
  const top = attribution
    .filter((script) => script.line !== undefined)
    .sort((a, b) => b.duration - a.duration)[0]
  const block: LongFrameData = {
    id: frame.serial,
    duration: round(frame.duration),
    blockingDuration: round(frame.blockingDuration),
    threshold,
    startTime: frame.startTime,
    url,
  }
  if (attribution.length > 0) block.attribution = attribution
  if (top !== undefined) {
    const source = {
      url: top.sourceURL,
      line: top.line ?? 1,
      column: top.column ?? 1,
      functionName: top.sourceFunctionName || top.invoker,
    }
    block.source = source
    block.blockingStack = [source]
    block.note =
      `where the entry point (${top.invokerType} ${top.invoker}) is defined: ` +
      'the browser takes no stack during a Long Animation Frame'
  } else if (attribution.length === 0) {
    block.note = 'no script attribution (rendering, or scripts this document cannot see)'
  }
  return block
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

async function locate(session: ContextSession, script: RawScript): Promise<LoafScriptAttribution> {
  const attribution: LoafScriptAttribution = {
    invoker: script.invoker,
    invokerType: script.invokerType,
    sourceURL: script.sourceURL,
    sourceFunctionName: script.sourceFunctionName,
    duration: round(script.duration),
  }
  if (script.sourceURL === '' || script.sourceCharPosition < 0) return attribution
  const text = await sourceText(session, script.sourceURL)
  if (text === undefined) return attribution
  const location = sourceLocation(text, script.sourceCharPosition, script.sourceFunctionName)
  if (location !== undefined) Object.assign(attribution, location)
  return attribution
}

function sourceText(session: ContextSession, url: string): Promise<string | undefined> {
  let text = session.sources.get(url)
  if (text === undefined) {
    text = /^https?:/.test(url)
      ? fetchLimited(session.context.request, url, SOURCE_MAP_LIMITS.scriptBytes).then(
          (fetched) => fetched?.text,
        )
      : Promise.resolve(undefined)
    session.sources.set(url, text)
  }
  return text
}
