import * as timers from 'node:timers'
import FakeTimers from '@sinonjs/fake-timers'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { noTaskLeaks } from 'leakscope'

// leakscope reports real pending work. Timers of a fake clock are not real work (they vanish
// when the clock is uninstalled), so they are never reported, and a fake clock installed
// before or after a scope changes nothing else: real leaks are still found, with their stacks,
// and the grace period still runs on real time.

function poll(): void {}
const quiet = { action: 'log', logger: { warn() {} }, grace: 50 } as const

afterEach(() => {
  vi.useRealTimers()
})

describe('@sinonjs/fake-timers', () => {
  test('installed before the scope: fake timers are ignored, real leaks found, grace not stalled', async () => {
    const clock = FakeTimers.install()
    try {
      const scope = noTaskLeaks(quiet)
      setInterval(poll, 1000) // fake
      const real = timers.setInterval(function realPoll() {}, 1000)
      const leaks = await scope.check()
      timers.clearInterval(real)
      expect(leaks.map((t) => [t.kind, t.name])).toEqual([['interval', 'realPoll']])
      expect(leaks[0]?.creationStack?.[0]?.url).toMatch(/fake-timers\.test\.ts$/)
      expect(leaks[0]?.createdAt).toBeGreaterThan(Date.UTC(2020, 0)) // real clock, not the fake epoch
    } finally {
      clock.uninstall()
    }
  })

  test('installed after the scope opened, and uninstalled before it ends', async () => {
    const scope = noTaskLeaks(quiet)
    const clock = FakeTimers.install()
    setTimeout(poll, 1000) // fake
    const real = timers.setTimeout(function realLater() {}, 60_000)
    clock.uninstall()
    const leaks = await scope.check()
    timers.clearTimeout(real)
    expect(leaks.map((t) => t.name)).toEqual(['realLater'])
    expect(globalThis.setTimeout).toBe(timers.setTimeout)
  })

  test('a clean scope under a frozen fake clock still ends', async () => {
    const clock = FakeTimers.install()
    try {
      const scope = noTaskLeaks({ action: 'throw' })
      clearTimeout(setTimeout(poll, 10))
      expect(await scope.check()).toEqual([])
    } finally {
      clock.uninstall()
    }
  })
})

describe('vi.useFakeTimers()', () => {
  test('before the scope: real leaks found, fake ones not', async () => {
    vi.useFakeTimers()
    const scope = noTaskLeaks(quiet)
    setInterval(poll, 1000)
    const real = timers.setInterval(function realPoll() {}, 1000)
    const leaks = await scope.check()
    timers.clearInterval(real)
    expect(leaks.map((t) => t.name)).toEqual(['realPoll'])
  })

  test('after the scope: the same, and advancing the fake clock does not disturb the scope', async () => {
    const scope = noTaskLeaks(quiet)
    vi.useFakeTimers()
    let fired = 0
    setInterval(() => fired++, 10)
    vi.advanceTimersByTime(100)
    vi.useRealTimers()
    const leaks = await scope.check()
    expect(fired).toBe(10)
    expect(leaks).toEqual([])
  })
})
