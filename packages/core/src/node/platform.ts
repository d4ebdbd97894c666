import { fileURLToPath } from 'node:url'
import type { StackFrame } from '../shared/model.js'
import type { PlatformHooks } from '../shared/scope.js'

export const nodePlatformHooks: PlatformHooks = {
  warn(message: string, code: string): void {
    process.emitWarning(message, { type: 'LeakscopeWarning', code })
  },
}

// Everything under dist/ is leakscope's own code, whether a stack names it by URL or by path.
const ownRootUrl = new URL('../', import.meta.url).href
const ownRootPath = fileURLToPath(ownRootUrl)

/** Frames that are neither Node's internals nor leakscope's own. */
export function isUserFrame(frame: StackFrame): boolean {
  const { url } = frame
  return !(
    url.startsWith('node:') ||
    url.startsWith('internal/') ||
    url.startsWith(ownRootUrl) ||
    url.startsWith(ownRootPath)
  )
}
