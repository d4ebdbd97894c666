import { setTimeout as wait } from 'node:timers/promises'
import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'

const quiet = { action: 'log', logger: { warn() {} } } as const

function poll(): void {}

async function deep(level: number, make: () => void): Promise<void> {
  await wait(1)
  if (level === 0) make()
  else await deep(level - 1, make)
}

describe("attribution: 'context'", () => {
  test('a scope sees what its own async context created, however deep the await chain', async () => {
    let handle: NodeJS.Timeout | undefined
    const leaks = await noTaskLeaks(quiet).run(() =>
      deep(5, () => (handle = setInterval(function deepPoll() {}, 1000))),
    )
    clearInterval(handle)
    // run() resolves with the body's value; the findings come through check() or the action.
    expect(leaks).toBeUndefined()
    const scope = noTaskLeaks(quiet)
    await scope.run(() => deep(5, () => (handle = setInterval(function deepPoll() {}, 1000))))
    const found = await scope.check()
    clearInterval(handle)
    expect(found.map((t) => t.name)).toEqual(['deepPoll'])
  })

  test('concurrent scopes do not blame each other', async () => {
    const handles: NodeJS.Timeout[] = []
    const leaky = noTaskLeaks(quiet)
    const clean = noTaskLeaks({ action: 'throw' })
    await Promise.all([
      leaky.run(async () => {
        await wait(5)
        handles.push(setInterval(function fromLeaky() {}, 1000))
        await wait(20)
      }),
      clean.run(async () => {
        await wait(1)
        clearTimeout(setTimeout(poll, 1000))
        await wait(30)
      }),
    ])
    const [leakyFindings, cleanFindings] = await Promise.all([leaky.check(), clean.check()])
    handles.forEach(clearInterval)
    expect(leakyFindings.map((t) => t.name)).toEqual(['fromLeaky'])
    expect(cleanFindings).toEqual([])
  })

  test('work started outside the scope is not the scope’s, even if created while it is open', async () => {
    let outside: NodeJS.Timeout | undefined
    const trigger = setTimeout(() => (outside = setInterval(function outsider() {}, 1000)), 5)
    const scope = noTaskLeaks({ action: 'throw' })
    await scope.run(() => wait(30))
    expect(await scope.check()).toEqual([])
    clearTimeout(trigger)
    clearInterval(outside)
  })

  test('scopes made back to back and run side by side each see only their own leaks', async () => {
    const handles: NodeJS.Timeout[] = []
    const first = noTaskLeaks(quiet)
    const second = noTaskLeaks(quiet)
    const leave = (callback: () => void) => async (): Promise<void> => {
      handles.push(setInterval(callback, 1000))
      await wait(5)
      handles.push(setInterval(callback, 1000))
    }
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
    const [innerFindings, outerFindings] = [await inner.check(), await outer.check()]
    clearInterval(handle)
    expect(innerFindings.map((t) => t.name)).toEqual(['afterBoth'])
    expect(outerFindings.map((t) => t.name)).toEqual(['afterBoth'])
  })

  test('nested scopes: an inner leak is the outer scope’s leak too', async () => {
    const outer = noTaskLeaks(quiet)
    let handle: NodeJS.Timeout | undefined
    const inner = await outer.run(async () => {
      const scope = noTaskLeaks(quiet)
      await scope.run(() => {
        handle = setInterval(function innerPoll() {}, 1000)
      })
      return scope.check()
    })
    const outerFindings = await outer.check()
    clearInterval(handle)
    expect(inner.map((t) => t.name)).toEqual(['innerPoll'])
    expect(outerFindings.map((t) => t.name)).toEqual(['innerPoll'])
  })
})

describe("attribution: 'global'", () => {
  test('everything created while the scope is open counts, whichever context created it', async () => {
    let outside: NodeJS.Timeout | undefined
    setTimeout(() => (outside = setInterval(function outsider() {}, 1000)), 5)
    const scope = noTaskLeaks({ ...quiet, attribution: 'global' })
    await wait(30)
    const leaks = await scope.check()
    clearInterval(outside)
    expect(leaks.map((t) => t.name)).toEqual(['outsider'])
  })
})
