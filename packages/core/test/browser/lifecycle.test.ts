import { afterEach, expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks } from 'leakscope'
import { registrySize } from '../../dist/browser/tasks.js'
import { quiet } from './helpers.js'

type Key =
  | 'setTimeout'
  | 'setInterval'
  | 'clearTimeout'
  | 'clearInterval'
  | 'requestAnimationFrame'
  | 'cancelAnimationFrame'
  | 'requestIdleCallback'
  | 'cancelIdleCallback'
const KEYS: Key[] = [
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
]
const g = globalThis as unknown as Record<Key, (...args: unknown[]) => unknown>
const originals = Object.fromEntries(KEYS.map((k) => [k, g[k]])) as Record<Key, unknown>

afterEach(() => {
  expect(activeScopeCount()).toBe(0)
  for (const key of KEYS) expect(g[key]).toBe(originals[key])
})

test('globals are patched only while a scope is open, then restored exactly', async () => {
  expect(globalThis.setTimeout).toBe(originals.setTimeout)
  const a = noTaskLeaks({ action: 'throw' })
  const b = noTaskLeaks({ action: 'throw' })
  expect(activeScopeCount()).toBe(2)
  expect(globalThis.setTimeout).not.toBe(originals.setTimeout)
  await a.check()
  expect(globalThis.setTimeout).not.toBe(originals.setTimeout)
  await b.check()
  expect(activeScopeCount()).toBe(0)
  expect(globalThis.setTimeout).toBe(originals.setTimeout)
})

test('patched functions keep name and length', async () => {
  const scope = noTaskLeaks({ action: 'throw' })
  for (const key of KEYS) {
    expect(g[key]).not.toBe(originals[key])
    expect(g[key].name).toBe(key)
    expect(g[key].length).toBe((originals[key] as () => void).length)
  }
  await scope.check()
})

test('a function replaced after install (a fake clock) is left in place', async () => {
  const scope = noTaskLeaks({ action: 'throw' })
  const ours = globalThis.setTimeout
  const theirs = ((...args: Parameters<typeof setTimeout>) => ours(...args)) as typeof setTimeout
  globalThis.setTimeout = theirs
  await scope.check()
  expect(globalThis.setTimeout).toBe(theirs)
  globalThis.setTimeout = originals.setTimeout as typeof setTimeout
})

// A spy the test never restores: it calls the function it replaced, which was leakscope's.
test('a replacement that calls ours, left in place, is not patched over: no loop, still tracked', async () => {
  const first = noTaskLeaks({ action: 'throw' })
  const ours = globalThis.setTimeout
  const theirs = ((...args: Parameters<typeof setTimeout>) => ours(...args)) as typeof setTimeout
  globalThis.setTimeout = theirs
  const proto = EventTarget.prototype
  const nativeAdd = Object.getOwnPropertyDescriptor(proto, 'addEventListener')
  const ourAdd = proto.addEventListener
  proto.addEventListener = function (this: EventTarget, ...args: Parameters<typeof ourAdd>) {
    return ourAdd.apply(this, args)
  }
  const theirAdd = proto.addEventListener
  await first.check()
  const target = new EventTarget()
  const onPing = (): void => {}
  try {
    const second = noTaskLeaks(quiet)
    expect(globalThis.setTimeout).toBe(theirs)
    expect(proto.addEventListener).toBe(theirAdd)
    // Before, ours called theirs and theirs ours: "Maximum call stack size exceeded".
    const id = setTimeout(function later() {}, 1000)
    target.addEventListener('ping', onPing)
    const leaks = await second.check()
    clearTimeout(id)
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([
      ['timeout', 'later'],
      ['listener', 'onPing'],
    ])
  } finally {
    target.removeEventListener('ping', onPing)
    globalThis.setTimeout = originals.setTimeout as typeof setTimeout
    if (nativeAdd !== undefined) Object.defineProperty(proto, 'addEventListener', nativeAdd)
  }
  // With the originals back, the next scope patches them again.
  const third = noTaskLeaks({ action: 'throw' })
  expect(globalThis.setTimeout).not.toBe(originals.setTimeout)
  expect(proto.addEventListener).toBe(ourAdd)
  await third.check()
})

test('a leaked callback that throws still throws its own error', async () => {
  // A stand-in for the native receives the function the browser would call.
  const received: ((...args: unknown[]) => unknown)[] = []
  g.setTimeout = (callback: unknown) => {
    received.push(callback as () => unknown)
    return 4242
  }
  try {
    const scope = noTaskLeaks(quiet)
    const id = setTimeout(function boom() {
      throw new Error('boom from the user')
    }, 1000)
    expect(id).toBe(4242)
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.name, t.id])).toEqual([['boom', 4242]])
    expect(received[0]?.name).not.toBe('boom')
    expect(() => received[0]?.()).toThrow('boom from the user')
  } finally {
    g.setTimeout = originals.setTimeout as (...args: unknown[]) => unknown
  }
})

test('string handlers pass through and invalid callbacks keep the native error', async () => {
  const scope = noTaskLeaks({ action: 'throw' })
  clearTimeout(setTimeout('void 0', 1000))
  expect(() => requestAnimationFrame(42 as unknown as FrameRequestCallback)).toThrow(TypeError)
  expect(await scope.check()).toEqual([])
})

test('completed timers leave the registry: no growth across 100,000 timers', async () => {
  const scope = noTaskLeaks({ action: 'throw', creationStacks: false })
  for (let i = 0; i < 100_000; i++) clearTimeout(setTimeout(noop, 1000))
  expect(registrySize()).toBe(0)
  let fired = 0
  for (let i = 0; i < 2000; i++) setTimeout(() => fired++, 0)
  expect(registrySize()).toBe(2000)
  expect(await scope.check()).toEqual([])
  expect(fired).toBe(2000)
  expect(registrySize()).toBe(0)
})

function noop(): void {}
