import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

function never(): Promise<void> {
  return new Promise(function waitForever() {})
}

describe("promises (opt-in: kinds: ['promise'])", () => {
  test('a promise never resolved is a leak; one resolved or rejected is not', async () => {
    const NativePromise = Promise
    const scope = noTaskLeaks({ ...quiet, grace: 0, kinds: ['promise'] })
    expect(Promise).not.toBe(NativePromise)
    const forever = never()
    expect(forever).toBeInstanceOf(Promise)
    expect(forever).toBeInstanceOf(NativePromise)
    void new Promise((resolve) => resolve(1))
    new Promise((_, reject) => reject(new Error('x'))).catch(() => {})
    // Statics build through the patched constructor too; Promise.all settles here.
    await Promise.all([1, 2])
    const leaks = await scope.check()
    expect(Promise).toBe(NativePromise)
    expect(leaks.map((t) => [t.kind, t.name, t.state])).toEqual([
      ['promise', 'waitForever', 'pending'],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/promises\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('never')
  })

  test('documented limit: an async function’s own promise bypasses the patch', async () => {
    const outside = new Promise<void>(() => {}) // created before the scope: native, untracked
    const scope = noTaskLeaks({ action: 'throw', grace: 0, kinds: ['promise'] })
    async function waitOutside(): Promise<void> {
      await outside
    }
    // Pending forever, but made by V8's intrinsic %Promise%: not seen.
    void waitOutside()
    expect(await scope.check()).toEqual([])
  })

  test('a Promise the page replaced (zone.js) stays in charge: its promises are tracked and still its own', async () => {
    const NativePromise = Promise
    // What zone.js does: a Promise class of its own on the global, loaded after leakscope.
    class ZoneLikePromise<T> extends NativePromise<T> {}
    globalThis.Promise = ZoneLikePromise as PromiseConstructor
    try {
      const scope = noTaskLeaks({ ...quiet, grace: 0, kinds: ['promise'] })
      expect(Promise).not.toBe(ZoneLikePromise)
      const forever = never()
      expect(forever).toBeInstanceOf(ZoneLikePromise)
      expect(Promise.resolve(1)).toBeInstanceOf(ZoneLikePromise)
      const leaks = await scope.check()
      expect(leaks.map((t) => [t.kind, t.name])).toEqual([['promise', 'waitForever']])
      expect(Promise).toBe(ZoneLikePromise)
    } finally {
      globalThis.Promise = NativePromise
    }
  })

  test('promises are not tracked by default', async () => {
    const NativePromise = Promise
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(Promise).toBe(NativePromise)
    void new Promise(() => {})
    expect(await scope.check()).toEqual([])
  })
})

describe('scheduler.postTask', () => {
  test('a posted task not yet run is a leak; an aborted or finished one is not', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const late = new AbortController()
    scheduler.postTask(function later() {}, { delay: 60_000, signal: late.signal }).catch(() => {})
    const aborted = new AbortController()
    scheduler
      .postTask(function never() {}, { delay: 60_000, signal: aborted.signal })
      .catch(() => {})
    aborted.abort()
    await scheduler.postTask(function now() {})
    const leaks = await scope.check()
    late.abort()
    expect(leaks.map((t) => [t.kind, t.name, t.detail])).toEqual([
      ['timeout', 'later', 'scheduler.postTask'],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/promises\.test\.ts$/)
  })
})
