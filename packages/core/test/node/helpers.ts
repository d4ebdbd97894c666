import { fileURLToPath } from 'node:url'
import type { LeakedTask } from 'leakscope'

/** Collects LeakscopeWarnings emitted while `fn` runs (emitWarning delivers on a later tick). */
export async function collectWarnings(fn: () => Promise<unknown>): Promise<Error[]> {
  const warnings: Error[] = []
  const listener = (warning: Error): void => {
    if (warning.name === 'LeakscopeWarning') warnings.push(warning)
  }
  process.on('warning', listener)
  try {
    await fn()
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listener)
  }
  return warnings
}

/** The first creation frame, which must be the user's line. */
export function firstFrame(task: LeakedTask | undefined): {
  functionName: string
  file: string
  line: number
} {
  const frame = task?.creationStack?.[0]
  if (frame === undefined) throw new Error(`no creation frame on ${JSON.stringify(task)}`)
  const file = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url
  return { functionName: frame.functionName, file, line: frame.line }
}

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
