import {
  EventLoopBlock,
  formatBlockReport,
  formatTaskReport,
  formatWorkerReport,
  LeakedTask,
  LeakedWorker,
} from '../../shared/report.js'
import type { RunReport } from './protocol.js'

export function hasFindings(report: RunReport): boolean {
  return report.tasks.length + report.workers.length + report.blocks.length > 0
}

function paint(enabled: boolean, code: string, text: string): string {
  return enabled ? `\u001b[${code}m${text}\u001b[0m` : text
}

function describeEnd(report: RunReport): string {
  switch (report.end) {
    case 'timeout':
      return 'was still running at --timeout and was stopped'
    case 'interrupted':
      return 'was interrupted'
    case 'process.exit':
      return `called process.exit(${report.exitCode ?? ''})`
    default:
      return report.signal !== null
        ? `was killed by ${report.signal}`
        : `exited with code ${report.exitCode ?? 0}`
  }
}

/** The text report: one section per detector, each item with its stack. */
export function formatRunReport(report: RunReport, threshold: number, color: boolean): string {
  const title = paint(color, '1', `leakscope: ${report.script} ${describeEnd(report)}`)
  const sections = [title]
  if (report.tasks.length > 0) {
    sections.push(
      paint(color, '31', formatTaskReport(report.tasks.map((task) => new LeakedTask(task)))),
    )
  }
  if (report.workers.length > 0) {
    sections.push(
      paint(
        color,
        '31',
        formatWorkerReport(report.workers.map((worker) => new LeakedWorker(worker))),
      ),
    )
  }
  if (report.blocks.length > 0) {
    sections.push(
      paint(
        color,
        '33',
        formatBlockReport(report.blocks.map((block) => new EventLoopBlock(block))),
      ),
    )
  }
  if (!hasFindings(report)) {
    sections.push(
      `No leaked tasks, no workers left running, no event-loop blocks over ${threshold} ms.`,
    )
  }
  for (const note of report.notes) sections.push(paint(color, '2', `Note: ${note}`))
  return sections.join('\n\n')
}
