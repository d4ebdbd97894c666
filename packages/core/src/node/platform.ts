import { fileURLToPath } from 'node:url'
import type { StackFrame } from '../shared/model.js'
import type { PlatformHooks } from '../shared/scope.js'

export const nodePlatformHooks: PlatformHooks = {
  warn(message: string, code: string): void {
    process.emitWarning(message, { type: 'LeakscopeWarning', code })
  },
}

// Everything under dist/ is leakscope's own code, whether a stack names it by URL or by path;
// so is src/ beside it, which is what source maps (Vitest applies them) turn dist frames into.
const ownPrefixes = [
  new URL('../', import.meta.url),
  new URL('../../src/', import.meta.url),
].flatMap((url) => [url.href, fileURLToPath(url)])

/** Frames that are neither Node's internals nor leakscope's own. */
export function isUserFrame(frame: StackFrame): boolean {
  const { url } = frame
  return !(
    url.startsWith('node:') ||
    url.startsWith('internal/') ||
    ownPrefixes.some((prefix) => url.startsWith(prefix))
  )
}
