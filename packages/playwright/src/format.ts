// Readable failure text for Playwright's reporter. Playwright parses every line of an error's
// text with its V8-frame pattern (`at ` optional: `fn (file:line:column)` and `file:line:column`
// both match) and prints the lines it recognises a second time, as the error's own stack. So no
// line may start with `at ` or end in `:line:column` / `:line:column)`. Core's `formatFrames`
// already writes frames location first, `url:line:column (function)`; `noStackLines` guards the
// rest of the text, which carries page-supplied strings (names, details) that may look like one.
import { LeakedTask, TaskLeakError, formatFrames } from 'leakscope'
import type { LeakReportData, LeakedWorkerData, StackFrame } from 'leakscope'
import type { DocumentFindings } from './checks.js'
import type { LongFrameData } from './long-tasks.js'

/** Number of findings (tasks and workers) in a report. */
export function findingCount(report: Pick<LeakReportData, 'tasks' | 'workers'>): number {
  return report.tasks.length + report.workers.length
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

const FRAME_LINE = /^(\s*)(.*?) \(([^()]*:\d+:\d+)\)$/

function safeLine(line: string): string {
  const text = line.replace(/^(\s*)at /, '$1@ ')
  const frame = FRAME_LINE.exec(text)
  return frame === null ? text : `${frame[1]}${frame[3]} (${frame[2] || 'anonymous'})`
}

function noStackLines(text: string): string {
  return text.split('\n').map(safeLine).join('\n')
}

// Frames of Playwright's own `page.evaluate` wrapper (the test calling into the page) are not the
// page's: they say `<anonymous>` where a page frame names its script.
function pageFramesOnly<T extends { creationStack?: StackFrame[] }>(item: T): T {
  const stack = item.creationStack?.filter((frame) => !frame.url.includes('<anonymous>'))
  return stack === undefined || stack.length === 0 ? item : { ...item, creationStack: stack }
}

function formatWorker(worker: LeakedWorkerData): string {
  const lines = [`Leaked worker: ${worker.kind} "${worker.name}"`]
  if (worker.id > 0) lines.push(`  ID: ${worker.id}`)
  if (worker.url !== undefined) lines.push(`  URL: ${worker.url}`)
  if ((worker as { seenBy?: string }).seenBy === 'playwright') {
    lines.push(
      "  Seen by: Playwright (page.on('worker')), without a creation stack (the agent reports " +
        "workers in scopes, and never sees workers built with another realm's constructor)",
    )
  } else if (worker.creationStack !== undefined) {
    lines.push('  Created at:', formatFrames(worker.creationStack))
  }
  return lines.join('\n')
}

/** The report as text: each item with its creation stack. */
export function formatReport(report: Pick<LeakReportData, 'tasks' | 'workers'>): string {
  const parts: string[] = []
  if (report.tasks.length > 0) {
    parts.push(
      new TaskLeakError(report.tasks.map((t) => new LeakedTask(pageFramesOnly(t)))).message,
    )
  }
  if (report.workers.length > 0) {
    parts.push(
      [
        `Detected ${plural(report.workers.length, 'leaked worker')}`,
        ...report.workers.map((w) => formatWorker(pageFramesOnly(w))),
      ].join('\n\n'),
    )
  }
  return noStackLines(parts.join('\n\n'))
}

/** Findings of several documents (the page-level checks). */
export function formatDocuments(documents: readonly DocumentFindings[]): string {
  return documents
    .filter((d) => d.tasks.length + d.workers.length > 0)
    .map((d) => {
      const since =
        d.since === undefined
          ? 'since it started (it had not finished loading)'
          : `since its load event (${new Date(d.since).toISOString()})`
      return `Document: ${d.url}\nCounted: what it created ${since}\n\n${formatReport(d)}`
    })
    .join('\n\n')
}

function ms(value: number): string {
  return `${value.toFixed(1)}ms`
}

/** One long frame as text. */
export function formatLongFrame(block: LongFrameData): string {
  const lines = [
    `Long frame: ${ms(block.duration)} (threshold: ${block.threshold}ms), blocking ${ms(block.blockingDuration)}`,
    `  Started: ${new Date(block.startTime).toISOString()}`,
  ]
  if (block.source !== undefined) {
    const { url, line, column } = block.source.original ?? block.source
    lines.push(`  Source: ${url}:${line}:${column} (${block.source.functionName || 'anonymous'})`)
  }
  for (const script of block.attribution ?? []) {
    const where =
      script.line === undefined
        ? script.sourceURL || '(no source URL)'
        : `${script.sourceURL}:${script.line}:${script.column ?? 1}`
    const fn = script.sourceFunctionName === '' ? '' : `, function ${script.sourceFunctionName}`
    lines.push(
      `  Script: ${where} (${ms(script.duration)}, ${script.invokerType} ${script.invoker}${fn})`,
    )
  }
  if (block.note !== undefined) lines.push(`  Note: ${block.note}`)
  return lines.join('\n')
}

/** Long frames of one document as text. */
export function formatLongFrames(blocks: readonly LongFrameData[]): string {
  return noStackLines(
    [`Detected ${plural(blocks.length, 'long frame')}`, ...blocks.map(formatLongFrame)].join(
      '\n\n',
    ),
  )
}
