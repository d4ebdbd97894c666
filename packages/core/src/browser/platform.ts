import type { LeakReportData, StackFrame } from '../shared/model.js'
import type { PlatformHooks } from '../shared/scope.js'
import { capturedConsole } from './natives.js'

type ReportSink = (report: LeakReportData, detector: string) => void

// An injected agent (the DevTools extension, Playwright) shows the page's own scopes too: hand
// it every ended scope's report. Looked up at each end, since the agent may come later.
function publishToAgent(report: LeakReportData, detector: string): void {
  const agent = (globalThis as { __LEAKSCOPE_AGENT__?: { publish?: unknown } }).__LEAKSCOPE_AGENT__
  if (typeof agent?.publish === 'function') {
    ;(agent.publish as ReportSink).call(agent, report, detector)
  }
}

let reportSink: ReportSink | undefined = publishToAgent

/**
 * Replaces where ended scopes' reports go (the agent's own bundle reports its scopes itself);
 * returns the disposer that puts the previous sink back.
 */
export function setReportSink(sink: ReportSink | undefined): () => void {
  const previous = reportSink
  reportSink = sink
  return () => {
    reportSink = previous
  }
}

export const browserPlatformHooks: PlatformHooks = {
  warn(message: string): void {
    capturedConsole.warn(message)
  },
  ended(report: LeakReportData, detector: string): void {
    reportSink?.(report, detector)
  },
}

// Everything under dist/ is leakscope's own code. Served URLs may carry a query (`?v=...`),
// which startsWith ignores.
const ownRootUrl = new URL('../', import.meta.url).href

/** Frames that are not leakscope's own. */
export function isUserFrame(frame: StackFrame): boolean {
  return !frame.url.startsWith(ownRootUrl)
}
