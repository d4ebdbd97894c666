import type { LeakedTask } from 'leakscope'

export const quiet = { action: 'log', logger: { warn() {} } } as const

/** The path of a creation frame's URL (Vite serves tests with a query string). */
export function firstFramePath(task: LeakedTask | undefined): string {
  const frame = task?.creationStack?.[0]
  if (frame === undefined) throw new Error(`no creation frame on ${JSON.stringify(task)}`)
  return new URL(frame.url).pathname
}

/** A real wait that no scope tracks: a MessageChannel round trip per millisecond step. */
export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now()
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      if (performance.now() - start >= ms) {
        channel.port1.close()
        resolve()
      } else channel.port2.postMessage(0)
    }
    channel.port2.postMessage(0)
  })
}
