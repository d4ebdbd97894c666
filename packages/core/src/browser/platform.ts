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

// Everything under dist/ is leakscope's own code; bundled (Vite's dependency optimizer puts an
// installed leakscope in `.vite/deps/leakscope.js`, next to other packages' bundles), only the
// file this module runs from is. Read from `import.meta.url` itself: the optimizer rewrites
// `new URL('../', import.meta.url)` to point back at the package's own files, which the code
// does not run from. Served URLs may carry a query (`?v=...`), which startsWith ignores.
const here = import.meta.url.replace(/[?#].*$/, '')
const UNBUNDLED = /\/browser\/platform\.js$/
const ownRootUrl = UNBUNDLED.test(here) ? here.replace(UNBUNDLED, '/') : here

/** Frames that are not leakscope's own. */
export function isUserFrame(frame: StackFrame): boolean {
  return !frame.url.startsWith(ownRootUrl)
}
