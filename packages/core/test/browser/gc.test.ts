// Needs Chromium launched with --js-flags=--expose-gc (vitest.config.ts).
import { expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { registrySize } from '../../dist/browser/tasks.js'
import { wait } from './helpers.js'

const gc = (globalThis as { gc?: () => void }).gc
// Read at load, while no scope is open: the DOM's own method.
const nativeAdd = EventTarget.prototype.addEventListener

// Collects until `done()` or about a second has passed (finalizers run in later tasks).
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) {
    await wait(5)
    gc?.()
  }
}

function noop(): void {}

test('gc is exposed', () => {
  expect(typeof gc).toBe('function')
})

test('100,000 completed timers and added-then-removed listeners leave the registry empty', async () => {
  const scope = noTaskLeaks({ action: 'throw', grace: 1000 })
  const target = document.createElement('div')
  for (let i = 0; i < 100_000; i++) {
    const listener = (): void => {}
    target.addEventListener('click', listener)
    target.removeEventListener('click', listener)
  }
  expect(registrySize()).toBe(0)
  let fired = 0
  for (let i = 0; i < 100_000; i++) setTimeout(() => fired++, 0)
  await wait(50)
  while (fired < 100_000) await wait(20)
  expect(registrySize()).toBe(0)
  expect(await scope.check()).toEqual([])
  expect(registrySize()).toBe(0)
})

// The element is unreachable once this returns.
function listenOnDetachedElement(): WeakRef<HTMLElement> {
  const element = document.createElement('div')
  element.addEventListener('click', () => noop())
  return new WeakRef(element)
}

test('a listener on an element that was garbage-collected is not a leak', async () => {
  const scope = noTaskLeaks({ action: 'throw', grace: 0 })
  const weak = listenOnDetachedElement()
  // WeakRef targets are kept until the current job ends: collect in a later task.
  for (let i = 0; i < 20 && weak.deref() !== undefined; i++) {
    await wait(5)
    gc?.()
  }
  expect(weak.deref()).toBeUndefined()
  expect(await scope.check()).toEqual([])
})

// The callback closes over its element and is registered through a wrapper (`once` needs one):
// nothing the scope holds may keep the element alive through the callback or the wrapper.
function listenWithSelfReference(): WeakRef<HTMLElement> {
  const element = document.createElement('div')
  element.addEventListener('click', () => element.remove(), { capture: true, once: true })
  return new WeakRef(element)
}

test('a collected element is not a leak even when its listener closes over it', async () => {
  const scope = noTaskLeaks({ action: 'throw', grace: 0 })
  const weak = listenWithSelfReference()
  for (let i = 0; i < 20 && weak.deref() !== undefined; i++) {
    await wait(5)
    gc?.()
  }
  expect(weak.deref()).toBeUndefined()
  expect(await scope.check()).toEqual([])
})

// A listener registered through a wrapper keeps the patched add/removeEventListener in place
// after the last scope; the element leaving with it (collected, never removed) releases them.
test('the listener patches come off when the last wrapped listener goes with its collected target', async () => {
  expect(String(nativeAdd)).toContain('[native code]')
  // The test above left a wrapped listener on an element that is gone by now.
  await collectUntil(() => EventTarget.prototype.addEventListener === nativeAdd)
  expect(EventTarget.prototype.addEventListener).toBe(nativeAdd)

  const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, grace: 0 })
  let weak: WeakRef<HTMLElement> | undefined
  await scope.run(() => {
    weak = listenOnDetachedElement()
  })
  expect(await scope.check()).toEqual([]) // out of the document: dormant, not reported
  expect(EventTarget.prototype.addEventListener).not.toBe(nativeAdd)
  await collectUntil(() => EventTarget.prototype.addEventListener === nativeAdd)
  expect(weak?.deref()).toBeUndefined()
  expect(EventTarget.prototype.addEventListener).toBe(nativeAdd)
})
