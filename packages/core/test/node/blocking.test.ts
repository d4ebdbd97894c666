import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Worker } from 'node:worker_threads'
import { describe, expect, test } from 'vitest'
import { EventLoopBlock, EventLoopBlockError, noEventLoopBlocking } from 'leakscope'
import { collectWarnings } from './helpers.js'

const quiet = { action: 'log', logger: { warn() {} } } as const

function busyWait(ms: number): number {
  const start = performance.now()
  while (performance.now() - start < ms);
  return performance.now() - start
}

function blockingWork(): number {
  return busyWait(250)
}

// In-process checks of forms and actions. The machine may be loaded (a descheduled process is a
// real stall to the loop), so blocks are found by function and tests retry; exact counts and
// accuracy are checked in a child process (blocking-accuracy.test.ts).
function byFunction(blocks: readonly EventLoopBlock[], name: string): EventLoopBlock[] {
  return blocks.filter((block) => block.blockingStack?.some((frame) => frame.functionName === name))
}

describe('noEventLoopBlocking (Node.js)', { retry: 2 }, () => {
  test('options are validated with TypeErrors naming option, value and what is allowed', () => {
    expect(() => noEventLoopBlocking({ threshold: -1 })).toThrow(
      /invalid option "threshold": -1 \(expected a finite number of milliseconds > 0\)/,
    )
    expect(() => noEventLoopBlocking({ threshold: 'x' as never })).toThrow(TypeError)
    expect(() => noEventLoopBlocking({ checkInterval: 0 })).toThrow(/"checkInterval": 0/)
    expect(() => noEventLoopBlocking({ threshold: 100, checkInterval: 80 })).toThrow(
      /threshold \/ 2 \(50\)/,
    )
    expect(() => noEventLoopBlocking({ action: 'stop' as never })).toThrow(/"action": 'stop'/)
    expect(() => noEventLoopBlocking({ grace: 10 } as never)).toThrow(/"grace"/)
    expect(() => noEventLoopBlocking.wrap(() => 1, { threshold: 0 })).toThrow(TypeError)
    expect(() => noEventLoopBlocking.decorator({ checkInterval: -5 })).toThrow(TypeError)
  })

  test('run() arms the watchdog first: a block in the first line has its stack', async () => {
    const scope = noEventLoopBlocking(quiet)
    let actual = 0
    await expect(
      scope.run(() => {
        actual = blockingWork()
        return 'done'
      }),
    ).resolves.toBe('done')
    const blocks = await scope.check()
    const [block] = byFunction(blocks, 'blockingWork')
    expect(block).toBeInstanceOf(EventLoopBlock)
    expect(Math.abs(block!.duration - actual)).toBeLessThan(actual * 0.1)
    expect(block!.threshold).toBe(100)
    expect(block!.blockingStack?.map((frame) => frame.functionName)).toContain('blockingWork')
    expect(block!.source?.functionName).toBe('busyWait')
    expect(block!.formatBlockingStack()).toMatch(
      /^ {4}\S+blocking\.test\.ts:\d+:\d+ \(busyWait\)\n/,
    )
    expect(JSON.parse(JSON.stringify(block))).toMatchObject({ id: block!.id, threshold: 100 })
    expect(Object.isFrozen(blocks)).toBe(true)
  })

  test("action 'throw' rejects with EventLoopBlockError; a clean scope resolves", async () => {
    const scope = noEventLoopBlocking({ action: 'throw', threshold: 100 })
    await scope.ready
    blockingWork()
    const error = (await scope.check().catch((e: unknown) => e)) as EventLoopBlockError
    expect(error).toBeInstanceOf(EventLoopBlockError)
    expect(error.blockCount).toBe(1)
    expect(error.message).toMatch(/^Detected 1 event loop block\n/)
    expect(error.message).not.toMatch(/^at /m)
    expect(error.toJSON().detector).toBe('blocking')
    await expect(noEventLoopBlocking({ action: 'throw' }).check()).resolves.toEqual([])
  })

  test('await using (Symbol.asyncDispose) ends the scope; ending again is a no-op', async () => {
    const scope = noEventLoopBlocking({ action: 'throw', threshold: 100 })
    await scope.ready
    blockingWork()
    await expect(scope[Symbol.asyncDispose]()).rejects.toBeInstanceOf(EventLoopBlockError)
    const again = await scope.check()
    expect(again).toHaveLength(1)
    expect(scope.ended).toBe(true)
  })

  test("'warn' emits a LeakscopeWarning; 'cancel' warns that blocks cannot be cancelled", async () => {
    const warned = await collectWarnings(async () => {
      await noEventLoopBlocking({ threshold: 100 }).run(blockingWork)
    })
    expect(warned).toHaveLength(1)
    expect(warned[0]!.message).toMatch(/Detected 1 event loop block/)
    const cancelled = await collectWarnings(async () => {
      await noEventLoopBlocking({ action: 'cancel', threshold: 100 }).run(blockingWork)
    })
    expect(cancelled[0]!.message).toMatch(/cannot cancel/)
  })

  test("'log' writes to the logger", async () => {
    const lines: string[] = []
    await noEventLoopBlocking({
      action: 'log',
      threshold: 100,
      logger: { warn: (line: string) => lines.push(line) },
    }).run(blockingWork)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/blockingWork/)
  })

  test('wrap() and the decorator check every call; the body error is never hidden', async () => {
    const wrapped = noEventLoopBlocking.wrap(
      function work(ms: number) {
        return busyWait(ms)
      },
      { action: 'throw', threshold: 100 },
    )
    expect(wrapped.name).toBe('work')
    await expect(wrapped(1)).resolves.toBeGreaterThan(0)
    await expect(wrapped(250)).rejects.toBeInstanceOf(EventLoopBlockError)

    const decorate = noEventLoopBlocking.decorator({ action: 'throw', threshold: 100 })
    function handle(): never {
      busyWait(250)
      throw new Error('body failed')
    }
    const decorated = decorate(handle, {
      kind: 'method',
      name: 'handle',
    } as ClassMethodDecoratorContext) as unknown as () => Promise<never>
    const error = (await decorated().catch((e: unknown) => e)) as Error & {
      leakscope?: EventLoopBlockError
    }
    expect(error.message).toBe('body failed')
    expect(error.leakscope).toBeInstanceOf(EventLoopBlockError)
  })

  test('opening and closing a scope never stalls the loop', async () => {
    const start = performance.now()
    const scope = noEventLoopBlocking(quiet)
    const opened = performance.now() - start
    await expect(scope.check()).resolves.toEqual([])
    const closed = performance.now() - start
    expect(opened).toBeLessThan(50)
    expect(closed).toBeLessThan(50)
  })

  test('scopes share the watchdog; each keeps its own threshold and list', async () => {
    const outer = noEventLoopBlocking({ ...quiet, threshold: 100 })
    await outer.ready
    const inner = noEventLoopBlocking({ ...quiet, threshold: 200 })
    busyWait(150)
    const innerBlocks = await inner.check()
    busyWait(150)
    const outerBlocks = await outer.check()
    expect(innerBlocks).toEqual([])
    expect(outerBlocks).toHaveLength(2)
    expect(outerBlocks[0]!.blockingStack).toBeDefined()
  })

  test('one watchdog serves concurrent scopes and exits when the last one ends', async () => {
    const started: Worker[] = []
    const listener = (message: unknown): void => {
      started.push((message as { worker: Worker }).worker)
    }
    subscribe('worker_threads', listener)
    try {
      const first = noEventLoopBlocking(quiet)
      const second = noEventLoopBlocking({ ...quiet, threshold: 300 })
      await Promise.all([first.ready, second.ready])
      expect(started).toHaveLength(1)
      const exited = new Promise<void>((resolve) => started[0]!.once('exit', () => resolve()))
      await first.check()
      const third = noEventLoopBlocking(quiet)
      await third.ready
      expect(started).toHaveLength(1)
      await second.check()
      await third.check()
      await exited
    } finally {
      unsubscribe('worker_threads', listener)
    }
  })

  test('a block before the watchdog is ready is still measured, with a note', async () => {
    const scope = noEventLoopBlocking(quiet)
    const actual = busyWait(150)
    const blocks = await scope.check()
    expect(blocks).toHaveLength(1)
    expect(Math.abs(blocks[0]!.duration - actual)).toBeLessThan(actual * 0.1)
    if (blocks[0]!.blockingStack === undefined) expect(blocks[0]!.note).toMatch(/starting/)
  })
})
