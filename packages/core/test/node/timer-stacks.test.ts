import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import FakeTimers from '@sinonjs/fake-timers'
import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFrame } from './helpers.js'

// While a scope wants timer creation stacks, setTimeout/setInterval/setImmediate (globals and
// the node:timers module object) are wrapped so the stack is taken at the user's call; every
// other way of making a timer still gets its stack from the async hook.

const timersModule = createRequire(import.meta.url)('node:timers') as typeof import('node:timers')
const quiet = { action: 'log', logger: { warn() {} } } as const
const NAMES = ['setTimeout', 'setInterval', 'setImmediate'] as const

function current(): unknown[] {
  return [...NAMES.map((name) => globalThis[name]), ...NAMES.map((name) => timersModule[name])]
}

function lineHere(): number {
  const line = new Error().stack?.split('\n')[2]?.match(/:(\d+):\d+\)?$/)?.[1]
  return Number(line)
}

describe('timer wrappers', () => {
  test('keep the natives’ name, length, arguments and util.promisify, and leave with the scope', async () => {
    const natives = current()
    const scope = noTaskLeaks(quiet)
    const wrapped = current()
    expect(wrapped.every((fn, i) => fn !== natives[i])).toBe(true)
    // One wrapper per function, shared by globalThis and node:timers.
    expect(globalThis.setTimeout).toBe(timersModule.setTimeout)
    expect(wrapped.map((fn) => [(fn as () => void).name, (fn as () => void).length])).toEqual(
      natives.map((fn) => [(fn as () => void).name, (fn as () => void).length]),
    )
    const args = await new Promise((resolve) => {
      setTimeout((...received: unknown[]) => resolve(received), 1, 'a', 2)
    })
    expect(args).toEqual(['a', 2])
    await expect(promisify(setTimeout)(1, 'value')).resolves.toBe('value')
    await expect(promisify(setImmediate)('now')).resolves.toBe('now')
    expect(() => setTimeout('not a function' as never, 1)).toThrow(TypeError)
    expect(await scope.check()).toEqual([])
    expect(current()).toEqual(natives)
  })

  test('are not installed by scopes that take no timer stacks', async () => {
    const natives = current()
    for (const options of [
      { creationStacks: false },
      { creationStacks: 'callback' as const },
      { kinds: ['server' as const] },
    ]) {
      const scope = noTaskLeaks({ ...quiet, ...options })
      expect(current()).toEqual(natives)
      await scope.check()
    }
  })

  test('the stack of a wrapped call and of a reference saved before the scope both start at the user’s line', async () => {
    const saved = globalThis.setInterval
    const scope = noTaskLeaks({ ...quiet, stackFrames: 3 })
    expect(globalThis.setInterval).not.toBe(saved)
    const viaWrapper = setInterval(function viaWrapper() {}, 1000)
    const wrapperLine = lineHere() - 1
    const viaSaved = saved(function viaSaved() {}, 1000)
    const savedLine = lineHere() - 1
    const leaks = await scope.check()
    clearInterval(viaWrapper)
    clearInterval(viaSaved)
    expect(leaks.map((task) => task.name)).toEqual(['viaWrapper', 'viaSaved'])
    for (const [task, line] of [
      [leaks[0], wrapperLine],
      [leaks[1], savedLine],
    ] as const) {
      expect(firstFrame(task).file).toMatch(/timer-stacks\.test\.ts$/)
      expect(firstFrame(task).line).toBe(line)
      expect(task?.creationStack?.length).toBeLessThanOrEqual(3)
    }
  })

  test('a timer made outside the scope’s context is not taken, wrapper or not', async () => {
    // Scheduled before the scope opened: its callback runs in the test's earlier context.
    const outside = new Promise<ReturnType<typeof setTimeout>>((resolve) => {
      setImmediate(() => resolve(setTimeout(() => {}, 60_000)))
    })
    const scope = noTaskLeaks(quiet)
    const handle = await outside
    const leaks = await scope.check()
    clearTimeout(handle)
    expect(leaks).toEqual([])
  })

  test('a fake clock that puts a wrapper back after the scope ended leaves a pass-through the next scope removes', async () => {
    const natives = current()
    const first = noTaskLeaks(quiet)
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'setInterval', 'setImmediate'] })
    expect(await first.check()).toEqual([])
    clock.uninstall()
    const leftover = globalThis.setTimeout
    // Passes straight through: a real timer, no scope, nothing tracked.
    await new Promise((resolve) => setTimeout(resolve, 1))
    const second = noTaskLeaks(quiet)
    const handle = setTimeout(function later() {}, 60_000)
    const leaks = await second.check()
    clearTimeout(handle)
    expect(leftover).not.toBe(natives[0])
    expect(leaks.map((task) => task.name)).toEqual(['later'])
    expect(firstFrame(leaks[0]).file).toMatch(/timer-stacks\.test\.ts$/)
    expect(current()).toEqual(natives)
  })
})

describe('createdAt', () => {
  test('a timeout’s is the wall-clock time it was scheduled', async () => {
    const scope = noTaskLeaks(quiet)
    const before = Date.now()
    const handle = setTimeout(function scheduled() {}, 60_000)
    const after = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 30))
    const leaks = await scope.check()
    clearTimeout(handle)
    const createdAt = leaks[0]?.createdAt ?? NaN
    expect(createdAt).toBeGreaterThanOrEqual(before - 2)
    expect(createdAt).toBeLessThanOrEqual(after + 2)
  })
})
