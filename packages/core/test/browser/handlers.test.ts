import { afterEach, describe, expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks } from 'leakscope'
import { HANDLER_LINGER_MS, handlerPatchesInstalled } from '../../dist/browser/handlers.js'
import { firstFramePath, quiet, wait } from './helpers.js'

// Event handler properties (`on*`), see src/browser/handlers.ts.

// Handlers with a body: an empty one is never tracked (see the test on React's noop below).
const seen: Event[] = []

function onResize(event: Event): void {
  seen.push(event)
}

const record = (event: Event): void => {
  seen.push(event)
}

function handleResize(): void {
  window.onresize = onResize
}

function tick(): void {}

afterEach(() => {
  window.onresize = null
  document.onkeydown = null
  document.body.onclick = null
  expect(activeScopeCount()).toBe(0)
})

describe('on* handler properties', () => {
  test('a handler set and never reset is a leaked listener, with the line that set it', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    handleResize()
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['listener', 'onResize', 'open', "'resize' on window (onresize)"],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/handlers\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('handleResize')
  })

  test('handlers reset before the end are clean, on the window, a document and elements', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const button = document.createElement('button')
    document.body.append(button)
    window.onresize = onResize
    document.onkeydown = record
    button.onclick = record
    document.body.onclick = record
    window.onresize = null
    document.onkeydown = null
    button.onclick = null
    document.body.onclick = null
    expect(await scope.check()).toEqual([])
    button.remove()
  })

  test('replacing a handler replaces the item: one finding, the newest handler', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    document.onkeydown = function first(event) {
      seen.push(event)
    }
    document.onkeydown = function second(event) {
      seen.push(event)
    }
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([
      ['second', "'keydown' on document (onkeydown)"],
    ])
  })

  test('not a leak: on an element out of the document, or replaced by an onclick attribute', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const detached = document.createElement('div')
    detached.onclick = record
    const attributed = document.createElement('div')
    document.body.append(attributed)
    attributed.onclick = record
    attributed.setAttribute('onclick', 'void 0')
    expect(await scope.check()).toEqual([])
    detached.onclick = null
    attributed.remove()
  })

  test('a leaked element handler names the element; cancel() resets the property', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const button = document.createElement('button')
    button.id = 'save'
    document.body.append(button)
    const onSave = (event: Event): void => {
      seen.push(event)
    }
    button.onclick = onSave
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([
      ['onSave', "'click' on <button#save> (onclick)"],
    ])
    leaks[0]?.cancel()
    expect(button.onclick).toBeNull()
    button.remove()
  })

  test('the context is carried into the handler; concurrent scopes do not blame each other', async () => {
    const a = noTaskLeaks({ ...quiet, grace: 0, creationStacks: false })
    const b = noTaskLeaks({ ...quiet, grace: 0, creationStacks: false })
    let timer: ReturnType<typeof setTimeout> | undefined
    const onClick = (): void => {
      timer = setTimeout(tick, 10_000)
    }
    a.run(() => {
      document.body.onclick = onClick
    })
    // The page's own function comes back from the getter, not the wrapper the DOM holds.
    expect(document.body.onclick).toBe(onClick)
    document.body.click()
    document.body.onclick = null
    const [fromA, fromB] = await Promise.all([a.check(), b.check()])
    clearTimeout(timer)
    expect(fromA.map((t) => [t.kind, t.name])).toEqual([['timeout', 'tick']])
    expect(fromB).toEqual([])
  })

  test('handlers of ports (and sockets, requests) run in their context and are not items', async () => {
    const a = noTaskLeaks({ ...quiet, grace: 0, creationStacks: false })
    const b = noTaskLeaks({ ...quiet, grace: 0, creationStacks: false })
    const channel = new MessageChannel()
    let timer: ReturnType<typeof setTimeout> | undefined
    let handler: unknown
    const ended = a.run(async () => {
      await new Promise<void>((resolve) => {
        channel.port1.onmessage = function onMessage() {
          timer = setTimeout(tick, 10_000)
          // The port itself is tracked (its own kind) from its start, here.
          channel.port1.close()
          resolve()
        }
        handler = channel.port1.onmessage
        channel.port2.postMessage('ping')
      })
    })
    await ended
    const [fromA, fromB] = await Promise.all([a.check(), b.check()])
    clearTimeout(timer)
    // A wrapper the DOM holds keeps the accessors in place (see the accessor tests below).
    channel.port1.onmessage = null
    // The getter gives the page's function back; the handler itself is not reported.
    expect((handler as { name?: unknown }).name).toBe('onMessage')
    expect(fromA.map((t) => [t.kind, t.name])).toEqual([['timeout', 'tick']])
    expect(fromB).toEqual([])
  })

  test('a handler keeps its `this`, arguments and return value (false cancels the default)', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const link = document.createElement('a')
    link.href = '#handlers-test'
    document.body.append(link)
    let seen: unknown[] = []
    scope.run(() => {
      link.onclick = function (this: unknown, event) {
        seen = [this, event.type]
        return false
      }
    })
    const event = new MouseEvent('click', { cancelable: true })
    link.dispatchEvent(event)
    expect(seen).toEqual([link, 'click'])
    expect(event.defaultPrevented).toBe(true)
    link.onclick = null
    link.remove()
    expect(await scope.check()).toEqual([])
  })

  test('an empty handler holds and does nothing: not reported (React sets onclick = noop)', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    // What React does to the parent of a root's container when it first renders into it.
    function noop(): void {}
    document.body.onclick = noop
    document.onkeydown = () => {}
    window.onresize = function (_event) {}
    expect(await scope.check()).toEqual([])
  })

  test('the DOM refuses a receiver as before (the prototype itself), and nothing is tracked', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(() => {
      ;(HTMLElement.prototype as { onclick: unknown }).onclick = record
    }).toThrow(TypeError)
    expect(await scope.check()).toEqual([])
  })

  test('nameFilter and kinds select handlers like listeners', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0, nameFilter: /^onResize$/ })
    handleResize()
    document.onkeydown = function other(event) {
      seen.push(event)
    }
    const leaks = await scope.check()
    expect(leaks.map((t) => t.name)).toEqual(['onResize'])
    const timersOnly = noTaskLeaks({ action: 'throw', grace: 0, kinds: ['timeout'] })
    handleResize()
    expect(await timersOnly.check()).toEqual([])
  })
})

describe('the on* accessors', () => {
  const holders: [object, string][] = [
    [globalThis, 'onresize'],
    [Document.prototype, 'onkeydown'],
    [HTMLElement.prototype, 'onclick'],
    [HTMLBodyElement.prototype, 'onscroll'],
  ]
  const describe = (): (PropertyDescriptor | undefined)[] =>
    holders.map(([holder, key]) => Object.getOwnPropertyDescriptor(holder, key))
  // The accessors go back from a timer LINGER_MS after the last scope: on a loaded machine it may
  // run late, so wait for it (up to 5 s) instead of for a fixed time.
  const restored = async (): Promise<boolean> => {
    const deadline = performance.now() + 5000
    await wait(HANDLER_LINGER_MS)
    while (handlerPatchesInstalled() && performance.now() < deadline) await wait(10)
    return !handlerPatchesInstalled()
  }

  test('are put back exactly once no scope has been open for the linger time', async () => {
    expect(await restored()).toBe(true)
    const originals = describe()
    const first = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(describe().map((d) => d?.set)).not.toEqual(originals.map((d) => d?.set))
    expect(describe()[2]?.set?.name).toBe('set onclick')
    await first.check()
    // Still there after the scope's end, so the next scope reuses them.
    expect(handlerPatchesInstalled()).toBe(true)
    const second = noTaskLeaks({ action: 'throw', grace: 0 })
    await second.check()
    expect(await restored()).toBe(true)
    expect(describe()).toEqual(originals)
  })

  test('stay while a handler wrapped for its context is stored, so the getter stays true', async () => {
    expect(await restored()).toBe(true)
    const originals = describe()
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const onKey = (event: Event): void => {
      seen.push(event)
    }
    scope.run(() => {
      document.onkeydown = onKey
    })
    await scope.check()
    // Twice the linger time: the timer that would put them back has run (restored() would
    // wait for it, and so pass however late it runs).
    await wait(2 * HANDLER_LINGER_MS)
    expect(handlerPatchesInstalled()).toBe(true)
    expect(document.onkeydown).toBe(onKey)
    document.onkeydown = null
    // The next scope's end puts them back.
    await noTaskLeaks({ action: 'throw', grace: 0 }).check()
    expect(await restored()).toBe(true)
    expect(describe()).toEqual(originals)
  })

  test("one redefined over leakscope's stays in place, and tracking goes on through it", async () => {
    expect(await restored()).toBe(true)
    const native = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'onclick')
    const first = noTaskLeaks({ action: 'throw', grace: 0 })
    const ours = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'onclick')
    let seenByTheirs = 0
    // Another layer (a test spy, a framework) wraps the accessor it finds, which is leakscope's.
    Object.defineProperty(HTMLElement.prototype, 'onclick', {
      configurable: true,
      enumerable: true,
      get(this: HTMLElement) {
        return ours?.get?.call(this)
      },
      set(this: HTMLElement, value: unknown) {
        seenByTheirs++
        ours?.set?.call(this, value)
      },
    })
    const theirs = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'onclick')
    await first.check()
    expect(await restored()).toBe(true)
    expect(Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'onclick')).toEqual(theirs)
    try {
      const second = noTaskLeaks({ ...quiet, grace: 0 })
      const button = document.createElement('button')
      document.body.append(button)
      button.onclick = record
      const leaks = await second.check()
      button.onclick = null
      button.remove()
      expect(leaks.map((t) => t.detail)).toEqual(["'click' on <button> (onclick)"])
      expect(seenByTheirs).toBe(2)
    } finally {
      if (native !== undefined) Object.defineProperty(HTMLElement.prototype, 'onclick', native)
    }
    // Once the DOM's own is back, the next install patches it again.
    expect(await restored()).toBe(true)
    const third = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'onclick')?.set).toBe(ours?.set)
    await third.check()
  })

  test('a wrapped handler on an element that was collected is no leak and keeps nothing', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    let weak: WeakRef<HTMLElement> | undefined
    // run() resolves when the scope has ended: the element must be gone by then.
    const ended = scope.run(() => {
      const element = document.createElement('div')
      // Closes over its element: nothing leakscope holds may keep it alive through the handler.
      element.onclick = () => element.remove()
      weak = new WeakRef(element)
    })
    // WeakRef targets are kept until the current job ends: collect in a later task.
    for (let i = 0; i < 20 && weak?.deref() !== undefined; i++) {
      await wait(5)
      ;(globalThis as { gc?: () => void }).gc?.()
    }
    expect(weak?.deref()).toBeUndefined()
    await ended
    expect(await restored()).toBe(true)
  })
})
