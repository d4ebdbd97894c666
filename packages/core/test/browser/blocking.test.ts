import { describe, expect, test } from 'vitest'
import { userEvent } from 'vitest/browser'
import { EventLoopBlock, EventLoopBlockError, noEventLoopBlocking, noTaskLeaks } from 'leakscope'
import { quiet, wait } from './helpers.js'

function busyWait(ms: number): number {
  const start = performance.now()
  while (performance.now() - start < ms);
  return performance.now() - start
}

/** The served line of the caller of this function (V8 reports served, not source, lines). */
function callerLine(): number {
  const line = new Error().stack?.split('\n')[2] ?? ''
  return Number(/:(\d+):\d+\)?$/.exec(line)?.[1])
}

function withFunction(blocks: readonly EventLoopBlock[], name: string): EventLoopBlock[] {
  return blocks.filter(
    (block) =>
      block.source?.functionName === name ||
      block.note?.includes(`${name} callback`) === true ||
      block.attribution?.some((script) => script.sourceFunctionName === name) === true,
  )
}

describe('noEventLoopBlocking (Chromium)', { retry: 2 }, () => {
  test('a 200 ms click handler is reported with its function and line', async () => {
    const button = document.createElement('button')
    button.textContent = 'block'
    document.body.append(button)
    let definedAt = 0
    let actual = 0
    const onBlockingClick = function onBlockingClick(): void {
      definedAt = callerLine() - 1
      actual = busyWait(200)
    }
    button.addEventListener('click', onBlockingClick)
    const scope = noEventLoopBlocking(quiet)
    await userEvent.click(button)
    await wait(50)
    const blocks = await scope.check()
    button.remove()
    const [block] = withFunction(blocks, 'onBlockingClick')
    expect(block).toBeDefined()
    expect(Math.abs(block!.duration - actual)).toBeLessThan(actual * 0.1 + 10)
    expect(block!.source?.line).toBe(definedAt)
    expect(block!.source?.url).toMatch(/blocking\.test\.ts/)
    expect(block!.attribution?.[0]).toMatchObject({ invokerType: 'event-listener' })
  })

  test('a 300 ms timer callback is reported with its function and line', async () => {
    let definedAt = 0
    let actual = 0
    const scope = noEventLoopBlocking(quiet)
    await new Promise<void>((resolve) => {
      setTimeout(function onBlockingTimer() {
        definedAt = callerLine() - 1
        actual = busyWait(300)
        resolve()
      }, 10)
    })
    await wait(50)
    const blocks = await scope.check()
    const [block] = withFunction(blocks, 'onBlockingTimer')
    expect(block).toBeDefined()
    expect(Math.abs(block!.duration - actual)).toBeLessThan(actual * 0.1 + 10)
    expect(block!.source?.line).toBe(definedAt)
  })

  test('a timer leakscope wraps is timed directly and reported with its creation stack', async () => {
    const tasks = noTaskLeaks(quiet)
    const scope = noEventLoopBlocking(quiet)
    let scheduledAt = 0
    await new Promise<void>((resolve) => {
      function scheduleBlockingTimer(): void {
        scheduledAt = callerLine() + 1
        setTimeout(function wrappedBlockingTimer() {
          busyWait(150)
          resolve()
        }, 10)
      }
      scheduleBlockingTimer()
    })
    await wait(20)
    const blocks = await scope.check()
    await tasks.check()
    const mine = withFunction(blocks, 'wrappedBlockingTimer')
    expect(mine).toHaveLength(1)
    expect(mine[0]!.blockingStack?.[0]).toMatchObject({
      functionName: 'scheduleBlockingTimer',
      line: scheduledAt,
    })
    expect(mine[0]!.note).toMatch(/timed by leakscope/)
  })

  test("action 'throw' rejects with EventLoopBlockError", async () => {
    const scope = noEventLoopBlocking({ action: 'throw' })
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        busyWait(150)
        resolve()
      }, 0)
    })
    const error = (await scope.check().catch((e: unknown) => e)) as EventLoopBlockError
    expect(error).toBeInstanceOf(EventLoopBlockError)
    expect(error.blockCount).toBeGreaterThanOrEqual(1)
    expect(error.message).toMatch(/^Detected \d+ event loop blocks?/)
  })

  test('short work is not reported', async () => {
    const scope = noEventLoopBlocking(quiet)
    for (let i = 0; i < 10; i++) {
      busyWait(20)
      await wait(5)
    }
    expect(await scope.check()).toEqual([])
  })
})
