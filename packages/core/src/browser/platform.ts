import type { StackFrame } from '../shared/model.js'
import type { PlatformHooks } from '../shared/scope.js'
import { capturedConsole } from './natives.js'

export const browserPlatformHooks: PlatformHooks = {
  warn(message: string): void {
    capturedConsole.warn(message)
  },
}

// Everything under dist/ is leakscope's own code. Served URLs may carry a query (`?v=...`),
// which startsWith ignores.
const ownRootUrl = new URL('../', import.meta.url).href

/** Frames that are not leakscope's own. */
export function isUserFrame(frame: StackFrame): boolean {
  return !frame.url.startsWith(ownRootUrl)
}
