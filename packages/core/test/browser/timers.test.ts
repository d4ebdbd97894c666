import { describe, expect, test, vi } from 'vitest'
import { activeScopeCount, noTaskLeaks, TaskLeakError } from 'leakscope'
import { firstFramePath, quiet, wait } from './helpers.js'

function poll(): void {}

function startPolling(): number {
  return setInterval(poll, 1000)
}

describe('timeouts and intervals', () => {
  test('a leaked interval is reported with kind, name, state and the creating line', async () => {
    const scope = noTaskLeaks(quiet)
    const handle = startPolling()
    const leaks = await scope.check()
    clearInterval(handle)
    expect(leaks).toHaveLength(1)
    expect(leaks[0]).toMatchObject({ kind: 'interval', name: 'poll', state: 'repeating' })
    expect(leaks[0]?.id).toBe(handle)
    expect(firstFramePath(leaks[0])).toMatch(/timers\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('startPolling')
    expect(Math.abs((leaks[0]?.createdAt ?? 0) - Date.now())).toBeLessThan(5000)
  })

  test('ignore is asked once per item, however many times the grace period polls', async () => {
    const asked = new Map<string, number>()
    const scope = noTaskLeaks({
      ...quiet,
      grace: 300,
      ignore: (task) => {
        asked.set(task.name, (asked.get(task.name) ?? 0) + 1)
        return task.name === 'skipped'
      },
    })
    const skipped = setInterval(function skipped() {}, 1000)
    // Pending at the scope's end, done a few polls later.
    setTimeout(function soonDone() {}, 30)
    const leaks = await scope.check()
    clearInterval(skipped)
    expect(leaks).toEqual([])
    expect(Object.fromEntries(asked)).toEqual({ skipped: 1, soonDone: 1 })
  })

  test('a leaked timeout is reported; one firing within the grace period is not', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 200 })
    setTimeout(function soon() {}, 5)
    const late = setTimeout(function late() {}, 60_000)
    const leaks = await scope.check()
    clearTimeout(late)
    expect(leaks.map((t) => [t.kind, t.name, t.state])).toEqual([['timeout', 'late', 'scheduled']])
    expect(firstFramePath(leaks[0])).toMatch(/timers\.test\.ts$/)
  })

  test('cleared timers are clean and the scope ends without waiting', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 10_000 })
    clearInterval(setInterval(poll, 1000))
    clearTimeout(setTimeout(poll, 1000))
    // Either clear function clears either kind, as in the DOM.
    clearTimeout(setInterval(poll, 1000))
    const started = performance.now()
    expect(await scope.check()).toEqual([])
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('anonymous callbacks are named "anonymous"; arguments and this are passed on', async () => {
    const scope = noTaskLeaks(quiet)
    const seen: unknown[] = []
    const handle = setTimeout(() => {}, 60_000)
    setTimeout(
      function (this: unknown, a: number, b: string) {
        seen.push(this, a, b)
      },
      0,
      1,
      'two',
    )
    const leaks = await scope.check()
    clearTimeout(handle)
    expect(leaks.map((t) => t.name)).toEqual(['anonymous'])
    expect(seen).toEqual([globalThis, 1, 'two'])
  })
})

describe('animation frames and idle callbacks', () => {
  test('a requestAnimationFrame loop is a leak; a cancelled frame is clean', async () => {
    let frame: number
    let frames = 0
    const scope = noTaskLeaks(quiet)
    const loop = (): void => {
      frames++
      frame = requestAnimationFrame(loop)
    }
    frame = requestAnimationFrame(loop)
    const leaks = await scope.check()
    cancelAnimationFrame(frame)
    expect(leaks.map((t) => [t.kind, t.name, t.state])).toEqual([
      ['animation-frame', 'loop', 'scheduled'],
    ])
    expect(frames).toBeGreaterThan(0)
    expect(firstFramePath(leaks[0])).toMatch(/timers\.test\.ts$/)

    const clean = noTaskLeaks({ action: 'throw' })
    cancelAnimationFrame(requestAnimationFrame(poll))
    let fired = false
    requestAnimationFrame(() => (fired = true))
    expect(await clean.check()).toEqual([])
    expect(fired).toBe(true)
  })

  test('a pending idle callback is a leak; a cancelled one is clean', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const handle = requestIdleCallback(function whenIdle() {})
    const leaks = await scope.check()
    cancelIdleCallback(handle)
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.id])).toEqual([
      ['idle-callback', 'whenIdle', 'scheduled', handle],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/timers\.test\.ts$/)

    const clean = noTaskLeaks({ action: 'throw', grace: 0 })
    cancelIdleCallback(requestIdleCallback(poll))
    expect(await clean.check()).toEqual([])
  })

  test('an idle callback that runs within the grace period is clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 2000 })
    let ran = false
    requestIdleCallback(() => (ran = true), { timeout: 50 })
    expect(await scope.check()).toEqual([])
    expect(ran).toBe(true)
  })
})

describe('actions and options', () => {
  test("'throw' rejects with a TaskLeakError", async () => {
    let handle: number | undefined
    const error: unknown = await noTaskLeaks({ action: 'throw' })
      .run(() => {
        handle = setInterval(poll, 1000)
      })
      .catch((e: unknown) => e)
    clearInterval(handle)
    expect(error).toBeInstanceOf(TaskLeakError)
    expect((error as TaskLeakError).taskCount).toBe(1)
    expect((error as TaskLeakError).message).toMatch(/Detected 1 leaked task/)
  })

  test("'cancel' clears the leaked interval for real", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    let ticks = 0
    const scope = noTaskLeaks({ action: 'cancel' })
    setInterval(function tick() {
      ticks++
    }, 5)
    await scope.check()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/cancelled by leakscope/)
    warn.mockRestore()
    const after = ticks
    await wait(60)
    expect(ticks).toBe(after)
  })

  test("'warn' goes to console.warn; 'log' goes to the logger", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const warned = noTaskLeaks()
    const a = setTimeout(poll, 60_000)
    await warned.check()
    clearTimeout(a)
    expect(warn).toHaveBeenCalledTimes(1)
    warn.mockRestore()

    const lines: unknown[] = []
    const logged = noTaskLeaks({ action: 'log', logger: { warn: (m: unknown) => lines.push(m) } })
    const b = setTimeout(poll, 60_000)
    await logged.check()
    clearTimeout(b)
    expect(lines).toHaveLength(1)
    expect(String(lines[0])).toMatch(/timeout.*poll/s)
  })

  test('nameFilter reports only matching names', async () => {
    const scope = noTaskLeaks({ ...quiet, nameFilter: /^keep/ })
    const a = setInterval(function keepMe() {}, 1000)
    const b = setInterval(function dropMe() {}, 1000)
    const leaks = await scope.check()
    clearInterval(a)
    clearInterval(b)
    expect(leaks.map((t) => t.name)).toEqual(['keepMe'])
  })

  test('kinds limits what is tracked and is validated against the platform', async () => {
    const scope = noTaskLeaks({ ...quiet, kinds: ['interval'] })
    const a = setInterval(poll, 1000)
    const b = setTimeout(poll, 60_000)
    const c = requestAnimationFrame(poll)
    const leaks = await scope.check()
    clearInterval(a)
    clearTimeout(b)
    cancelAnimationFrame(c)
    expect(leaks.map((t) => t.kind)).toEqual(['interval'])
    expect(() => noTaskLeaks({ kinds: ['immediate'] })).toThrow(
      /"kinds".*'timeout', 'interval', 'animation-frame', 'idle-callback', 'listener'.*'promise'\)$/,
    )
    expect(activeScopeCount()).toBe(0)
  })

  test('creationStacks: false leaves the stack out', async () => {
    const scope = noTaskLeaks({ ...quiet, creationStacks: false })
    const a = setInterval(poll, 1000)
    const leaks = await scope.check()
    clearInterval(a)
    expect(leaks[0]?.creationStack).toBeUndefined()
  })

  test('stackFrames caps the creation stack', async () => {
    const scope = noTaskLeaks({ ...quiet, stackFrames: 2 })
    const a = setInterval(poll, 1000)
    const leaks = await scope.check()
    clearInterval(a)
    expect(leaks[0]?.creationStack).toHaveLength(2)
  })
})
