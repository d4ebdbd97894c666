import { setTimeout as promiseTimeout } from 'node:timers/promises'
import net from 'node:net'
import * as timers from 'node:timers'
import { describe, expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks, TaskLeakError } from 'leakscope'
import { firstFrame } from './helpers.js'

function poll(): void {}

describe('timeouts and intervals', () => {
  test('a leaked interval is reported with its name and the line that created it', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} } })
    const handle = setInterval(poll, 1000)
    const leaks = await scope.check()
    clearInterval(handle)
    expect(leaks).toHaveLength(1)
    expect(leaks[0]).toMatchObject({ kind: 'interval', name: 'poll', state: 'repeating' })
    const frame = firstFrame(leaks[0])
    expect(frame.file).toMatch(/timers\.test\.ts$/)
  })

  test('a cleared interval and a cleared timeout are clean, and end without waiting', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 10_000 })
    clearInterval(setInterval(poll, 1000))
    clearTimeout(setTimeout(poll, 1000))
    const started = performance.now()
    expect(await scope.check()).toEqual([])
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('a leaked timeout is reported; one that fires within the grace period is not', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, grace: 200 })
    setTimeout(function soon() {}, 5)
    const late = setTimeout(function late() {}, 60_000)
    const leaks = await scope.check()
    clearTimeout(late)
    expect(leaks.map((t) => [t.kind, t.name, t.state])).toEqual([['timeout', 'late', 'scheduled']])
  })

  test('ignored items are neither reported nor waited for', async () => {
    const scope = noTaskLeaks({
      action: 'throw',
      grace: 10_000,
      ignore: (task) => task.name === 'runnerOwned',
    })
    const runnerOwned = setInterval(function runnerOwned() {}, 1000)
    const started = performance.now()
    expect(await scope.check()).toEqual([])
    clearInterval(runnerOwned)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('ignore sees the finding, creation stack included, and spares only what it skips', async () => {
    const seen: string[] = []
    const scope = noTaskLeaks({
      action: 'log',
      logger: { warn() {} },
      grace: 0,
      ignore: (task) => {
        seen.push(`${task.name} ${task.creationStack?.[0]?.url.replace(/.*\//, '')}`)
        return task.name === 'skipped'
      },
    })
    const skipped = setInterval(function skipped() {}, 1000)
    const kept = setInterval(function kept() {}, 1000)
    const leaks = await scope.check()
    clearInterval(skipped)
    clearInterval(kept)
    expect(leaks.map((task) => task.name)).toEqual(['kept'])
    expect(seen).toContain('skipped timers.test.ts')
  })

  test('ignore is asked once per item, however many times the grace period polls', async () => {
    const asked = new Map<string, number>()
    const scope = noTaskLeaks({
      action: 'log',
      logger: { warn() {} },
      grace: 200,
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

  test('an item gone within the first loop turns is never passed to ignore', async () => {
    const asked: string[] = []
    const scope = noTaskLeaks({
      action: 'log',
      logger: { warn() {} },
      grace: 200,
      ignore: (task) => {
        asked.push(task.name)
        return false
      },
    })
    setImmediate(function nextTurn() {})
    const leaks = await scope.check()
    expect(leaks).toEqual([])
    // Building the finding formats its creation stack: not for what ends a turn later.
    expect(asked).toEqual([])
  })

  test('anonymous callbacks are named "anonymous"', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} } })
    const handle = setTimeout(() => {}, 60_000)
    // Arrow functions assigned nowhere have an empty name.
    const leaks = await scope.check()
    clearTimeout(handle)
    expect(leaks[0]?.name).toBe('anonymous')
  })

  test('node:timers functions are tracked like the globals', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} } })
    const handle = timers.setInterval(poll, 1000)
    const leaks = await scope.check()
    timers.clearInterval(handle)
    expect(leaks.map((t) => t.kind)).toEqual(['interval'])
  })

  test('node:timers/promises timers are tracked, and a settled one is clean', async () => {
    const controller = new AbortController()
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} } })
    const pending = promiseTimeout(60_000, undefined, { signal: controller.signal }).catch(
      () => 'aborted',
    )
    await promiseTimeout(1)
    const leaks = await scope.check()
    controller.abort()
    expect(await pending).toBe('aborted')
    expect(leaks.map((t) => [t.kind, t.state])).toEqual([['timeout', 'scheduled']])
    expect(firstFrame(leaks[0]).file).toMatch(/timers\.test\.ts$/)
  })

  test('unref()d timers are skipped by default and reported with excludeUnref: false', async () => {
    const skipped = noTaskLeaks({ action: 'throw' })
    const first = setInterval(poll, 1000).unref()
    expect(await skipped.check()).toEqual([])
    clearInterval(first)
    const reported = noTaskLeaks({ action: 'log', logger: { warn() {} }, excludeUnref: false })
    const second = setInterval(poll, 1000).unref()
    const leaks = await reported.check()
    clearInterval(second)
    expect(leaks).toHaveLength(1)
    expect(leaks[0]?.unref).toBe(true)
  })
})

describe('immediates', () => {
  test('a pending immediate is a leak when there is no grace', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, grace: 0 })
    const handle = setImmediate(function flush() {})
    const leaks = await scope.check()
    clearImmediate(handle)
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([['immediate', 'flush']])
  })

  test('an immediate that runs within the grace period, or is cleared, is clean', async () => {
    const scope = noTaskLeaks({ action: 'throw' })
    setImmediate(() => {})
    clearImmediate(setImmediate(() => {}))
    expect(await scope.check()).toEqual([])
  })
})

test('scopes leave nothing installed once they end', async () => {
  const listen = net.Server.prototype.listen
  const globals = [
    globalThis.setTimeout,
    globalThis.setInterval,
    globalThis.setImmediate,
    globalThis.Promise,
  ]
  expect(activeScopeCount()).toBe(0)
  const scope = noTaskLeaks()
  expect(activeScopeCount()).toBe(1)
  // The one patch leakscope installs while a scope is open keeps the original's shape.
  expect(net.Server.prototype.listen).not.toBe(listen)
  expect([net.Server.prototype.listen.name, net.Server.prototype.listen.length]).toEqual([
    listen.name,
    listen.length,
  ])
  await scope.check()
  expect(activeScopeCount()).toBe(0)
  expect(net.Server.prototype.listen).toBe(listen)
  expect([
    globalThis.setTimeout,
    globalThis.setInterval,
    globalThis.setImmediate,
    globalThis.Promise,
  ]).toEqual(globals)
  const error: unknown = await noTaskLeaks({ action: 'throw' })
    .run(() => setInterval(poll, 1000))
    .catch((thrown: unknown) => thrown)
  expect(error).toBeInstanceOf(TaskLeakError)
  for (const task of (error as TaskLeakError).leakedTasks) task.cancel()
  expect(activeScopeCount()).toBe(0)
})
