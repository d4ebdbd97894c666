// The blocking detector's fallbacks, in real Chromium. Chromium has Long Animation Frames, and
// no command-line switch turns them off (`--disable-blink-features=LongAnimationFrameTiming` and
// `--disable-features=...` leave 'long-animation-frame' in supportedEntryTypes), so:
// - heartbeat: a Web Worker, which has neither frames nor long tasks, runs the browser build;
// - longtask: a fresh same-origin iframe realm loads its own copy of the browser build after
//   'long-animation-frame' was taken out of its PerformanceObserver.supportedEntryTypes; the
//   longtask entries it then observes are Chromium's own.
import { describe, expect, test } from 'vitest'
import type { EventLoopBlockData } from 'leakscope'
import { wait } from './helpers.js'

const browserBuild = new URL('../../dist/browser/index.js', import.meta.url).href

function busyWait(ms: number): number {
  const start = performance.now()
  while (performance.now() - start < ms);
  return performance.now() - start
}

interface Outcome {
  mode: string
  actual: number
  blocks: EventLoopBlockData[]
}

// The worker's module, as text: Vitest rewrites `import()` in test files, so it cannot be a
// function of this file turned into a string.
const WORKER_SOURCE = `
const { noEventLoopBlocking } = await import(BUILD)
const spin = (ms) => {
  const start = performance.now()
  while (performance.now() - start < ms);
  return performance.now() - start
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const types = PerformanceObserver.supportedEntryTypes
const mode =
  types.includes('long-animation-frame') || types.includes('longtask') ? 'observer' : 'heartbeat'
try {
  const scope = noEventLoopBlocking({ action: 'log', logger: { warn() {} } })
  let actual = 0
  await sleep(30)
  if (BLOCK)
    await new Promise((resolve) =>
      setTimeout(() => {
        actual = spin(200)
        resolve()
      }, 0),
    )
  else
    for (let i = 0; i < 10; i++) {
      spin(10)
      await sleep(5)
    }
  await sleep(30)
  const blocks = await scope.check()
  postMessage({ mode, actual, blocks: JSON.parse(JSON.stringify(blocks)) })
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) })
}
`

function inWorker(block: boolean): Promise<Outcome> {
  const source = WORKER_SOURCE.replace('BUILD', JSON.stringify(browserBuild)).replace(
    'BLOCK',
    String(block),
  )
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
  const worker = new Worker(url, { type: 'module' })
  return new Promise<Outcome>((resolve, reject) => {
    worker.onmessage = ({ data }: MessageEvent<Outcome & { error?: string }>) => {
      worker.terminate()
      URL.revokeObjectURL(url)
      if (data.error === undefined) resolve(data)
      else reject(new Error(data.error))
    }
    worker.onerror = (event) => {
      worker.terminate()
      reject(new Error(event.message))
    }
  })
}

interface FrameWindow {
  PerformanceObserver: typeof PerformanceObserver
  eval(code: string): unknown
}

// A same-origin iframe with its own copy of the browser build, which sees no Long Animation Frames.
async function frameWithoutLoaf(): Promise<{
  frame: HTMLIFrameElement
  leakscope: typeof import('leakscope')
}> {
  const frame = document.createElement('iframe')
  frame.srcdoc = '<!doctype html><title>no LoAF</title><p>longtask fallback</p>'
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }))
  document.body.append(frame)
  await loaded
  const win = frame.contentWindow as unknown as FrameWindow
  const types = win.PerformanceObserver.supportedEntryTypes.filter(
    (type) => type !== 'long-animation-frame',
  )
  Object.defineProperty(win.PerformanceObserver, 'supportedEntryTypes', {
    configurable: true,
    get: () => types,
  })
  // A dynamic import evaluated in the frame's realm gets the frame's own module instance.
  const leakscope = (await win.eval(
    `import(${JSON.stringify(browserBuild)})`,
  )) as typeof import('leakscope')
  return { frame, leakscope }
}

describe('noEventLoopBlocking fallbacks (Chromium)', { retry: 2 }, () => {
  test('heartbeat (a Web Worker): a 200 ms block is reported with its duration', async () => {
    const { mode, actual, blocks } = await inWorker(true)
    expect(mode).toBe('heartbeat')
    expect(blocks).toHaveLength(1)
    const [block] = blocks
    expect(Math.abs(block!.duration - actual)).toBeLessThan(actual * 0.1 + 10)
    expect(block!.note).toMatch(/heartbeat/)
    expect(block!.blockingStack).toBeUndefined()
  })

  test('heartbeat (a Web Worker): short work is not reported', async () => {
    const { mode, blocks } = await inWorker(false)
    expect(mode).toBe('heartbeat')
    expect(blocks).toEqual([])
  })

  test('longtask (Chromium without Long Animation Frames): a 200 ms block is reported', async () => {
    const { frame, leakscope } = await frameWithoutLoaf()
    try {
      const scope = leakscope.noEventLoopBlocking({ action: 'log', logger: { warn() {} } })
      let actual = 0
      await wait(20)
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          actual = busyWait(200)
          resolve()
        }, 0)
      })
      await wait(50)
      const blocks = await scope.check()
      const long = blocks.filter((block) => block.duration >= 150)
      expect(long).toHaveLength(1)
      // A long task spans the whole task, a little more than the busy loop.
      expect(long[0]!.duration).toBeGreaterThanOrEqual(actual - 1)
      expect(long[0]!.duration).toBeLessThan(actual + 50)
      expect(long[0]!.note).toMatch(/^longtask entry/)
      expect(long[0]!.attribution).toBeUndefined()
    } finally {
      frame.remove()
    }
  })

  test('longtask (Chromium without Long Animation Frames): short work is not reported', async () => {
    const { frame, leakscope } = await frameWithoutLoaf()
    try {
      const scope = leakscope.noEventLoopBlocking({ action: 'log', logger: { warn() {} } })
      for (let i = 0; i < 10; i++) {
        busyWait(20)
        await wait(5)
      }
      expect(await scope.check()).toEqual([])
    } finally {
      frame.remove()
    }
  })
})
