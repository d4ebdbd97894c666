import { describe, expect, test } from 'vitest'
import { noTaskLeaks, noWorkerLeaks } from 'leakscope'
import { quiet, wait } from './helpers.js'

describe("attribution: 'context'", () => {
  test('a timer created in a timer callback created in the scope is the scope’s, however deep', async () => {
    let handle: number | undefined
    const scope = noTaskLeaks(quiet)
    await scope.run(async () => {
      setTimeout(() => {
        requestAnimationFrame(() => {
          setTimeout(() => {
            handle = setInterval(function nestedPoll() {}, 1000)
          }, 1)
        })
      }, 1)
      await wait(80)
    })
    const leaks = await scope.check()
    clearInterval(handle)
    expect(handle).toBeDefined()
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([['interval', 'nestedPoll']])
  })

  test('a setTimeout chain still running after the grace period is a leak', async () => {
    let handle: number | undefined
    const scope = noTaskLeaks({ ...quiet, grace: 50 })
    const again = (): void => {
      handle = setTimeout(again, 5)
    }
    handle = setTimeout(again, 5)
    const leaks = await scope.check()
    clearTimeout(handle)
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([['timeout', 'again']])
  })

  test('concurrent scopes do not blame each other', async () => {
    const handles: number[] = []
    const leaky = noTaskLeaks(quiet)
    const clean = noTaskLeaks({ action: 'throw' })
    await Promise.all([
      leaky.run(async () => {
        setTimeout(() => handles.push(setInterval(function fromLeaky() {}, 1000)), 5)
        await wait(40)
      }),
      clean.run(async () => {
        setTimeout(() => clearTimeout(setTimeout(function fromClean() {}, 1000)), 1)
        await wait(50)
      }),
    ])
    const [leakyFindings, cleanFindings] = await Promise.all([leaky.check(), clean.check()])
    handles.forEach(clearInterval)
    expect(leakyFindings.map((t) => t.name)).toEqual(['fromLeaky'])
    expect(cleanFindings).toEqual([])
  })

  test('work started outside the scope is not the scope’s', async () => {
    let outside: number | undefined
    const trigger = setTimeout(() => (outside = setInterval(function outsider() {}, 1000)), 5)
    const scope = noTaskLeaks({ action: 'throw' })
    await scope.run(() => wait(40))
    expect(await scope.check()).toEqual([])
    clearTimeout(trigger)
    clearInterval(outside)
  })

  test('scopes made back to back and run side by side each see only their own leaks', async () => {
    const handles: number[] = []
    const first = noTaskLeaks(quiet)
    const second = noTaskLeaks(quiet)
    // Each leaves one interval at once and one from a timer callback of its own.
    const leave = (callback: () => void) => (): Promise<void> =>
      new Promise((resolve) => {
        handles.push(setInterval(callback, 1000))
        setTimeout(() => {
          handles.push(setInterval(callback, 1000))
          resolve()
        }, 1)
      })
    await Promise.all([
      first.run(leave(function fromFirst() {})),
      second.run(leave(function fromSecond() {})),
    ])
    const [a, b] = await Promise.all([first.check(), second.check()])
    handles.forEach(clearInterval)
    expect(a.map((t) => t.name)).toEqual(['fromFirst', 'fromFirst'])
    expect(b.map((t) => t.name)).toEqual(['fromSecond', 'fromSecond'])
  })

  test('made back to back without run() (await using, check()), the second is nested in the first', async () => {
    const outer = noTaskLeaks(quiet)
    const inner = noTaskLeaks(quiet)
    const handle = setInterval(function afterBoth() {}, 1000)
    const innerFindings = await inner.check()
    const outerFindings = await outer.check()
    clearInterval(handle)
    expect(innerFindings.map((t) => t.name)).toEqual(['afterBoth'])
    expect(outerFindings.map((t) => t.name)).toEqual(['afterBoth'])
  })

  test('nested scopes: an inner leak is the outer scope’s too', async () => {
    const outer = noTaskLeaks(quiet)
    let handle: number | undefined
    const inner = await outer.run(() => {
      const scope = noTaskLeaks(quiet)
      void scope.run(() => {
        handle = setInterval(function innerPoll() {}, 1000)
      })
      return scope.check()
    })
    const outerFindings = await outer.check()
    clearInterval(handle)
    expect(inner.map((t) => t.name)).toEqual(['innerPoll'])
    expect(outerFindings.map((t) => t.name)).toEqual(['innerPoll'])
  })

  test('await using: the rest of the synchronous block belongs to the scope', async () => {
    let handle: number | undefined
    let error: unknown
    try {
      await using _ = noTaskLeaks({ action: 'throw' })
      handle = setInterval(function usingPoll() {}, 1000)
    } catch (e) {
      error = e
    }
    clearInterval(handle)
    expect((error as { leakedTasks?: { name: string }[] }).leakedTasks?.[0]?.name).toBe('usingPoll')
  })

  test('a worker scope in the context chain: a timer created in its run() is the task scope’s', async () => {
    const tasks = noTaskLeaks({ ...quiet, grace: 0 })
    const workers = noWorkerLeaks({ action: 'throw' })
    let handle: number | undefined
    await workers.run(() => {
      handle = setInterval(function insideWorkerScope() {}, 1000)
    })
    const leaks = await tasks.check()
    clearInterval(handle)
    expect(leaks.map((t) => t.name)).toEqual(['insideWorkerScope'])
  })

  test('known limitation: after a native await the context is lost', async () => {
    let handle: number | undefined
    const scope = noTaskLeaks({ action: 'throw' })
    await scope.run(async () => {
      await Promise.resolve()
      handle = setInterval(function afterAwait() {}, 1000)
    })
    expect(await scope.check()).toEqual([])
    clearInterval(handle)
  })
})

describe("attribution: 'global'", () => {
  test('sees timers created by code outside the scope while it is open', async () => {
    let outside: number | undefined
    const trigger = setTimeout(() => (outside = setInterval(function outsider() {}, 1000)), 5)
    const scope = noTaskLeaks({ ...quiet, attribution: 'global' })
    await wait(40)
    const leaks = await scope.check()
    clearTimeout(trigger)
    clearInterval(outside)
    expect(leaks.map((t) => t.name)).toEqual(['outsider'])
  })

  test('does not see what was created before it opened', async () => {
    const before = setInterval(function before() {}, 1000)
    const scope = noTaskLeaks({ action: 'throw', attribution: 'global' })
    await wait(10)
    expect(await scope.check()).toEqual([])
    clearInterval(before)
  })
})
