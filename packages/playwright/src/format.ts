// Readable failure text for Playwright's reporter.
import { LeakedTask, LeakedWorker, TaskLeakError, WorkerLeakError } from 'leakscope'
import type { LeakReportData } from 'leakscope'

/** Number of findings (tasks and workers) in a report. */
export function findingCount(report: LeakReportData): number {
  return report.tasks.length + report.workers.length
}

/**
 * The report as text: each item with its creation stack. Playwright's reporter re-parses lines
 * that start with `at ` as the error's own stack, so no line may start with it.
 */
export function formatReport(report: LeakReportData): string {
  const parts: string[] = []
  if (report.tasks.length > 0) {
    parts.push(new TaskLeakError(report.tasks.map((t) => new LeakedTask(t))).message)
  }
  if (report.workers.length > 0) {
    parts.push(new WorkerLeakError(report.workers.map((w) => new LeakedWorker(w))).message)
  }
  return parts
    .join('\n\n')
    .split('\n')
    .map((line) => line.replace(/^(\s*)at /, '$1@ '))
    .join('\n')
}
