import { describe, expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet, wait } from './helpers.js'

// Read at load, while no scope is open: the DOM's own methods.
const nativeAdd = EventTarget.prototype.addEventListener
const nativeRemove = EventTarget.prototype.removeEventListener

function onResize(): void {}

function noop(): void {}

function listenForResize(): void {
  window.addEventListener('resize', onResize)
}

describe('event listeners', () => {
  test('a listener added and not removed is a leak, with the line that added it', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    listenForResize()
    const leaks = await scope.check()
    window.removeEventListener('resize', onResize)
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['listener', 'onResize', 'open', "'resize' on window"],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/listeners\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('listenForResize')
  })

  test('removeEventListener, { once } and { signal } all remove it: clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const button = document.createElement('button')
    document.body.append(button)
    let clicks = 0
    const onClick = (): void => {
      clicks++
    }
    button.addEventListener('click', onClick)
    button.removeEventListener('click', onClick)
    button.addEventListener('click', onClick, { once: true })
    button.click()
    button.click()
    const controller = new AbortController()
    button.addEventListener('click', onClick, { signal: controller.signal })
    window.addEventListener('keydown', onClick, { signal: controller.signal, capture: true })
    controller.abort()
    button.click()
    expect(await scope.check()).toEqual([])
    expect(clicks).toBe(1)
    button.remove()
  })

  test('a listener on an element out of the document is reported only once it is back', async () => {
    // What Vue and Preact do at unmount: the rendered element leaves the document with its
    // listener still on it (they never remove it), and nothing can reach it any more.
    const detached = noTaskLeaks({ ...quiet, grace: 0 })
    const reattached = noTaskLeaks({ ...quiet, grace: 0 })
    const button = document.createElement('button')
    document.body.append(button)
    function onClick(): void {}
    button.addEventListener('click', onClick)
    button.remove()
    const whileOut = await detached.check()
    document.body.append(button)
    const leaks = await reattached.check()
    button.removeEventListener('click', onClick)
    button.remove()
    expect(whileOut).toEqual([])
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([['onClick', "'click' on <button>"]])
  })

  test('the key is (target, type, callback, capture): a mismatched remove leaves a leak', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const target = new EventTarget()
    function onPing(): void {}
    target.addEventListener('ping', onPing, { capture: true })
    target.removeEventListener('ping', onPing) // capture false: not the same listener
    target.addEventListener('ping', onPing, true) // same key again: the DOM ignores it
    const leaks = await scope.check()
    target.removeEventListener('ping', onPing, true)
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([['onPing', "'ping' on EventTarget"]])
  })

  test('one callback under several keys on one target: each removal takes exactly its key', async () => {
    // The outer scope keeps the patches installed after the inner one ends.
    const outer = noTaskLeaks({ action: 'throw', grace: 0 })
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const target = new EventTarget()
    const calls: string[] = []
    function onAny(this: unknown, event: Event): void {
      expect(this).toBe(target)
      calls.push(`${event.type}:${event.eventPhase}`)
    }
    // Added from a tracked listener's callback, so each is registered through a wrapper.
    target.addEventListener(
      'setup',
      () => {
        target.addEventListener('a', onAny)
        target.addEventListener('a', onAny, true)
        target.addEventListener('b', onAny, { once: true })
        target.addEventListener('c', onAny, { capture: true })
      },
      { once: true },
    )
    target.dispatchEvent(new Event('setup'))
    target.removeEventListener('a', onAny, { capture: true }) // not the head of the list
    target.dispatchEvent(new Event('a'))
    target.dispatchEvent(new Event('b'))
    target.dispatchEvent(new Event('b'))
    const leaks = await scope.check()
    expect(calls).toEqual(['a:2', 'b:2'])
    expect(leaks.map((t) => t.detail).sort()).toEqual(["'a' on EventTarget", "'c' on EventTarget"])
    target.removeEventListener('c', onAny, true)
    target.removeEventListener('a', onAny)
    target.dispatchEvent(new Event('a'))
    target.dispatchEvent(new Event('c'))
    expect(calls).toEqual(['a:2', 'b:2'])
    expect(await outer.check()).toEqual([])
  })

  test('many listeners on one target (past the short list, into the map): keys stay exact', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const target = new EventTarget()
    const calls: number[] = []
    const callbacks = Array.from({ length: 20 }, (_, i) => () => void calls.push(i))
    // Added from a tracked listener's callback, so each is registered through leakscope's entry.
    target.addEventListener(
      'setup',
      () => {
        for (const callback of callbacks) {
          target.addEventListener('x', callback)
          target.addEventListener('x', callback, true)
          target.addEventListener('x', callback) // the same key again: ignored
        }
      },
      { once: true },
    )
    target.dispatchEvent(new Event('setup'))
    target.dispatchEvent(new Event('x'))
    expect(calls).toHaveLength(40)
    // Remove the bubbling key of the even callbacks and the capturing key of every callback.
    for (const [i, callback] of callbacks.entries()) {
      if (i % 2 === 0) target.removeEventListener('x', callback)
      target.removeEventListener('x', callback, { capture: true })
    }
    calls.length = 0
    target.dispatchEvent(new Event('x'))
    expect(calls).toEqual(callbacks.map((_, i) => i).filter((i) => i % 2 === 1))
    const leaks = await scope.check()
    for (const callback of callbacks) target.removeEventListener('x', callback)
    expect(leaks).toHaveLength(10)
    expect(leaks.every((t) => t.detail === "'x' on EventTarget")).toBe(true)
  })

  test('argument errors are the native ones', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const target = new EventTarget()
    const add = target.addEventListener as (...args: unknown[]) => void
    const remove = target.removeEventListener as (...args: unknown[]) => void
    expect(() => add.call(target, 'x')).toThrow(TypeError)
    expect(() => remove.call(target, 'x')).toThrow(TypeError)
    add.call(target, 'x', null)
    add.call(target, 'x', noop, false, 'extra')
    remove.call(target, 'x', noop, false, 'extra')
    expect(await scope.check()).toEqual([])
  })

  test('handleEvent objects are tracked and called with the object as this', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const target = new EventTarget()
    const seen: unknown[] = []
    const handler = {
      handleEvent(this: unknown) {
        seen.push(this)
      },
    }
    await scope.run(() => {
      target.addEventListener('go', handler)
    })
    target.dispatchEvent(new Event('go'))
    const leaks = await scope.check()
    target.removeEventListener('go', handler)
    expect(seen).toEqual([handler])
    expect(leaks.map((t) => t.name)).toEqual(['handleEvent'])
  })

  test('a listener callback carries the scope: a timer it starts is the scope’s', async () => {
    let handle: number | undefined
    const target = new EventTarget()
    function onStart(): void {
      handle = setInterval(function fromListener() {}, 1000)
    }
    const scope = noTaskLeaks(quiet)
    await scope.run(async () => {
      target.addEventListener('start', onStart)
      await wait(1)
      // After a native await the body has no context: the listener brings the scope's back.
      target.dispatchEvent(new Event('start'))
      target.removeEventListener('start', onStart)
    })
    const leaks = await scope.check()
    clearInterval(handle)
    expect(leaks.map((t) => t.name)).toEqual(['fromListener'])
  })

  test("'cancel' removes the leaked listener for real", async () => {
    const target = new EventTarget()
    let calls = 0
    const scope = noTaskLeaks({ action: 'cancel', logger: { warn() {} }, grace: 0 })
    const original = console.warn
    console.warn = () => {}
    target.addEventListener('x', () => calls++)
    await scope.check()
    console.warn = original
    target.dispatchEvent(new Event('x'))
    expect(calls).toBe(0)
  })
})

describe("MediaQueryList's legacy addListener / removeListener", () => {
  function watchWidth(list: MediaQueryList, callback: () => void): void {
    list.addListener(callback)
  }

  test('a listener added with addListener and never removed is a leak, at the line that added it', async () => {
    const list = matchMedia('(min-width: 1px)')
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    watchWidth(list, function onWidth() {})
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.detail])).toEqual([
      ['listener', 'onWidth', "'change' on MediaQueryList"],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/listeners\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('watchWidth')
    leaks[0]?.cancel()
    let calls = 0
    list.addEventListener('change', () => calls++)
    list.dispatchEvent(new Event('change'))
    expect(calls).toBe(1) // cancelled for real: only the new listener ran
  })

  test('removeListener, or removeEventListener for the same callback, removes it: clean', async () => {
    const list = matchMedia('(min-width: 1px)')
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const first = (): void => {}
    const second = (): void => {}
    const third = (): void => {}
    list.addListener(first)
    list.removeListener(first)
    list.addListener(second)
    list.removeEventListener('change', second)
    list.addEventListener('change', third)
    list.removeListener(third)
    await expect(scope.check()).resolves.toEqual([])
  })

  test('in run() the listener carries the scope and is removable after it', async () => {
    const nativeAddListener = MediaQueryList.prototype.addListener
    expect(String(nativeAddListener)).toContain('[native code]')
    const list = matchMedia('(min-width: 1px)')
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    let handle: number | undefined
    const receivers: unknown[] = []
    const onChange = function (this: unknown): void {
      receivers.push(this)
      handle = setInterval(function fromChange() {}, 1000)
    }
    await scope.run(() => {
      list.addListener(onChange)
      list.dispatchEvent(new Event('change'))
    })
    const leaks = await scope.check()
    clearInterval(handle)
    expect(leaks.map((t) => t.name)).toEqual(['onChange', 'fromChange'])
    expect(receivers).toEqual([list])
    // The DOM holds leakscope's wrapper: removeListener(callback) still finds it.
    list.removeListener(onChange)
    list.dispatchEvent(new Event('change'))
    expect(receivers).toHaveLength(1)
    expect(MediaQueryList.prototype.addListener).toBe(nativeAddListener)
    expect(EventTarget.prototype.addEventListener).toBe(nativeAdd)
  })
})

describe('after the last scope ends', () => {
  test('a listener registered through a wrapper is still removable, and the patches then come off', async () => {
    expect(String(nativeAdd)).toContain('[native code]')
    const target = new EventTarget()
    let calls = 0
    const onPing = (): void => {
      calls++
    }
    // Inside run() the context must be carried, so the DOM holds leakscope's wrapper.
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    await scope.run(() => target.addEventListener('ping', onPing))
    expect((await scope.check()).map((t) => t.name)).toEqual(['onPing'])
    expect(activeScopeCount()).toBe(0)

    target.dispatchEvent(new Event('ping'))
    target.addEventListener('ping', onPing) // the DOM's dedupe must still apply
    target.dispatchEvent(new Event('ping'))
    expect(calls).toBe(2)
    expect(String(EventTarget.prototype.removeEventListener)).not.toContain('[native code]')
    target.removeEventListener('ping', onPing)
    target.dispatchEvent(new Event('ping'))
    expect(calls).toBe(2)

    // Nothing depends on the patches any more: they come off with the last wrapped listener,
    // not at some later scope's end.
    expect(EventTarget.prototype.addEventListener).toBe(nativeAdd)
    expect(EventTarget.prototype.removeEventListener).toBe(nativeRemove)
  })

  test('the patches come off when the last wrapped listener is cancelled or runs once', async () => {
    const target = new EventTarget()
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    await scope.run(() => {
      target.addEventListener('kept', function kept() {})
      target.addEventListener('one', () => {}, { once: true })
    })
    const leaks = await scope.check()
    expect(leaks.map((t) => t.detail)).toEqual(["'kept' on EventTarget", "'one' on EventTarget"])
    expect(EventTarget.prototype.addEventListener).not.toBe(nativeAdd)
    leaks[0]?.cancel()
    expect(EventTarget.prototype.addEventListener).not.toBe(nativeAdd) // 'one' still holds them
    target.dispatchEvent(new Event('one'))
    expect(EventTarget.prototype.addEventListener).toBe(nativeAdd)
    expect(EventTarget.prototype.removeEventListener).toBe(nativeRemove)
  })
})
