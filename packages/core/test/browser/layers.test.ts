import { expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks } from 'leakscope'
import { quiet } from './helpers.js'

type Timer = (callback: () => void, ms?: number) => number
type Listen = EventTarget['addEventListener']

// A layer that patches over leakscope's patches after the scope opened, the way zone.js does when
// the page loads it after the agent: a few frames of its own between the page and leakscope.
function installLayer(): () => void {
  const previousTimer = globalThis.setTimeout as unknown as Timer
  const previousListen = EventTarget.prototype.addEventListener as Listen
  function layerSchedule(callback: () => void, ms?: number): number {
    return layerDelegate(() => previousTimer(callback, ms))
  }
  function layerListen(this: EventTarget, ...args: Parameters<Listen>): void {
    layerDelegate(() => {
      Reflect.apply(previousListen, this, args)
      return 0
    })
  }
  function layerDelegate(call: () => number): number {
    return call()
  }
  globalThis.setTimeout = layerSchedule as unknown as typeof setTimeout
  EventTarget.prototype.addEventListener = layerListen
  return () => {
    globalThis.setTimeout = previousTimer as unknown as typeof setTimeout
    EventTarget.prototype.addEventListener = previousListen
  }
}

function startTimer(): number {
  return setTimeout(function later() {}, 60_000)
}

function listen(target: EventTarget): void {
  target.addEventListener('ping', function onPing() {})
}

test('under a layer patched over leakscope, a creation stack starts at the page’s call', async () => {
  const scope = noTaskLeaks(quiet)
  const removeLayer = installLayer()
  const target = new EventTarget()
  let handle: number | undefined
  try {
    handle = startTimer()
    listen(target)
  } finally {
    removeLayer()
  }
  const leaks = await scope.check()
  clearTimeout(handle)
  expect(leaks.map((t) => t.kind).sort()).toEqual(['listener', 'timeout'])
  for (const leak of leaks) {
    const names = leak.creationStack?.map((frame) => frame.functionName) ?? []
    expect(names[0], leak.kind).toBe(leak.kind === 'timeout' ? 'startTimer' : 'listen')
    expect(names.join(' '), leak.kind).not.toMatch(/layer/)
  }
  expect(activeScopeCount()).toBe(0)
  expect(globalThis.setTimeout.name).toBe('setTimeout')
})

test('a page calling leakscope’s patch past the layer still gets its stack', async () => {
  const scope = noTaskLeaks(quiet)
  // A reference taken before the layer went on: the layer's function is not being called.
  const direct = globalThis.setTimeout as unknown as Timer
  const removeLayer = installLayer()
  let handle: number | undefined
  try {
    handle = (function startDirectly() {
      return direct(function later() {}, 60_000)
    })()
  } finally {
    removeLayer()
  }
  const leaks = await scope.check()
  clearTimeout(handle)
  expect(leaks).toHaveLength(1)
  expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('startDirectly')
})
