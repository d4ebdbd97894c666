// Readable failure text for Playwright's reporter. Playwright re-parses lines that start with
// `at ` as the error's own stack (and prints them twice), so no line may start with it.
import { LeakedTask, TaskLeakError, formatFrames } from 'leakscope'
import type { LeakReportData, LeakedWorkerData } from 'leakscope'
import type { DocumentFindings } from './checks.js'
import type { LongFrameData } from './long-tasks.js'

/** Number of findings (tasks and workers) in a report. */
export function findingCount(report: Pick<LeakReportData, 'tasks' | 'workers'>): number {
  return report.tasks.length + report.workers.length
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function noStackLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^(\s*)at /, '$1@ '))
    .join('\n')
}

function formatWorker(worker: LeakedWorkerData): string {
  const lines = [`Leaked worker: ${worker.kind} "${worker.name}"`]
  if (worker.id > 0) lines.push(`  ID: ${worker.id}`)
  if (worker.url !== undefined) lines.push(`  URL: ${worker.url}`)
  if ((worker as { seenBy?: string }).seenBy === 'playwright') {
    lines.push(
      "  Seen by: Playwright (page.on('worker')) only; the agent did not see it created, so " +
        'there is no creation stack',
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
    parts.push(new TaskLeakError(report.tasks.map((t) => new LeakedTask(t))).message)
  }
  if (report.workers.length > 0) {
    parts.push(
      [
        `Detected ${plural(report.workers.length, 'leaked worker')}`,
        ...report.workers.map(formatWorker),
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
    const { functionName, url, line, column } = block.source
    lines.push(`  Source: ${functionName || '(anonymous)'} (${url}:${line}:${column})`)
  }
  for (const script of block.attribution ?? []) {
    const where =
      script.line === undefined
        ? script.sourceURL || '(no source URL)'
        : `${script.sourceURL}:${script.line}:${script.column ?? 1}`
    lines.push(
      `  Script: ${ms(script.duration)} ${script.invokerType} ${script.invoker}` +
        `${script.sourceFunctionName === '' ? '' : `, function ${script.sourceFunctionName}`} in ${where}`,
    )
  }
  if (block.note !== undefined) lines.push(`  Note: ${block.note}`)
  return lines.join('\n')
}

/** Long frames of one document as text. */
export function formatLongFrames(blocks: readonly LongFrameData[]): string {
  return noStackLines(
    [`Detected ${plural(blocks.length, 'long frame')}`, ...blocks.map(formatLongFrame)].join('\n\n'),
  )
}
