// Needs Chromium launched with --js-flags=--expose-gc (vitest.config.ts).
import { expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { registrySize } from '../../dist/browser/tasks.js'
import { wait } from './helpers.js'

const gc = (globalThis as { gc?: () => void }).gc

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
